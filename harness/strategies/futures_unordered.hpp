#pragma once
// futures_unordered: the chapter's FuturesUnordered pattern. Every item's coroutine is pushed
// into one set on the caller's loop, no spawn, so the children may borrow from the caller
// (here: the workload, by reference); results come in completion order.
//
//   let mut futures = FuturesUnordered::new();
//   for item in items { futures.push(async move { handle(item).await }); }
//   while let Some(resp) = futures.next().await { responses.push(resp); }
//
// Poll-driven like the original: a child whose timer fired waits in the set's ready queue until
// the consumer polls next() (harness/async/poll_set.hpp).
#include "harness/async/futures_unordered.hpp"
#include "harness/strategies/open_loop.hpp"
#include "harness/strategies/strategy.hpp"

namespace fanout::strategies {

struct futures_unordered {
  static constexpr traits info{.name = "futures_unordered"};
  static shape shape_of(const options& o, std::size_t) { return {o.items, 1, 1}; }

  template <workload W>
  static batch<typename W::result> run(const W& w, const options& opt, resources& res) {
    return timed<typename W::result>(opt.items, [&](auto& b) { res.loop.block_on(consume(w, b)); });
  }

  // Each arrival is pushed into the set as it comes.
  template <workload W>
  static open_batch<typename W::result> run_open(const W& w, const arrivals& a, const options&,
                                                 resources& res) {
    return open_stream<false>(w, a, kUnlimited, res);
  }

  // [chapter-port: futures_unordered]
  // The consumer alone, for a strategy that runs the same set with a compute pool (offload).
  template <workload W>
  static async::task<void> consume(const W& w, batch<typename W::result>& b) {
    async::futures_unordered<typename W::result> set;
    for (std::size_t i = 0; i < b.items.size(); ++i) {
      b.issue(i);
      set.push(w.run_async(i));  // ids follow push order, so id == item index
    }
    while (auto done = co_await set.next()) b.receive(done->id, *done);
  }
  // [/chapter-port: futures_unordered]
};

}  // namespace fanout::strategies
