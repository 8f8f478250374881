#pragma once
// join_set<T>: tasks spawned on a runtime, joined in completion order (tokio's JoinSet).
//
//   join_set<int> set(rt);
//   for (int i = 0; i < n; ++i) set.spawn(work(i));
//   while (auto done = co_await set.join_next()) {   // std::optional<outcome<int>>
//     if (done->ok()) use(*done->value); else report(done->id, done->error);
//   }
//
// A task that throws surfaces as that task's outcome, never as an exception out of
// join_next(): the chapter's `join_next().await.unwrap()` would have turned one failed task
// into a panic of the consumer. Destroying the set cancels what is still running, each frame
// destroyed on its own worker (releasing its timers there), and waits until that is done. A
// finished task's frame is destroyed when the consumer joins it, on the consumer's thread, where
// it was made: it goes back to that loop's frame arena without a lock (frame_arena.hpp).
//
// Spawns made on a loop's thread are batched (runtime.hpp's spawn_batch): they are posted, one
// message per worker, when a worker has kMaxPerWorker waiting, when the consumer parks in
// join_next(), and at the end of the loop's turn at the latest (event_loop::at_turn_end), so a
// task still starts whatever the consumer does next. Results are handed back the same way: the
// tasks that end in one turn of a worker's loop wait in that worker's stage, and join the
// completed list at the end of the turn under one lock (a lock per turn, not per task). They
// cross to the consumer's loop through one uv_async_t of the set's own, created on the
// consumer's loop the first time it has to wait.
#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <utility>
#include <vector>

#include "harness/async/check.hpp"
#include "harness/async/outcome.hpp"
#include "harness/async/runtime.hpp"
#include "harness/async/slab.hpp"

namespace fanout::async {

template <class T>
class join_set {
 public:
  explicit join_set(runtime& rt) : runtime_(rt), batch_(rt), stages_(rt.workers()) {
    flush_hook_.run = &join_set::on_turn_end;
    flush_hook_.set = this;
    for (stage& s : stages_) {
      s.run = &join_set::on_worker_turn_end;
      s.set = this;
    }
  }
  ~join_set() { abort_all(); }
  join_set(const join_set&) = delete;
  join_set& operator=(const join_set&) = delete;

  // Starts `t` on the runtime at once; returns its id (0, 1, 2, ... in spawn order).
  std::size_t spawn(task<T> t) {
    entry* e = acquire(std::move(t), spawned_);
    try {
      event_loop* loop = event_loop::current();
      if (loop == nullptr) {
        runtime_.spawn(e);  // no loop turn to end: posted at once
      } else {
        batch_.add(e);
        loop->at_turn_end(&flush_hook_);
      }
    } catch (...) {  // not posted (out of memory): it never runs, so nothing waits for it
      recycle(e);
      throw;
    }
    return spawned_++;
  }

  // Spawned and not yet joined.
  std::size_t size() const noexcept { return spawned_ - joined_; }

  // Awaits the next task to finish, in completion order; std::nullopt once the set is empty.
  [[nodiscard]] auto join_next() noexcept { return next_awaiter{this}; }

 private:
  // A spawned task's record, reused for another task once joined (entries are a slab).
  struct entry final : detail::spawn_record {
    void on_finished(bool cancelled) noexcept override {
      if (cancelled) {
        set->cancelled(this);
      } else {
        set->finished(this, home_index());
      }
    }
    void on_cancel_handled() noexcept override { set->cancel_handled(); }
    void arm(task<T> t, std::size_t i) noexcept {
      rebind(t.handle(), &t.handle().promise());
      body = std::move(t);
      id = i;
      finished = false;
    }

    // While free, the completed list's link is the free list's (detail::slab).
    entry*& free_link() noexcept { return next_done; }

    join_set* set = nullptr;
    task<T> body;  // empty while the entry is free
    std::size_t id = 0;
    bool finished = false;       // guarded by the set's mutex
    entry* next_done = nullptr;  // the completed list's link, guarded by the set's mutex
  };

