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
#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "harness/async/event_loop.hpp"
#include "harness/async/task.hpp"

namespace fanout::async {

class runtime;

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

 private:
  friend class fanout::async::runtime;
  friend struct worker;
  std::coroutine_handle<> frame_{};
  promise_base* promise_ = nullptr;
  worker* home_ = nullptr;
  spawn_record* prev_ = nullptr;  // intrusive list of the worker's live tasks
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
  void stop() noexcept;  // shuts every worker down and joins it

  std::vector<std::unique_ptr<detail::worker>> workers_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace fanout::async
