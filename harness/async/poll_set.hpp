#pragma once
// detail::poll_set<T>: the engine behind futures_unordered, buffer_unordered and buffered.
//
// Poll-driven, as in Rust (docs/design.md section 1): every child runs on the consumer's loop, and
// a child's wake-up (its timer fired) only queues it in the set's ready queue. Children are resumed
// only while the consumer is inside next(): either next() polls them itself, or, while the consumer
// is parked in next(), the set's poller polls on its behalf. The poller is a small coroutine of the
// set that stands in for the parked consumer: it is woken through the consumer's own waker, exactly
// as Rust wakes the consumer's task, so a set nested in another poll-driven set (a stream polled
// from a child of a futures_unordered) is polled only when its parent polls it. A consumer that is
// busy elsewhere leaves ready children waiting; that delay is the `late_ms` of a child, and it is
// what the buffered-stream hazard inflates.
#include <algorithm>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "harness/async/context.hpp"
#include "harness/async/event_loop.hpp"
#include "harness/async/outcome.hpp"
#include "harness/async/slab.hpp"
#include "harness/async/task.hpp"

namespace fanout::async {

namespace detail {

template <class T>
class poll_set {
 public:
  // A source of children, pulled in order while fewer than `limit` are in flight. With
  // `arrival`, item i cannot be pulled before arrival(self, i): an open-loop stream, whose
  // consumer is woken when the next item arrives (Rust: a stream of arrivals, pending until
  // the next one is due), by the loop's precise timer: the one arrival source of the open loop
  // (docs/design.md section 5).
  struct source {
    task<T> (*make)(void* self, std::size_t index) = nullptr;
    void* self = nullptr;
    std::size_t count = 0;
    std::chrono::steady_clock::time_point (*arrival)(void* self, std::size_t index) = nullptr;
  };

  poll_set(bool ordered, std::size_t limit, source src)
      : ordered_(ordered), limit_(limit), source_(src), poller_(run_poller()) {}
  poll_set(const poll_set&) = delete;
  poll_set& operator=(const poll_set&) = delete;
  // Destroying the set destroys every child still in it, and the timers they wait on.
  ~poll_set() { arrival_timer_.node.unlink(); }

  std::size_t push(task<T> t) {
    const std::size_t id = pushed_++;
    child* c = slots_.take().first;
    c->body = std::move(t);
    c->id = id;
    ready_.push_back(runnable::fresh(c));
    if (ordered_) window_.emplace_back();
    if (++in_flight_ > max_in_flight_) max_in_flight_ = in_flight_;
    return id;
  }

  // Children pushed and not yet yielded (running, or finished and waiting to be yielded).
  std::size_t in_flight() const noexcept { return in_flight_; }
  std::size_t max_in_flight() const noexcept { return max_in_flight_; }

  // Awaitable: the next child's outcome, std::nullopt once the set and its source are empty.
  [[nodiscard]] auto next() noexcept { return next_awaiter{this}; }

 private:
  // Two words: the set a child belongs to is its frame's waker's (on_child_done).
  struct child {
    task<T> body;  // empty while the slot is free
    union {
      std::size_t id = 0;
      child* next_free;  // while free (detail::slab)
    };
    child*& free_link() noexcept { return next_free; }
  };
  // The waker of every child: a wake-up queues the coroutine woken, whichever child it is in,
  // so one waker serves the set (a word less per child).
  struct children_waker final : waker {
    explicit children_waker(poll_set* s) noexcept : set(s) {}
    void wake(std::coroutine_handle<> h) noexcept override { set->on_child_wake(h); }
    poll_set* set;
  };
  // The poller's coroutine type: started at once, suspended between polls, never finishing;
  // the set owns its frame.
  struct poller {
    struct promise_type {
      poller get_return_object() noexcept {
        return poller{std::coroutine_handle<promise_type>::from_promise(*this)};
      }
      std::suspend_never initial_suspend() noexcept { return {}; }
      std::suspend_always final_suspend() noexcept { return {}; }
      void return_void() noexcept {}
      void unhandled_exception() noexcept { std::terminate(); }
    };
    explicit poller(std::coroutine_handle<promise_type> h) noexcept : handle(h) {}
    poller(poller&& other) noexcept : handle(std::exchange(other.handle, {})) {}
    ~poller() {
      if (handle) handle.destroy();
    }
    std::coroutine_handle<promise_type> handle;
  };
  // Suspends the poller and continues with the consumer it has set to resume, if any, or
  // returns to whoever woke the poller.
  struct switch_to_consumer {
    poll_set* set;
    bool await_ready() noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<>) noexcept {
      std::coroutine_handle<> next = std::exchange(set->resume_next_, {});
      return next ? next : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };

  // A child to start or a suspended coroutine of one to resume, in one word: both addresses are
  // aligned, so the lowest bit says which (every child waits in ready_ until it starts).
  struct runnable {
    std::uintptr_t bits;
    static runnable fresh(child* c) noexcept { return {reinterpret_cast<std::uintptr_t>(c) | 1}; }
    static runnable woken(std::coroutine_handle<> h) noexcept {
      return {reinterpret_cast<std::uintptr_t>(h.address())};
    }
    child* fresh_child() const noexcept {
      return (bits & 1) != 0 ? reinterpret_cast<child*>(bits & ~std::uintptr_t{1}) : nullptr;
    }
    std::coroutine_handle<> handle() const noexcept {
      return std::coroutine_handle<>::from_address(reinterpret_cast<void*>(bits));
    }
  };
  static_assert(alignof(child) > 1);

