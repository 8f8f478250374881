#pragma once
// tbb_task_group: spawn-per-item on a thread pool: `tbb::task_group::run` for every item on an
// arena of `workers` threads, then wait for them all; the blocking form of each item.
//
//   rayon::scope(|s| for item in items { s.spawn(move |_| handle_blocking(item)); });
#include <oneapi/tbb/task_group.h>

#include <latch>
#include <thread>

#include "harness/strategies/open_loop.hpp"
#include "harness/strategies/strategy.hpp"

namespace fanout::strategies {

struct tbb_task_group {
  static constexpr traits info{.name = "tbb_task_group", .runs_on = executor::tbb, .workers = true};
  static shape shape_of(const options&, std::size_t workers) { return {workers, workers, workers}; }

  template <workload W>
  static batch<typename W::result> run(const W& w, const options& opt, resources& res) {
    auto done = timed<typename W::result>(opt.items, [&](auto& b) {
      // [chapter-port: tbb_task_group]
      res.arena->execute([&] {
        tbb::task_group group;
        for (std::size_t i = 0; i < opt.items; ++i) {
          b.issue(i);
          group.run([&w, &b, i] { run_blocking_into(w, i, b.items[i]); });
        }
        group.wait();
      });
      // [/chapter-port: tbb_task_group]
      // The caller has the results when the group's wait returns: all at once.
      b.receive_all_filled();
    });
    return done;
  }

  // The calling thread admits each item into the pool arena at its arrival (enqueue: the
  // driver never joins the arena, so all `workers` threads run items), and waits for the last.
  template <workload W>
  static open_batch<typename W::result> run_open(const W& w, const arrivals& a, const options&,
                                                 resources& res) {
    auto b = open_batch<typename W::result>::starting_now(a);
    std::latch finished(static_cast<std::ptrdiff_t>(b.items.size()));
    arrival_source<typename W::result> source(b);
    for (std::size_t i = 0; i < b.items.size(); ++i) {
      source.wait(i);
      b.issue(i);
      res.pool->enqueue([&w, &b, &finished, i] {
        run_blocking_into(w, i, b.items[i]);
        b.receive_filled(i);  // open loop: each task delivers its own result
        finished.count_down();
      });
    }
    finished.wait();
    b.end = clock::now();
    return b;
  }
};

}  // namespace fanout::strategies
