#pragma once
// runtime: `workers` threads, each running its own libuv loop; the suite's analogue of tokio's
// multi-thread runtime, behind the `spawn_channel` and `join_set` strategies.
//
//   runtime rt(4);
//   rt.spawn(some_task());   // detached: starts at once on a worker, like tokio::spawn
//
// A spawned task starts as soon as its worker's loop takes the message, whatever the spawner
// does meanwhile, and all of its waits run on that worker's loop. Tasks are placed round-robin
// (tokio steals work; here every item is the same size, so placement is kept simple and
// visible). Owners of spawned tasks (join_set) implement spawn_record; the runtime never owns a
// frame, it only starts, cancels and reports.
//
// A spawner that makes many tasks in a row gathers them in a spawn_batch, which posts one
// message per worker for many tasks instead of one per task (tokio's local run queue): each post
// takes the worker's mutex and may wake it, and a batch pays that once.
#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "harness/async/event_loop.hpp"
#include "harness/async/task.hpp"

namespace fanout::async {

class runtime;
class spawn_batch;

namespace detail {

struct worker;

// One spawned task as the runtime sees it. Every method runs on the task's worker thread.
class spawn_record {
 public:
  virtual ~spawn_record() = default;
  // The task ran to its end (cancelled == false, the frame is at its final suspend point) or
  // was cancelled before (cancelled == true, the frame is suspended somewhere). Either way the
  // owner now destroys the frame; the runtime forgets the task.
  virtual void on_finished(bool cancelled) noexcept = 0;
  // runtime::cancel(this) has been handled; the runtime holds no pointer to this any more.
  virtual void on_cancel_handled() noexcept {}

 protected:
  spawn_record() noexcept = default;
  spawn_record(std::coroutine_handle<> frame, promise_base* promise) noexcept
      : frame_(frame), promise_(promise) {}
  // Makes a record that has finished (or never started) stand for another task: an owner
  // reuses its records instead of allocating one per task.
  void rebind(std::coroutine_handle<> frame, promise_base* promise) noexcept {
    frame_ = frame;
    promise_ = promise;
  }
  // The index of the worker the task runs on (0 to runtime::workers() - 1), once spawned.
  std::size_t home_index() const noexcept;

 private:
  friend class fanout::async::runtime;
  friend class fanout::async::spawn_batch;
  friend struct worker;
  std::coroutine_handle<> frame_{};
  promise_base* promise_ = nullptr;
  worker* home_ = nullptr;
  spawn_record* prev_ = nullptr;  // intrusive list of the worker's live tasks
  // Until the task starts, the next record of the same batch message (spawn_batch); the list
  // of live tasks takes it over then.
  spawn_record* next_ = nullptr;
  bool live_ = false;
};

}  // namespace detail

class runtime {
 public:
  explicit runtime(std::size_t workers);
  // Cancels every task still running (destroying its frame on its worker) and joins the workers.
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  std::size_t workers() const noexcept { return workers_.size(); }

  // Starts a detached task. Any exception it ends with is dropped, as tokio drops a detached
  // JoinHandle's error: the task itself must report what matters (spawn_channel sends it).
  void spawn(task<void> t);
  // Thread-safe: starts `record` on the next worker. The record must outlive on_finished.
  void spawn(detail::spawn_record* record);
  // Thread-safe: cancels `record` if it is still running; on_cancel_handled() follows either way.
  void cancel(detail::spawn_record* record);

 private:
  friend class spawn_batch;
  void stop() noexcept;  // shuts every worker down and joins it
  // The worker that `record` goes to (round-robin), made its home.
  std::size_t place(detail::spawn_record* record) noexcept;
  // Thread-safe: starts the records chained through next_ from `head`, all placed on
  // worker `w`, in chain order, with one message.
  void post_chain(std::size_t w, detail::spawn_record* head);

  std::vector<std::unique_ptr<detail::worker>> workers_;
  std::atomic<std::size_t> next_{0};
};

// Spawns made on one thread and posted a batch at a time: a record goes to the worker that
// runtime::spawn would have chosen, and each worker's records are posted, in spawn order, as
// one message once `kMaxPerWorker` of them wait or flush() is called. One thread uses a batch.
class spawn_batch {
 public:
  // Enough to pay for a post many times over, few enough that workers start on the first
  // records while the spawner is still making the rest.
  static constexpr std::size_t kMaxPerWorker = 64;

  explicit spawn_batch(runtime& rt);
  spawn_batch(const spawn_batch&) = delete;
  spawn_batch& operator=(const spawn_batch&) = delete;

  // Places `record` on its worker, first posting that worker's batch if it is full: should the
  // post throw, `record` is not taken, and the records already waiting stay for a later flush.
  void add(detail::spawn_record* record);
  // Posts every worker's waiting records, one message per worker that has some.
  void flush();
  bool empty() const noexcept { return waiting_ == 0; }
  // Hands each record not yet posted to `drop(record)` and forgets it: it never starts.
  template <class Drop>
  void discard(Drop drop) noexcept {
    for (chain& c : chains_) {
      for (detail::spawn_record* r = c.head; r != nullptr;) {
        detail::spawn_record* next = r->next_;
        drop(r);
        r = next;
      }
      c = chain{};
    }
    waiting_ = 0;
  }

 private:
  struct chain {
    detail::spawn_record* head = nullptr;
    detail::spawn_record* tail = nullptr;
    std::size_t size = 0;
  };
  void post(std::size_t w);

  runtime& runtime_;
  std::vector<chain> chains_;  // one per worker
  std::size_t waiting_ = 0;    // records in all chains
};

}  // namespace fanout::async
