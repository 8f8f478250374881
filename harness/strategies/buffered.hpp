#pragma once
// buffered: futures' ordered `.buffered(limit)`: at most `limit` items in flight on the caller's
// loop, results in input order. A slow item at the head holds back every finished item behind
// it, and, since those still count against the limit, it stops new items from starting
// (head-of-line blocking).
//
//   futures::stream::iter(items)
//       .map(|item| async move { handle(item).await })
//       .buffered(limit)
//       .collect::<Vec<_>>()
//       .await
#include "harness/async/buffered.hpp"
#include "harness/strategies/open_loop.hpp"
#include "harness/strategies/strategy.hpp"

namespace fanout::strategies {

struct buffered {
  static constexpr traits info{.name = "buffered", .limit = true, .in_order = true};
  static shape shape_of(const options& o, std::size_t) { return {o.limit, 1, 1}; }

  template <workload W>
  static batch<typename W::result> run(const W& w, const options& opt, resources& res) {
    return timed<typename W::result>(
        opt.items, [&](auto& b) { b.max_in_flight = res.loop.block_on(consume(w, opt, b)); });
  }

  // Arrivals queue until one of the `limit` slots frees; results still come in input order.
  template <workload W>
  static open_batch<typename W::result> run_open(const W& w, const arrivals& a, const options& opt,
                                                 resources& res) {
    return open_stream<true>(w, a, opt.limit, res);
  }

 private:
  // [chapter-port: buffered]
  template <workload W>
  static async::task<std::size_t> consume(const W& w, const options& opt,
                                          batch<typename W::result>& b) {
    auto make = [&w, &b](std::size_t i) {
      b.issue(i);
      return w.run_async(i);
    };
    async::buffered<typename W::result, decltype(make)> stream(opt.limit, opt.items, make);
    while (auto done = co_await stream.next()) b.receive(done->id, *done);
    co_return stream.max_in_flight();
  }
  // [/chapter-port: buffered]
};

}  // namespace fanout::strategies
