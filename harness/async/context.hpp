#pragma once
// The context a coroutine runs in, handed down from awaiter to awaited task (see task.hpp).
#include <coroutine>

namespace fanout::async {

class event_loop;

// Whoever is told that a suspended coroutine may continue. A loop's root tasks use
// resume_waker (continue right away, from the libuv callback); a poll-driven set hands its
// children a waker that only queues them until the consumer polls the set (docs/design.md
// section 1).
class waker {
 public:
  virtual void wake(std::coroutine_handle<> h) noexcept = 0;

 protected:
  ~waker() = default;
};

class resume_waker final : public waker {
 public:
  void wake(std::coroutine_handle<> h) noexcept override { h.resume(); }
  static resume_waker* instance() noexcept {
    static resume_waker w;
    return &w;
  }
};

// Where CPU-bound parts go (offload.hpp). Null means "run inline on the loop".
class compute_pool {
 public:
  // Runs fn(arg) on some other thread, once.
  virtual void submit(void (*fn)(void*), void* arg) = 0;

 protected:
  ~compute_pool() = default;
};

// Two words, in every frame of a fan-out: where the coroutine runs and who wakes it. The compute
// pool is the loop's (event_loop::pool), not each frame's.
struct context {
  event_loop* loop = nullptr;
  waker* on_wake = nullptr;
};

// Awaitable: the awaiting coroutine's own context, without suspending (its loop, for state that
// lives on the loop: event_loop::local).
//
//   event_loop* loop = (co_await this_context{}).loop;
struct this_context {
  context ctx{};
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    ctx = h.promise().ctx;
    return false;
  }
  context await_resume() const noexcept { return ctx; }
};

}  // namespace fanout::async
