#pragma once
// task<T>: a lazy coroutine that propagates exceptions, the unit every async strategy runs.
//
//   task<int> answer() { co_await sleep_for(10.0); co_return 42; }
//   task<int> twice() { co_return 2 * co_await answer(); }
//   int v = loop.block_on(twice());   // 84, after 10 ms on `loop`
//
// A task does nothing until it is awaited or started. Awaiting a task hands it the awaiting
// coroutine's context (its loop and its waker), the way a Rust future receives
// the Context of whoever polls it; a leaf awaitable such as a timer reads that context to know
// on which loop to wait and whom to wake.
#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <utility>

#include "harness/async/context.hpp"
#include "harness/async/frame_arena.hpp"

namespace fanout::async {

template <class T = void>
class task;

namespace detail {

struct promise_base {
  // Frames come from the arena of the loop whose thread makes them (frame_arena.hpp).
  static void* operator new(std::size_t size) { return frame_arena::allocate(size); }
  static void operator delete(void* p, std::size_t size) noexcept {
    frame_arena::deallocate(p, size);
  }

  context ctx{};
  // Set when a set or the runtime starts the task as a root: called once it has finished.
  // It may destroy the frame, so nothing touches the promise after calling it.
  void (*on_done)(void* arg) = nullptr;
  // A task is either awaited or a root, never both: one word holds what each needs at its end
  // (every frame of a fan-out is smaller by it).
  union {
    // Without on_done: the coroutine that awaits this task, resumed by symmetric transfer.
    std::coroutine_handle<> continuation{};
    void* on_done_arg;  // with on_done: its argument
  };
  std::exception_ptr error{};

  std::suspend_always initial_suspend() noexcept { return {}; }

  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      promise_base& p = h.promise();
      if (p.on_done == nullptr) return p.continuation ? p.continuation : std::noop_coroutine();
      p.on_done(p.on_done_arg);
      return std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  final_awaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { error = std::current_exception(); }
};

template <class T>
struct promise final : promise_base {
  std::optional<T> value;
  task<T> get_return_object() noexcept;
  template <class U>
  void return_value(U&& v) {
    value.emplace(std::forward<U>(v));
  }
  T take() {
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
};

template <>
struct promise<void> final : promise_base {
  task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void take() {
    if (error) std::rethrow_exception(error);
  }
};

}  // namespace detail

template <class T>
class [[nodiscard]] task {
 public:
  using promise_type = detail::promise<T>;
  using handle_type = std::coroutine_handle<promise_type>;
  using value_type = T;

  task() noexcept = default;
  explicit task(handle_type h) noexcept : handle_(h) {}
  task(task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { reset(); }

  // Destroys the frame, and with it every task and timer it owns: this is how a set cancels.
  void reset() noexcept {
    if (handle_) std::exchange(handle_, {}).destroy();
  }
  bool valid() const noexcept { return static_cast<bool>(handle_); }
  bool done() const noexcept { return handle_.done(); }
  handle_type handle() const noexcept { return handle_; }

  // Starts the task as a root in `ctx`; `on_done(arg)` runs when it finishes.
  void start(context ctx, void (*on_done)(void*), void* arg) {
    promise_type& p = handle_.promise();
    p.ctx = ctx;
    p.on_done = on_done;
    p.on_done_arg = arg;
    handle_.resume();
  }
  // The result of a finished task; rethrows the exception it ended with.
  T take() { return handle_.promise().take(); }
  // The exception a finished task ended with, if any, without rethrowing it.
  std::exception_ptr error() const noexcept { return handle_.promise().error; }

  struct awaiter {
    handle_type child;
    bool await_ready() noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> parent) noexcept {
      child.promise().ctx = parent.promise().ctx;
      child.promise().continuation = parent;
      return child;
    }
    T await_resume() { return child.promise().take(); }
  };
  awaiter operator co_await() && noexcept { return awaiter{handle_}; }

 private:
  handle_type handle_{};
};

namespace detail {
template <class T>
task<T> promise<T>::get_return_object() noexcept {
  return task<T>(std::coroutine_handle<promise<T>>::from_promise(*this));
}
inline task<void> promise<void>::get_return_object() noexcept {
  return task<void>(std::coroutine_handle<promise<void>>::from_promise(*this));
}
}  // namespace detail

// Yields the context of the awaiting coroutine: `context ctx = co_await current_context{};`.
// The analogue of tokio's Handle::current().
struct current_context {
  context ctx{};
  bool await_ready() noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    ctx = h.promise().ctx;
    return false;
  }
  context await_resume() noexcept { return ctx; }
};

}  // namespace fanout::async