  struct next_awaiter {
    poll_set* set;
    bool await_ready() noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
      set->consumer_ctx_ = h.promise().ctx;
      set->poll();
      if (set->can_yield()) return false;
      set->parked_ = h;
      return true;
    }
    std::optional<outcome<T>> await_resume() { return set->take(); }
  };

  bool exhausted() const noexcept { return in_flight_ == 0 && next_source_ == source_.count; }
  bool has_output() const noexcept {
    return ordered_ ? !window_.empty() && window_.front().has_value() : !completed_.empty();
  }
  bool can_yield() const noexcept { return has_output() || exhausted(); }

  // The body of one poll of the stream: refill from the source, then run ready children
  // until one has finished in a way that can be yielded.
  void poll() {
    while (!has_output()) {
      refill();
      if (ready_.empty()) return;
      const runnable r = ready_.front();
      ready_.pop_front();
      if (child* c = r.fresh_child()) {
        start(c);
      } else {
        r.handle().resume();
      }
    }
  }

  void refill() {
    while (in_flight_ < limit_ && next_source_ < source_.count) {
      if (source_.arrival != nullptr) {
        const auto due = source_.arrival(source_.self, next_source_);
        if (due > std::chrono::steady_clock::now()) {
          if (!arrival_timer_.node.linked()) {
            arrival_timer_.node.fire = &poll_set::on_arrival;
            consumer_ctx_.loop->add_precise_timer_at(&arrival_timer_.node, due);
          }
          return;
        }
      }
      push(source_.make(source_.self, next_source_++));
    }
  }

  // The next item has arrived: for a parked consumer, that is a reason to poll, like a wake-up.
  static void on_arrival(detail::timer_node* node, std::chrono::steady_clock::time_point) {
    poll_set* self = reinterpret_cast<arrival_timer*>(node)->set;
    if (!self->parked_ || self->poll_scheduled_) return;
    self->poll_scheduled_ = true;
    self->consumer_ctx_.on_wake->wake(self->poller_.handle);
  }

  void start(child* c) {
    const context ctx{consumer_ctx_.loop, &children_waker_};
    c->body.start(ctx, &poll_set::on_child_done, c);
  }

  void on_child_wake(std::coroutine_handle<> h) noexcept {
    ready_.push_back(runnable::woken(h));
    if (!parked_) return;  // The consumer is busy elsewhere: the child waits in the queue.
    // Wake the consumer's stand-in through the consumer's waker, once per wake-up of it. Last:
    // the consumer may run from here and destroy the set, so nothing touches `this` after.
    if (poll_scheduled_) return;
    poll_scheduled_ = true;
    consumer_ctx_.on_wake->wake(poller_.handle);
  }

  // Each turn is one poll of the stream on behalf of the parked consumer, which it resumes
  // (by symmetric transfer) once there is something to yield.
  // (No local variable lives across its suspension points: the state is the set's.)
  poller run_poller() {
    for (;;) {
      co_await switch_to_consumer{this};
      poll_scheduled_ = false;
      if (!parked_) continue;
      poll();
      if (can_yield()) resume_next_ = std::exchange(parked_, {});
    }
  }

  static void on_child_done(void* arg) noexcept {
    auto* c = static_cast<child*>(arg);
    poll_set* self = static_cast<children_waker*>(c->body.handle().promise().ctx.on_wake)->set;
    outcome<T> out = take_outcome<T>(c->id, c->body);
    if (self->ordered_) {
      self->window_[c->id - self->window_base_] = std::move(out);
    } else {
      self->completed_.push_back(std::move(out));
    }
    c->body.reset();  // destroys the finished frame
    self->slots_.give_back(c);
  }

  std::optional<outcome<T>> take() {
    std::optional<outcome<T>> out;
    if (ordered_) {
      if (window_.empty() || !window_.front()) return std::nullopt;
      out = std::move(window_.front());
      window_.pop_front();
      ++window_base_;
    } else {
      if (completed_.empty()) return std::nullopt;
      out = std::move(completed_.front());
      completed_.pop_front();
    }
    --in_flight_;
    return out;
  }

  const bool ordered_;
  const std::size_t limit_;
  const source source_;
  std::size_t next_source_ = 0;
  // Children live in slots that are reused once finished: no allocation per child beyond its
  // frame, and a slot never moves (each is its frame's on_done argument).
  slab<child> slots_;
  children_waker children_waker_{this};
  std::size_t pushed_ = 0;
  std::deque<runnable> ready_;
  std::deque<outcome<T>> completed_;              // unordered: completion order
  std::deque<std::optional<outcome<T>>> window_;  // ordered: by id from window_base_
  std::size_t window_base_ = 0;
  std::size_t in_flight_ = 0;
  std::size_t max_in_flight_ = 0;
  context consumer_ctx_{};
  std::coroutine_handle<> parked_{};
  bool poll_scheduled_ = false;
  struct arrival_timer {
    detail::timer_node node;  // first: on_arrival casts the node to its timer
    poll_set* set;
  } arrival_timer_{{}, this};
  std::coroutine_handle<> resume_next_{};  // the poller's hand-over to the consumer
  poller poller_;                          // last: its frame goes first, before the state it reads
};

}  // namespace detail
}  // namespace fanout::async
