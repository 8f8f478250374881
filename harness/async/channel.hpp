#pragma once
// A bounded multi-producer, single-consumer channel (tokio::sync::mpsc::channel).
//
//   auto [tx, rx] = make_channel<int>(1);
//   rt.spawn(produce(tx));        // each producer holds a clone of tx
//   tx = {};                      // drop the original: only the producers keep it open
//   while (auto v = co_await rx.recv()) use(*v);   // ends when the last sender is gone
//
// send() waits while the channel is full and returns false, never crashing, when the receiver
// is gone. recv() returns std::nullopt only when the buffer is empty and no sender is left:
// the channel closes itself, which is how the consumer knows that every producer has
// finished without counting them. Producers may run on any thread; the receiver waits on one
// loop, woken through a uv_async_t of the channel's own.
#include <uv.h>

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "harness/async/check.hpp"
#include "harness/async/context.hpp"
#include "harness/async/event_loop.hpp"

namespace fanout::async {

template <class T>
class sender;
template <class T>
class receiver;

namespace detail {

template <class T>
class channel_state {
 public:
  explicit channel_state(std::size_t cap) : capacity(cap) {
    FANOUT_CHECK(cap > 0, "a channel needs a capacity of at least 1");
  }

  // A sender that found the channel full waits in this node, inside its own frame.
  struct waiting_send {
    T value;
    remote_wake* wake = nullptr;
    waiting_send* next = nullptr;
    bool sent = false;  // the receiver moved `value` into the buffer
  };

  std::mutex mutex;
  const std::size_t capacity;
  std::deque<T> buffer;
  std::size_t max_buffered = 0;  // the most items ever buffered at once: never above capacity_
  std::size_t senders = 0;
  bool receiver_alive = true;
  waiting_send* waiting_head = nullptr;  // FIFO of senders waiting for room
  waiting_send* waiting_tail = nullptr;
  uv_async_t* async = nullptr;  // on the receiver's loop, created when it first waits
  std::coroutine_handle<> parked{};
  context parked_ctx{};

  // Caller holds the mutex.
  void push(T&& v) {
    buffer.push_back(std::move(v));
    if (buffer.size() > max_buffered) max_buffered = buffer.size();
  }
  void signal_receiver() {
    if (parked) uv_async_send(async);
  }
  void enqueue(waiting_send* w) {
    w->next = nullptr;
    (waiting_tail ? waiting_tail->next : waiting_head) = w;
    waiting_tail = w;
  }
  void remove(waiting_send* w) {
    waiting_send** p = &waiting_head;
    waiting_send* prev = nullptr;
    while (*p != nullptr && *p != w) prev = *p, p = &(*p)->next;
    if (*p == nullptr) return;
    *p = w->next;
    if (waiting_tail == w) waiting_tail = prev;
  }
  waiting_send* dequeue() {
    waiting_send* w = waiting_head;
    if (w != nullptr) remove(w);
    return w;
  }
};

}  // namespace detail

template <class T>
class sender {
 public:
  sender() = default;
  explicit sender(std::shared_ptr<detail::channel_state<T>> s) : state_(std::move(s)) {
    std::lock_guard lock(state_->mutex);
    ++state_->senders;
  }
  sender(const sender& other) : sender(other.state_) {}
  sender(sender&& other) noexcept = default;
  sender& operator=(sender other) noexcept {
    std::swap(state_, other.state_);
    return *this;
  }
  ~sender() {
    if (!state_) return;
    std::lock_guard lock(state_->mutex);
    if (--state_->senders == 0) state_->signal_receiver();
  }

  // Awaitable: true once `value` is in the channel, false if the receiver is gone.
  [[nodiscard]] auto send(T value) { return send_awaiter{state_.get(), {std::move(value)}}; }

 private:
  struct send_awaiter {
    detail::channel_state<T>* state;
    typename detail::channel_state<T>::waiting_send node;
    bool closed = false;

