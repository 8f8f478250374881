#pragma once
// sleep_for: an awaitable wait on the loop's timer, the wait of every simulated request.
//
//   task<void> request() {
//     clock::time_point fired = co_await sleep_for(12.5);   // milliseconds
//   }
//
// It never completes early: the loop fires it at the first of its milliseconds at or after the
// deadline (event_loop::add_timer_at), on average about half a millisecond late. The wait is an intrusive node in the awaiting coroutine's frame, on the loop's shared
// uv_timer_t (event_loop.hpp): a wait allocates nothing, and a cancelled one (its frame
// destroyed) simply leaves its bucket.
#include <uv.h>

#include <chrono>
#include <coroutine>
#include <cstdint>

#include "harness/async/context.hpp"
#include "harness/async/event_loop.hpp"
#include "harness/measure/time.hpp"

namespace fanout::async {

using clock = std::chrono::steady_clock;

class sleep_for {
 public:
  explicit sleep_for(double ms) noexcept : ms_(ms) {}
  sleep_for(const sleep_for&) = delete;
  sleep_for& operator=(const sleep_for&) = delete;
  // Destroyed while pending only when the frame that awaits it is destroyed: a cancellation.
  ~sleep_for() { node_.unlink(); }

  bool await_ready() noexcept { return false; }

  template <class P>
  void await_suspend(std::coroutine_handle<P> h) {
    handle_ = h;
    node_.fire = &sleep_for::on_fire<P>;
    const clock::time_point deadline = clock::now() + measure::from_ms(ms_ > 0 ? ms_ : 0);
    fired_ = {};  // ms_ is read: from here on the word holds the firing time
    h.promise().ctx.loop->add_timer_at(&node_, deadline);
  }

  // When the timer fired: the moment the underlying event completed, which may be well before
  // the coroutine resumes (a poll-driven set resumes it only when its consumer polls).
  clock::time_point await_resume() const noexcept { return fired_; }

 private:
  // The waiter's waker is read from its promise when the timer fires, rather than kept here: a
  // suspended coroutine's context does not change, and every wait of a fan-out is a word
  // smaller.
  template <class P>
  static void on_fire(detail::timer_node* node, clock::time_point now) {
    // node_ is the first member: the node's address is the awaiter's.
    auto* self = reinterpret_cast<sleep_for*>(node);
    self->fired_ = now;
    const auto h = std::coroutine_handle<P>::from_address(self->handle_.address());
    h.promise().ctx.on_wake->wake(h);
  }

  detail::timer_node node_;  // first: see on_fire
  std::coroutine_handle<> handle_{};
  union {
    double ms_;                // until armed
    clock::time_point fired_;  // once armed: when the timer fired
  };
};

// sleep_until: an awaitable wait on the loop until a steady-clock deadline, to the microsecond
// (event_loop::add_precise_timer_at): the open loop's arrival source on a loop. Ready at once
// when the deadline has passed; never completes before it.
//
//   co_await sleep_until(arrival);
class sleep_until {
 public:
  explicit sleep_until(clock::time_point deadline) noexcept : deadline_(deadline) {}
  sleep_until(const sleep_until&) = delete;
  sleep_until& operator=(const sleep_until&) = delete;
  ~sleep_until() { node_.unlink(); }

  bool await_ready() const noexcept { return clock::now() >= deadline_; }

  template <class P>
  void await_suspend(std::coroutine_handle<P> h) {
    handle_ = h;
    waker_ = h.promise().ctx.on_wake;
    node_.fire = &sleep_until::on_fire;
    h.promise().ctx.loop->add_precise_timer_at(&node_, deadline_);
  }
  void await_resume() const noexcept {}

 private:
  static void on_fire(detail::timer_node* node, clock::time_point) {
    auto* self = reinterpret_cast<sleep_until*>(node);  // node_ is the first member
    self->waker_->wake(self->handle_);
  }

  detail::timer_node node_;  // first: see on_fire
  clock::time_point deadline_;
  waker* waker_ = nullptr;
  std::coroutine_handle<> handle_{};
};

}  // namespace fanout::async