  // Entries in completion order, linked through themselves, so that a worker never allocates
  // to report a task's end.
  struct fifo {
    entry* head = nullptr;
    entry* tail = nullptr;
    bool empty() const noexcept { return head == nullptr; }
    void push(entry* e) noexcept {
      e->next_done = nullptr;
      (tail ? tail->next_done : head) = e;
      tail = e;
    }
    entry* pop() noexcept {
      entry* e = std::exchange(head, head->next_done);
      if (head == nullptr) tail = nullptr;
      return e;
    }
    // Moves every entry of `other`, in order, to the end of this one.
    void append(fifo& other) noexcept {
      if (other.empty()) return;
      (tail ? tail->next_done : head) = other.head;
      tail = std::exchange(other.tail, nullptr);
      other.head = nullptr;
    }
  };
  // What one worker's loop finished in its current turn (worker thread only).
  struct stage : detail::turn_hook {
    join_set* set = nullptr;
    fifo done;
    std::size_t count = 0;
  };

  // Consumer thread: a free entry (or a new one) for task `t`.
  entry* acquire(task<T> t, std::size_t id) {
    const auto [e, fresh] = entries_.take();
    if (fresh) e->set = this;
    e->arm(std::move(t), id);
    return e;
  }
  // Consumer thread: destroys the entry's frame, if any, and frees the entry.
  void recycle(entry* e) noexcept {
    e->body.reset();
    entries_.give_back(e);
  }

  struct next_awaiter {
    join_set* set;
    bool await_ready() noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
      return set->park(h, h.promise().ctx);
    }
    std::optional<outcome<T>> await_resume() { return set->take(); }
  };

  // Worker thread: a cancelled frame is destroyed here, with the timers it holds on this
  // worker's loop.
  void cancelled(entry* e) noexcept {
    e->body.reset();
    std::lock_guard lock(mutex_);
    e->finished = true;
    ++ended_;
    done_.notify_all();  // only abort_all cancels, and it waits for this
  }
  // Worker thread: a finished frame waits at its final suspend point for the consumer to join
  // it; its entry waits in the worker's stage until the worker's loop turn ends.
  void finished(entry* e, std::size_t worker) noexcept {
    stage& s = stages_[worker];
    s.done.push(e);
    ++s.count;
    if (event_loop* loop = event_loop::current()) {
      loop->at_turn_end(&s);
    } else {
      on_worker_turn_end(&s);  // no loop turn to end: at once
    }
  }
  // Worker thread, at the end of its loop's turn: the stage joins the completed list. Nothing
  // touches the set after the lock: the consumer may destroy it from then on.
  static void on_worker_turn_end(detail::turn_hook* hook) noexcept {
    stage& s = *static_cast<stage*>(hook);
    join_set* self = s.set;
    std::lock_guard lock(self->mutex_);
    for (entry* e = s.done.head; e != nullptr; e = e->next_done) e->finished = true;
    self->completed_.append(s.done);
    self->ended_ += std::exchange(s.count, 0);
    if (self->aborting_) self->done_.notify_all();
    if (self->parked_) uv_async_send(self->async_);
  }
  void cancel_handled() noexcept {
    std::lock_guard lock(mutex_);
    --cancels_pending_;
    done_.notify_all();
  }

  // Consumer's loop, at the end of the turn in which it spawned: posts what it spawned. A post
  // that fails (out of memory) is tried again at the end of the next turn.
  static void on_turn_end(detail::turn_hook* hook) noexcept {
    join_set* self = static_cast<flush_hook*>(hook)->set;
    try {
      self->batch_.flush();
    } catch (const std::bad_alloc&) {
      if (event_loop* loop = event_loop::current()) loop->at_turn_end(hook);
    }
  }

