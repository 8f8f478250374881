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
//
// Every strategy takes its arrivals from one precise source, arrival_source: a timer of the
// steady clock to the microsecond (async::precise_timer), waited on by the admitting thread
// (threads, tbb_task_group) or polled by the admitting loop (every other strategy). None is
// rounded to the loop's millisecond tick, so no strategy is charged for its generator.
#include <algorithm>
#include <coroutine>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "harness/async/buffered.hpp"
#include "harness/async/precise_timer.hpp"
#include "harness/async/sleep.hpp"
#include "harness/measure/arrivals.hpp"
#include "harness/strategies/strategy.hpp"

namespace fanout::strategies {

using measure::arrivals;

template <class R>
struct open_batch : batch<R> {
  open_batch(std::size_t n, std::vector<clock::time_point> at)
      : batch<R>(n), intended(std::move(at)), released(n) {}
  // A run whose arrivals start now; its fan-out starts with the first intended arrival.
  static open_batch starting_now(const arrivals& a) {
    open_batch b(a.offsets.size(), a.from(clock::now()));
    b.start = b.intended.empty() ? clock::now() : b.intended.front();
    return b;
  }
  std::vector<clock::time_point> intended;  // by item
  // When the arrival source let item i in (arrival_source): at or after intended[i], at or
  // before the item's admission (`issued`). issued - released is the strategy's own cost.
  std::vector<clock::time_point> released;

  double corrected_ms(std::size_t i) const {
    return measure::ms(this->items[i].received - intended[i]);
  }
  double uncorrected_ms(std::size_t i) const {
    return measure::ms(this->items[i].received - this->items[i].issued);
  }
  // measure::achieved_per_second over this run's arrival and delivery windows.
  double achieved_per_second() const {
    if (intended.empty()) return 0;
    auto first = clock::time_point::max(), last = clock::time_point::min();
    for (const auto& it : this->items) {
      first = std::min(first, it.received);
      last = std::max(last, it.received);
    }
    return measure::achieved_per_second(intended.size(), intended.back() - intended.front(),
                                        last - first);
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

// The one arrival source of an open batch: it lets item i in at its intended arrival, to the
// microsecond, and stamps `released[i]`. The admitting thread of threads and tbb_task_group
// blocks in wait(i) on a precise_timer of its own; an admitting coroutine awaits arrive(i) on
// its loop's precise timer; a poll-driven set is woken by that same timer
// (async::detail::poll_set) and stamps the release as it pulls the item, with release().
template <class R>
class arrival_source {
 public:
  explicit arrival_source(open_batch<R>& b) : b_(b) {}

  // Blocking: returns once item i has arrived.
  void wait(std::size_t i) {
    if (!timer_) timer_.emplace();
    timer_->sleep_until(b_.intended[i]);
    release(i);
  }
  // On a loop: completes once item i has arrived.
  async::task<void> arrive(std::size_t i) {
    co_await async::sleep_until(b_.intended[i]);
    release(i);
  }
  // Item i, due by now, is let in.
  void release(std::size_t i) { b_.released[i] = clock::now(); }

 private:
  open_batch<R>& b_;
  std::optional<async::precise_timer> timer_;  // the blocking form's, made on first use
};

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
    arrival_source<typename W::result> source(b);
    auto make = [&w, &b, &source](std::size_t i) {
      source.release(i);  // the set's precise arrival timer woke it (or it was due already)
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
