#pragma once
// offload: run a CPU-bound part away from the loop and resume on the loop when it is done.
//
//   task<stats> item() {
//     co_await sleep_for(10.0);                                  // waits on the loop
//     co_return co_await offload([] { return transcode(...); });  // computes on the pool
//   }
//
// Where the part runs is the awaiting coroutine's loop's choice: with a compute pool (the
// `offload` strategy runs its consumer's loop with a TBB arena, event_loop::block_on) the
// function runs there and the coroutine resumes on its own loop thread; without one it runs
// inline, blocking the loop exactly as a Rust future that computes inside poll() would. One
// awaitable thus serves both the hazard ("blocking the loop") and its fix.
#include <atomic>
#include <coroutine>
#include <exception>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

#include "harness/async/context.hpp"
#include "harness/async/event_loop.hpp"

namespace fanout::async {

template <class F>
class offload {
 public:
  using result_type = std::invoke_result_t<F&>;
  static_assert(!std::is_void_v<result_type>, "offload needs a function that returns a value");

  explicit offload(F fn) : fn_(std::move(fn)) {}
  offload(const offload&) = delete;
  offload& operator=(const offload&) = delete;
  // A frame destroyed while its part still runs on the pool (a cancellation) must not free the
  // memory the part writes into: wait for the part, then drop its pending wake-up.
  ~offload() {
    if (wake_ != nullptr) {
      while (running_.load(std::memory_order_acquire)) std::this_thread::yield();
      wake_->cancel();
    }
  }

  bool await_ready() noexcept { return false; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    const context ctx = h.promise().ctx;
    compute_pool* pool = ctx.loop->pool();
    if (pool == nullptr) {
      run();
      return false;  // Inline: continue on the loop without suspending.
    }
    wake_ = remote_wake::make(ctx, h);
    running_.store(true, std::memory_order_relaxed);
    pool->submit(&offload::on_pool, this);
    return true;
  }

  result_type await_resume() {
    if (error_) std::rethrow_exception(error_);
    return std::move(*result_);
  }

 private:
  void run() noexcept {
    try {
      result_.emplace(fn_());
    } catch (...) {
      error_ = std::current_exception();
    }
  }
  static void on_pool(void* arg) {
    auto* self = static_cast<offload*>(arg);
    remote_wake* wake = self->wake_;
    self->run();
    // After this store the frame may be destroyed at any moment: touch only `wake` below.
    self->running_.store(false, std::memory_order_release);
    wake->fire();
  }

  F fn_;
  std::optional<result_type> result_;
  std::exception_ptr error_;
  remote_wake* wake_ = nullptr;
  std::atomic<bool> running_{false};
};

}  // namespace fanout::async
