#pragma once
// sleep_for: an awaitable wait on the loop's timer, the wait of every simulated request.
//
//   task<void> request() {
//     clock::time_point fired = co_await sleep_for(12.5);   // milliseconds
//   }
//
// It never completes early. libuv's timers count whole milliseconds of the loop's cached
// time, which lags the real clock; the due time is therefore the real deadline rounded up to
// the loop's next millisecond, so that it is reached no earlier than the deadline on either
// clock. The wait is an intrusive node in the awaiting coroutine's frame, on the loop's shared
// uv_timer_t (event_loop.hpp): a wait allocates nothing, and a cancelled one (its frame
// destroyed) simply leaves its bucket.
#include <uv.h>

#include <chrono>
#include <cmath>
#include <coroutine>
#include <cstdint>

#include "harness/async/context.hpp"
#include "harness/async/event_loop.hpp"

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
    waker_ = h.promise().ctx.on_wake;
    event_loop& loop = *h.promise().ctx.loop;
    const auto deadline =
        clock::now() + std::chrono::duration_cast<clock::duration>(
                           std::chrono::duration<double, std::milli>(ms_ > 0 ? ms_ : 0));
    // uv_now() is whole milliseconds of the same monotonic clock, never ahead of it.
    const double deadline_ms =
        std::chrono::duration<double, std::milli>(deadline.time_since_epoch()).count();
    const std::uint64_t now = uv_now(loop.uv());
    const double wait = std::ceil(deadline_ms - static_cast<double>(now));
    node_.fire = &sleep_for::on_fire;
    loop.add_timer(&node_, now + (wait > 0 ? static_cast<std::uint64_t>(wait) : 0));
  }

  // When the timer fired: the moment the underlying event completed, which may be well before
  // the coroutine resumes (a poll-driven set resumes it only when its consumer polls).
  clock::time_point await_resume() const noexcept { return fired_; }

 private:
  static void on_fire(detail::timer_node* node, clock::time_point now) {
    // node_ is the first member: the node's address is the awaiter's.
    auto* self = reinterpret_cast<sleep_for*>(node);
    self->fired_ = now;
    self->waker_->wake(self->handle_);
  }

  detail::timer_node node_;  // first: see on_fire
  double ms_;
  waker* waker_ = nullptr;
  std::coroutine_handle<> handle_{};
  clock::time_point fired_{};
};

}  // namespace fanout::async
