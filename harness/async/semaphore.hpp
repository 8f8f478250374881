#pragma once
// semaphore: a pool of permits that coroutines on any loop await (tokio::sync::Semaphore).
//
//   semaphore db(2);
//   task<void> query() {
//     auto permit = co_await db.acquire();   // waits while both permits are out
//     co_await sleep_for(10.0);
//   }                                         // the permit goes back here
//
// Waiters are served first come, first served. A permit handed to a waiter travels with the
// wake-up, which is posted to the waiter's loop (remote_wake), so release() never runs another
// coroutine inline and works from any thread. A waiter destroyed while queued (a cancelled
// frame) leaves the queue; one destroyed after being handed a permit gives it back.
#include <coroutine>
#include <cstddef>
#include <mutex>
#include <utility>

#include "harness/async/event_loop.hpp"

namespace fanout::async {

class semaphore {
 public:
  explicit semaphore(std::size_t permits) : permits_(permits) {}
  semaphore(const semaphore&) = delete;
  semaphore& operator=(const semaphore&) = delete;

  // Holds one permit until destroyed or released.
  class permit {
   public:
    permit() = default;
    explicit permit(semaphore* s) noexcept : sem_(s) {}
    permit(permit&& other) noexcept : sem_(std::exchange(other.sem_, nullptr)) {}
    permit& operator=(permit other) noexcept {
      std::swap(sem_, other.sem_);
      return *this;
    }
    ~permit() { release(); }
    void release() {
      if (sem_ != nullptr) std::exchange(sem_, nullptr)->give_back();
    }

   private:
    semaphore* sem_ = nullptr;
  };

  // Awaitable: a permit, once one is free.
  [[nodiscard]] auto acquire() noexcept { return acquire_awaiter{this}; }

  std::size_t available() const {
    std::lock_guard lock(mutex_);
    return permits_;
  }

 private:
  struct acquire_awaiter {
    semaphore* sem;
    remote_wake* wake = nullptr;
    acquire_awaiter* next = nullptr;
    bool granted = false;  // guarded by sem->mutex_
    bool resumed = false;

    acquire_awaiter(semaphore* s) noexcept : sem(s) {}
    acquire_awaiter(const acquire_awaiter&) = delete;
    ~acquire_awaiter() {
      if (wake == nullptr) return;
      bool was_granted = false;
      {
        std::lock_guard lock(sem->mutex_);
        was_granted = granted;
        if (!granted) sem->remove(this);
      }
      if (!was_granted) {
        wake->discard();  // never fired, and never will be: nobody else holds the node
        return;
      }
      wake->cancel();
      if (!resumed) sem->give_back();  // handed a permit it never took
    }

    bool await_ready() noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
      std::lock_guard lock(sem->mutex_);
      if (sem->permits_ > 0 && sem->head_ == nullptr) {
        --sem->permits_;
        return false;
      }
      wake = remote_wake::make(h.promise().ctx, h);
      sem->enqueue(this);
      return true;
    }
    permit await_resume() noexcept {
      resumed = true;
      return permit(sem);
    }
  };

  void give_back() {
    std::lock_guard lock(mutex_);
    if (acquire_awaiter* w = head_) {
      remove(w);
      w->granted = true;
      w->wake->fire();
    } else {
      ++permits_;
    }
  }
  void enqueue(acquire_awaiter* w) {
    (tail_ != nullptr ? tail_->next : head_) = w;
    tail_ = w;
  }
  void remove(acquire_awaiter* w) {
    acquire_awaiter** p = &head_;
    acquire_awaiter* prev = nullptr;
    while (*p != nullptr && *p != w) prev = *p, p = &(*p)->next;
    if (*p == nullptr) return;
    *p = w->next;
    if (tail_ == w) tail_ = prev;
    w->next = nullptr;
  }

  mutable std::mutex mutex_;
  std::size_t permits_;
  acquire_awaiter* head_ = nullptr;  // FIFO of waiters
  acquire_awaiter* tail_ = nullptr;
};

}  // namespace fanout::async
