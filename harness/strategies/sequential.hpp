#pragma once
// sequential: awaiting items one by one on the caller's loop; the baseline every other
// strategy is verified against.
//
//   for item in items { responses.push(handle(item).await); }
#include "harness/strategies/open_loop.hpp"
#include "harness/strategies/strategy.hpp"

namespace fanout::strategies {

struct sequential {
  static constexpr traits info{.name = "sequential", .in_order = true};
  static shape shape_of(const options&, std::size_t) { return {1, 1, 1}; }

  template <workload W>
  static batch<typename W::result> run(const W& w, const options& opt, resources& res) {
    return timed<typename W::result>(opt.items, [&](auto& b) { res.loop.block_on(consume(w, b)); });
  }

  // Awaits each item at its arrival.
  template <workload W>
  static open_batch<typename W::result> run_open(const W& w, const arrivals& a, const options&,
                                                 resources& res) {
    return timed_open<typename W::result>(a, [&](open_batch<typename W::result>& b) {
      arrival_source<typename W::result> source(b);
      res.loop.block_on(consume(w, b, &source));
    });
  }

 private:
  // [chapter-port: sequential]
  template <workload W>
  static async::task<void> consume(const W& w, batch<typename W::result>& b,
                                   arrival_source<typename W::result>* arrivals = nullptr) {
    for (std::size_t i = 0; i < b.items.size(); ++i) {
      if (arrivals) co_await arrivals->arrive(i);
      b.issue(i);
      try {
        b.receive(i, co_await w.run_async(i));
      } catch (...) {
        b.receive_error(i, std::current_exception());
      }
    }
  }
  // [/chapter-port: sequential]
};

}  // namespace fanout::strategies
