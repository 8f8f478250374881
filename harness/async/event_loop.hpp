#pragma once
// event_loop: one libuv loop, owned by one thread, plus a thread-safe way to post work to it.
//
//   event_loop loop;
//   int v = loop.block_on(some_task());   // runs the loop on this thread until the task ends
//
// Everything that touches a loop's handles (timers, frames suspended on them) runs on the
// loop's thread. Other threads reach it only through post(), which queues a message under a
// mutex and wakes the loop with uv_async_send (the one libuv call that is thread-safe).
#include <uv.h>

#include <mutex>
#include <vector>

#include "harness/async/context.hpp"
#include "harness/async/task.hpp"

namespace fanout::async {

class event_loop {
 public:
  event_loop();
  ~event_loop();
  event_loop(const event_loop&) = delete;
  event_loop& operator=(const event_loop&) = delete;

  uv_loop_t* uv() noexcept { return &loop_; }

  // The context of a root task on this loop: wake-ups resume at once, CPU parts run inline.
  context root_context(compute_pool* pool = nullptr) noexcept {
    return {this, resume_waker::instance(), pool};
  }

  // Thread-safe: runs fn(arg) on this loop's thread, soon, in posting order.
  void post(void (*fn)(void*), void* arg);

  // Runs `t` as a root task and the loop on the calling thread until `t` has finished; returns
  // its result or rethrows its exception.
  template <class T>
  T block_on(task<T> t, compute_pool* pool = nullptr) {
    bool done = false;
    t.start(root_context(pool), [](void* flag) { *static_cast<bool*>(flag) = true; }, &done);
    while (!done) uv_run(&loop_, UV_RUN_ONCE);
    return t.take();
  }

  // Like block_on, but gives up once `timeout_ms` pass without `t` finishing: destroys it, and
  // with it every child and timer it owns, and returns false. The watchdog of a benchmark that
  // may deadlock; `t` must not own work on other threads that outlives its frame.
  bool block_on_for(task<void> t, double timeout_ms, compute_pool* pool = nullptr);

  // Runs the loop until stop() (worker threads of the runtime use this).
  void run();
  // Thread-safe: makes run() return after the messages already posted.
  void stop();

 private:
  struct message {
    void (*fn)(void*);
    void* arg;
  };
  static void on_async(uv_async_t* handle);
  void drain();

  uv_loop_t loop_{};
  uv_async_t async_{};
  std::mutex mutex_;
  std::vector<message> queue_;     // guarded by mutex_
  std::vector<message> draining_;  // loop thread only; swapped with queue_ to run unlocked
};

// A wake-up that may arrive from another thread (offload, a full channel) for a coroutine that
// may be destroyed first (cancellation). The node outlives both parties: the waiting side
// cancels it instead of freeing it, and the message posted to the loop frees it when it runs.
// Both the cancel and the message run on the waiter's loop thread, so no atomics are needed.
class remote_wake {
 public:
  static remote_wake* make(context ctx, std::coroutine_handle<> h) {
    return new remote_wake(ctx, h);
  }
  // Any thread: queue the wake-up on the waiter's loop.
  void fire() { ctx_.loop->post(&remote_wake::on_message, this); }
  // The waiter's loop thread, from the waiter's destructor: drop the wake-up if still pending.
  void cancel() noexcept {
    cancelled_ = true;
    release();
  }

 private:
  remote_wake(context ctx, std::coroutine_handle<> h) : ctx_(ctx), handle_(h) {}
  static void on_message(void* self) {
    auto* node = static_cast<remote_wake*>(self);
    if (!node->cancelled_) node->ctx_.on_wake->wake(node->handle_);
    node->release();
  }
  void release() noexcept {
    if (--refs_ == 0) delete this;
  }

  context ctx_;
  std::coroutine_handle<> handle_;
  int refs_ = 2;  // the waiter and the posted message
  bool cancelled_ = false;
};

}  // namespace fanout::async
