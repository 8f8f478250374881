#pragma once
// offload: the loop for waiting, the pool for computing. Every item's coroutine runs on the
// caller's loop in one futures_unordered set; the CPU-bound parts that the workload awaits
// through async::offload run on the TBB arena, and each coroutine resumes on the loop.
//
//   let mut futures = FuturesUnordered::new();
//   for item in items {
//       futures.push(async move {
//           let body = fetch(item).await;                                 // on the loop
//           tokio::task::spawn_blocking(move || transcode(body)).await    // on the pool
//       });
//   }
//   while let Some(resp) = futures.next().await { responses.push(resp); }
#include "harness/async/arena_pool.hpp"
#include "harness/strategies/futures_unordered.hpp"
#include "harness/strategies/open_loop.hpp"
#include "harness/strategies/strategy.hpp"

namespace fanout::strategies {

struct offload {
  static constexpr traits info{
      .name = "offload", .runs_on = executor::loop_and_tbb, .workers = true};
  // The loop thread waits; the arena's workers compute (the loop thread is not one of them).
  static shape shape_of(const options& o, std::size_t workers) {
    return {o.items, workers, workers + 1};
  }

  // [chapter-port: offload]
  template <workload W>
  static batch<typename W::result> run(const W& w, const options& opt, resources& res) {
    async::arena_pool pool(*res.pool);
    auto done = timed<typename W::result>(
        opt.items, [&](auto& b) { res.loop.block_on(futures_unordered::consume(w, b), &pool); });
    return done;
  }
  // [/chapter-port: offload]

  // futures_unordered's open-loop form, with the CPU parts offloaded.
  template <workload W>
  static open_batch<typename W::result> run_open(const W& w, const arrivals& a, const options&,
                                                 resources& res) {
    async::arena_pool pool(*res.pool);
    return open_stream<false>(w, a, kUnlimited, res, &pool);
  }
};

}  // namespace fanout::strategies
