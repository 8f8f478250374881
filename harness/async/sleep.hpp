#pragma once
// sleep_for: an awaitable libuv timer, the wait of every simulated request.
//
//   task<void> request() {
//     clock::time_point fired = co_await sleep_for(12.5);   // milliseconds
//   }
//
// It never completes early. libuv's timers count whole milliseconds of the loop's cached
// time, which lags the real clock; the timeout is therefore measured from the loop's own
// clock to the real deadline and rounded up, so the timer is due no earlier than the
// deadline on either clock. The cost per wait is the coroutine frame plus one heap
// uv_timer_t, which has to outlive a cancelled frame until libuv's close callback frees it.
#include <uv.h>

#include <chrono>
#include <cmath>
#include <coroutine>
#include <cstdint>

#include "harness/async/check.hpp"
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
  ~sleep_for() {
    if (timer_ != nullptr) close_timer(timer_);
  }

  bool await_ready() noexcept { return false; }

  template <class P>
  void await_suspend(std::coroutine_handle<P> h) {
    handle_ = h;
    ctx_ = h.promise().ctx;
    arm(clock::now() + std::chrono::duration_cast<clock::duration>(
                           std::chrono::duration<double, std::milli>(ms_ > 0 ? ms_ : 0)));
  }

  // When the timer fired: the moment the underlying event completed, which may be well before
  // the coroutine resumes (a poll-driven set resumes it only when its consumer polls).
  clock::time_point await_resume() const noexcept { return fired_; }

 private:
  void arm(clock::time_point deadline) {
    uv_loop_t* loop = ctx_.loop->uv();
    const double deadline_ms =
        std::chrono::duration<double, std::milli>(deadline.time_since_epoch()).count();
    // uv_now() is whole milliseconds of the same monotonic clock, never ahead of it.
    const double wait = std::ceil(deadline_ms - static_cast<double>(uv_now(loop)));
    auto* timer = new uv_timer_t;
    if (const int rc = uv_timer_init(loop, timer); rc < 0) {
      delete timer;
      throw uv_error("uv_timer_init", rc);
    }
    timer->data = this;
    timer_ = timer;
    uv_check(uv_timer_start(timer, &sleep_for::on_fire,
                            wait > 0 ? static_cast<std::uint64_t>(wait) : 0, 0),
             "uv_timer_start");
  }

  static void on_fire(uv_timer_t* timer) {
    auto* self = static_cast<sleep_for*>(timer->data);
    self->fired_ = clock::now();
    close_timer(timer);
    self->timer_ = nullptr;
    self->ctx_.on_wake->wake(self->handle_);
  }

  static void close_timer(uv_timer_t* timer) noexcept {
    uv_close(reinterpret_cast<uv_handle_t*>(timer),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  }

  double ms_;
  uv_timer_t* timer_ = nullptr;
  context ctx_{};
  std::coroutine_handle<> handle_{};
  clock::time_point fired_{};
};

}  // namespace fanout::async