  // Consumer's loop: false (go on at once) when a result is ready or the set is empty.
  bool park(std::coroutine_handle<> h, context ctx) {
    if (!taken_.empty()) return false;
    batch_.flush();  // the consumer is about to wait for what it spawned
    std::lock_guard lock(mutex_);
    if (!completed_.empty() || size() == 0) return false;
    if (async_ == nullptr) {
      async_ = new uv_async_t;
      async_->data = this;
      uv_check(uv_async_init(ctx.loop->uv(), async_, &join_set::on_async), "uv_async_init");
    }
    parked_ = h;
    parked_ctx_ = ctx;
    return true;
  }
  static void on_async(uv_async_t* handle) {
    auto* self = static_cast<join_set*>(handle->data);
    std::coroutine_handle<> h;
    {
      std::lock_guard lock(self->mutex_);
      if (self->completed_.empty()) return;  // a coalesced or stale signal
      h = std::exchange(self->parked_, {});
    }
    if (h) self->parked_ctx_.on_wake->wake(h);
  }
  // Takes every result that has arrived at once, under one lock, and then one at a time
  // without it: the workers and the consumer meet on the mutex once per batch, not per task.
  std::optional<outcome<T>> take() {
    if (taken_.empty()) {
      std::lock_guard lock(mutex_);
      taken_ = std::exchange(completed_, {});
    }
    if (taken_.empty()) return std::nullopt;
    entry* e = taken_.pop();
    outcome<T> out = take_outcome<T>(e->id, e->body);
    recycle(e);
    ++joined_;
    return out;
  }

  // Cancels what still runs and waits until it has stopped. Should a cancel not be posted (out
  // of memory), the tasks left are waited for until they finish on their own.
  void abort_all() noexcept {
    flush_hook_.unlink();
    batch_.discard([this](detail::spawn_record* r) {  // never posted, so never started
      ++dropped_;
      recycle(static_cast<entry*>(r));
    });
    std::unique_lock lock(mutex_);
    aborting_ = true;
    // A set drained to the end skips the scan.
    if (running() != 0) cancel_running();
    done_.wait(lock, [this] { return running() == 0 && cancels_pending_ == 0; });
    if (async_ != nullptr) {
      uv_close(reinterpret_cast<uv_handle_t*>(async_),
               [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
    }
  }

  // Consumer thread, under mutex_: tasks posted that have neither finished nor been cancelled.
  std::size_t running() const noexcept { return spawned_ - dropped_ - ended_; }

  // Under mutex_: posts a cancel for every task still running.
  void cancel_running() noexcept {
    entries_.for_each_taken([this](entry& e) {
      if (!e.body.valid() || e.finished) return true;
      try {
        runtime_.cancel(&e);
      } catch (const std::bad_alloc&) {
        return false;
      }
      ++cancels_pending_;
      return true;
    });
  }

  runtime& runtime_;
  spawn_batch batch_;          // consumer thread only: spawned, not yet posted
  std::vector<stage> stages_;  // one per worker: finished, not yet handed to the consumer
  struct flush_hook : detail::turn_hook {
    join_set* set = nullptr;
  } flush_hook_;  // posts batch_ at the end of the consumer's loop turn
  // Consumer thread only. An entry never moves: the runtime points to it.
  detail::slab<entry> entries_;
  std::size_t spawned_ = 0;
  std::size_t joined_ = 0;
  std::size_t dropped_ = 0;  // spawned, then discarded before they were posted

  std::mutex mutex_;
  std::condition_variable done_;
  // Guarded by mutex_. Tasks that finished or were cancelled: the consumer counts what it posted
  // itself, so a spawn touches nothing that the workers write.
  std::size_t ended_ = 0;
  bool aborting_ = false;            // abort_all waits on done_
  std::size_t cancels_pending_ = 0;  // cancels posted and not yet handled
  // Finished, not yet joined, in completion order.
  fifo completed_;
  fifo taken_;  // consumer thread only: taken from completed_, not yet joined, in order
  uv_async_t* async_ = nullptr;       // created on the consumer's loop
  std::coroutine_handle<> parked_{};  // the consumer, while it waits in join_next()
  context parked_ctx_{};
};

}  // namespace fanout::async
