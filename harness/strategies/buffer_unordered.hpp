#pragma once
// buffer_unordered: the chapter's `.buffer_unordered(10)`: at most `limit` items in flight on
// the caller's loop, results in completion order.
//
//   futures::stream::iter(items)
//       .map(|item| async move { handle(item).await })
//       .buffer_unordered(limit)
//       .collect::<Vec<_>>()
//       .await
//
// Poll-driven like the original: children progress only while the consumer awaits next(), which
// is what the buffered-stream hazard (docs/design.md section 4) feeds on.
#include "harness/async/buffered.hpp"
#include "harness/strategies/open_loop.hpp"
#include "harness/strategies/strategy.hpp"

namespace fanout::strategies {

struct buffer_unordered {
  static constexpr traits info{.name = "buffer_unordered", .limit = true};
  static shape shape_of(const options& o, std::size_t) { return {o.limit, 1, 1}; }

  template <workload W>
  static batch<typename W::result> run(const W& w, const options& opt, resources& res) {
    return timed<typename W::result>(
        opt.items, [&](auto& b) { b.max_in_flight = res.loop.block_on(consume(w, opt, b)); });
  }

  // Arrivals queue until one of the `limit` slots frees.
  template <workload W>
  static open_batch<typename W::result> run_open(const W& w, const arrivals& a, const options& opt,
                                                 resources& res) {
    return open_stream<false>(w, a, opt.limit, res);
  }

 private:
  // [chapter-port: buffer_unordered]
  template <workload W>
  static async::task<std::size_t> consume(const W& w, const options& opt,
                                          batch<typename W::result>& b) {
    auto make = [&w, &b](std::size_t i) {
      b.issue(i);
      return w.run_async(i);
    };
    async::buffer_unordered<typename W::result, decltype(make)> stream(opt.limit, opt.items, make);
    while (auto done = co_await stream.next()) b.receive(done->id, *done);
    co_return stream.max_in_flight();
  }
  // [/chapter-port: buffer_unordered]
};

}  // namespace fanout::strategies