    send_awaiter(detail::channel_state<T>* s, typename detail::channel_state<T>::waiting_send n)
        : state(s), node(std::move(n)) {}
    send_awaiter(const send_awaiter&) = delete;
    // Destroyed while waiting only when its frame is cancelled: leave the queue. A node still
    // queued (neither sent nor released by a departing receiver) was never fired, so its
    // wake-up has no pending message to free it: discard it instead of cancelling it.
    ~send_awaiter() {
      if (node.wake == nullptr) return;
      bool queued = false;
      {
        std::lock_guard lock(state->mutex);
        queued = !node.sent && state->receiver_alive;
        if (queued) state->remove(&node);
      }
      if (queued) {
        node.wake->discard();
      } else {
        node.wake->cancel();
      }
    }

    bool await_ready() noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
      std::lock_guard lock(state->mutex);
      if (!state->receiver_alive) {
        closed = true;
        return false;
      }
      if (state->buffer.size() < state->capacity) {
        state->push(std::move(node.value));
        state->signal_receiver();
        return false;
      }
      node.wake = remote_wake::make(h.promise().ctx, h);
      state->enqueue(&node);
      return true;
    }
    bool await_resume() const noexcept { return !closed && (node.wake == nullptr || node.sent); }
  };

  std::shared_ptr<detail::channel_state<T>> state_;
};

template <class T>
class receiver {
 public:
  explicit receiver(std::shared_ptr<detail::channel_state<T>> s) : state_(std::move(s)) {}
  receiver(receiver&&) noexcept = default;
  receiver(const receiver&) = delete;
  // Senders still waiting learn that nobody will receive: their send() returns false.
  ~receiver() {
    if (!state_) return;
    std::lock_guard lock(state_->mutex);
    state_->receiver_alive = false;
    state_->buffer.clear();
    // A receiver destroyed while parked in recv() (its frame cancelled) must not be signalled
    // by the last sender's departure: its uv_async_t is closed below.
    state_->parked = {};
    while (auto* w = state_->dequeue()) w->wake->fire();
    if (state_->async != nullptr) {
      uv_close(reinterpret_cast<uv_handle_t*>(state_->async),
               [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
      state_->async = nullptr;
    }
  }

  // Awaitable: the next value in send order, or std::nullopt once the buffer is empty and
  // the last sender is gone.
  [[nodiscard]] auto recv() noexcept { return recv_awaiter{state_.get()}; }

  // The most values the channel ever held at once (instrumentation for the capacity bound).
  std::size_t max_buffered() const {
    std::lock_guard lock(state_->mutex);
    return state_->max_buffered;
  }

 private:
  struct recv_awaiter {
    detail::channel_state<T>* state;

    bool await_ready() noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
      std::lock_guard lock(state->mutex);
      if (!state->buffer.empty() || state->senders == 0) return false;
      if (state->async == nullptr) {
        state->async = new uv_async_t;
        state->async->data = state;
        uv_check(uv_async_init(h.promise().ctx.loop->uv(), state->async, &on_async),
                 "uv_async_init");
      }
      state->parked = h;
      state->parked_ctx = h.promise().ctx;
      return true;
    }
    std::optional<T> await_resume() {
      std::lock_guard lock(state->mutex);
      if (state->buffer.empty()) return std::nullopt;
      std::optional<T> v(std::move(state->buffer.front()));
      state->buffer.pop_front();
      // Room again: the longest-waiting sender's value goes in now, and it is woken.
      if (auto* w = state->dequeue()) {
        state->push(std::move(w->value));
        w->sent = true;
        w->wake->fire();
      }
      return v;
    }
    static void on_async(uv_async_t* handle) {
      auto* s = static_cast<detail::channel_state<T>*>(handle->data);
      std::coroutine_handle<> h;
      {
        std::lock_guard lock(s->mutex);
        if (s->buffer.empty() && s->senders > 0) return;  // coalesced or stale
        h = std::exchange(s->parked, {});
      }
      if (h) s->parked_ctx.on_wake->wake(h);
    }
  };

  std::shared_ptr<detail::channel_state<T>> state_;
};

template <class T>
std::pair<sender<T>, receiver<T>> make_channel(std::size_t capacity) {
  auto state = std::make_shared<detail::channel_state<T>>(capacity);
  return {sender<T>(state), receiver<T>(state)};
}

}  // namespace fanout::async
