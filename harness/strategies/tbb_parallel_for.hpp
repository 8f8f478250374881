#pragma once
// tbb_parallel_for: the chapter's "use rayon" advice for pure parallelism:
// `items.par_iter().map(handle).collect()` as `tbb::parallel_for` over the items on an arena of
// `workers` threads, each item running the blocking form.
//
//   let responses: Vec<_> = items.par_iter().map(|item| handle_blocking(item)).collect();
//
// For waiting work this is the anti-pattern it looks like: each wait occupies a worker, so at
// most `workers` waits overlap.
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "harness/strategies/strategy.hpp"

namespace fanout::strategies {

struct tbb_parallel_for {
  // No open-loop form: a batch construct over a range known in advance, with no way to admit
  // items one by one.
  static constexpr traits info{
      .name = "tbb_parallel_for", .runs_on = executor::tbb, .workers = true, .open_loop = false};
  // The arena's `workers` slots include the calling thread, which joins the work.
  static shape shape_of(const options&, std::size_t workers) { return {workers, workers, workers}; }

  template <workload W>
  static batch<typename W::result> run(const W& w, const options& opt, resources& res) {
    auto done = timed<typename W::result>(opt.items, [&](auto& b) {
      // [chapter-port: tbb_parallel_for]
      res.arena->execute([&] {
        // Grain size 1: an item is coarse (a wait or a transcode), so every item is its own
        // task and idle workers can always steal the next one.
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, opt.items, 1),
                          [&](const tbb::blocked_range<std::size_t>& r) {
                            for (std::size_t i = r.begin(); i != r.end(); ++i) {
                              b.issue(i);
                              run_blocking_into(w, i, b.items[i]);
                            }
                          });
      });
      // [/chapter-port: tbb_parallel_for]
      // The caller has the results when the loop returns: all at once.
      b.receive_all_filled();
    });
    return done;
  }
};

}  // namespace fanout::strategies
