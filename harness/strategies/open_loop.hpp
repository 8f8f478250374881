#pragma once
// What the open-loop forms of the strategies share. Open loop: each strategy admits items as
// they arrive instead of all at once. The runtime strategies spawn an item at its arrival, the
// sets push it, the bounded strategies queue it until a slot is free, and the thread strategies
// start it. Each strategy's `run_open` lives in its own file, beside its `run`.
//
//   open_batch<R> b = join_set::run_open(w, arrivals, opt, res);
//   b.corrected_ms(i);     // received - intended arrival: charges every stall (wrk2)
//   b.uncorrected_ms(i);   // received - admission: what a closed-loop tool would report
//
// Latency is measured from each item's intended arrival, so a strategy that stalls is charged
// for the items it did not take in during the stall; the uncorrected figure (from admission)
// is kept beside it to show the difference (docs/design.md section 5).
#include <algorithm>
#include <coroutine>
#include <limits>
#include <utility>
#include <vector>

#include "harness/async/buffered.hpp"
#include "harness/async/sleep.hpp"
#include "harness/measure/arrivals.hpp"
#include "harness/strategies/strategy.hpp"

namespace fanout::strategies {

using measure::arrivals;

template <class R>
struct open_batch : batch<R> {
  open_batch(std::size_t n, std::vector<clock::time_point> at)
      : batch<R>(n), intended(std::move(at)) {}
  // A run whose arrivals start now; its fan-out starts with the first intended arrival.
  static open_batch starting_now(const arrivals& a) {
    open_batch b(a.offsets.size(), a.from(clock::now()));
    b.start = b.intended.empty() ? clock::now() : b.intended.front();
    return b;
  }
  std::vector<clock::time_point> intended;  // by item

  double corrected_ms(std::size_t i) const {
    return measure::ms(this->items[i].received - intended[i]);
  }
  double uncorrected_ms(std::size_t i) const {
    return measure::ms(this->items[i].received - this->items[i].issued);
  }
  // The most items that had arrived and were not yet admitted, at any moment.
  std::size_t max_queued() const {
    std::vector<std::pair<clock::time_point, int>> events;
    for (std::size_t i = 0; i < intended.size(); ++i) {
      events.emplace_back(intended[i], +1);
      events.emplace_back(std::max(intended[i], this->items[i].issued), -1);
    }
    std::sort(events.begin(), events.end());  // at equal times, -1 sorts first
    int now = 0, most = 0;
    for (const auto& e : events) most = std::max(most, now += e.second);
    return static_cast<std::size_t>(most);
  }
};

// An open batch over the arrivals, starting now, ended after `fan_out(b)`.
template <class R, class FanOut>
open_batch<R> timed_open(const arrivals& a, FanOut&& fan_out) {
  auto b = open_batch<R>::starting_now(a);
  fan_out(b);
  b.end = clock::now();
  return b;
}

// Waits on the loop until `t`, if it is still ahead.
inline async::task<int> arrive(clock::time_point t) {
  if (const double ms = measure::ms(t - clock::now()); ms > 0) co_await async::sleep_for(ms);
  co_return 0;
}

// A loop-local notification: a consumer waits on it for the next arrival.
struct arrival_signal {
  std::coroutine_handle<> waiter{};
  async::waker* waker = nullptr;
  void notify() {
    if (waiter) waker->wake(std::exchange(waiter, {}));
  }
  struct awaiter {
    arrival_signal* s;
    bool await_ready() noexcept { return false; }
    template <class P>
    void await_suspend(std::coroutine_handle<P> h) noexcept {
      s->waiter = h;
      s->waker = h.promise().ctx.on_wake;
    }
    void await_resume() noexcept {}
  };
  awaiter wait() noexcept { return {this}; }
};

inline constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();

// The poll-driven sets over the arrivals: a stream gated by the intended arrival times, with at
// most `limit` children in flight (arrivals beyond it queue until a slot frees), results in
// completion order or, when Ordered, in input order. With a compute pool, CPU parts run there.
template <bool Ordered, workload W>
open_batch<typename W::result> open_stream(const W& w, const arrivals& a, std::size_t limit,
                                           resources& res, async::compute_pool* pool = nullptr) {
  return timed_open<typename W::result>(a, [&](open_batch<typename W::result>& b) {
    auto make = [&w, &b](std::size_t i) {
      b.issue(i);
      return w.run_async(i);
    };
    auto consume = [&]() -> async::task<void> {
      async::detail::bounded_stream<typename W::result, decltype(make), Ordered> s(
          limit, b.intended, make);
      while (auto done = co_await s.next()) b.receive(done->id, *done);
    };
    res.loop.block_on(consume(), pool);
  });
}

}  // namespace fanout::strategies
