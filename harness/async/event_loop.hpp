#pragma once
// event_loop: one libuv loop, owned by one thread, plus a thread-safe way to post work to it.
//
//   event_loop loop;
//   int v = loop.block_on(some_task());   // runs the loop on this thread until the task ends
//
// Everything that touches a loop's handles (timers, frames suspended on them) runs on the
// loop's thread. Other threads reach it only through post(), which queues a message under a
// mutex and wakes the loop with uv_async_send (the one libuv call that is thread-safe).
//
// The loop's waits share one uv_timer_t. libuv keeps timers in a binary heap, O(log n) per
// start and per expiry, and a uv_timer_t per wait costs 152 bytes and an allocation; a fan-out
// starts its waits in bursts with few distinct due times (whole milliseconds), so the loop
// buckets them by due millisecond instead, each wait an intrusive node inside its coroutine
// frame: O(1) to add, to cancel and to fire, and no allocation per wait.
#include <uv.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "harness/async/context.hpp"
#include "harness/async/frame_arena.hpp"
#include "harness/async/precise_timer.hpp"
#include "harness/async/task.hpp"

namespace fanout::async {

namespace detail {

// A node of a circular doubly linked list, so that it can leave its list without knowing which
// one it is in; its owner unlinks it before it goes.
template <class Node>
struct list_link {
  Node* prev = nullptr;  // null while not linked
  Node* next = nullptr;

  bool linked() const noexcept { return next != nullptr; }
  void unlink() noexcept {
    if (!linked()) return;
    prev->next = next;
    next->prev = prev;
    prev = next = nullptr;
  }
};

// A wait on the loop's shared timer, in the list of its bucket.
struct timer_node : list_link<timer_node> {
  void (*fire)(timer_node* self, std::chrono::steady_clock::time_point now) = nullptr;
};

// Work to run once the loop's current turn is over, before it next waits for events: the end of
// the turn of whatever resumed on the loop.
struct turn_hook : list_link<turn_hook> {
  void (*run)(turn_hook* self) = nullptr;
};

}  // namespace detail

namespace detail {

// How a root task tells block_on that it has finished. The task may finish in the timer pass
// that opens a loop iteration; the poll that follows would then block with nothing left to wake
// it, so a finish inside uv_run also stops the loop, which makes that poll return at once.
struct finish_flag {
  uv_loop_t* loop;
  bool running = false;  // inside the uv_run loop (a finish during start() needs no stop)
  bool done = false;
  static void set(void* self) noexcept {
    auto* f = static_cast<finish_flag*>(self);
    f->done = true;
    if (f->running) uv_stop(f->loop);
  }
};

}  // namespace detail

class event_loop {
 public:
  event_loop();
  ~event_loop();
  event_loop(const event_loop&) = delete;
  event_loop& operator=(const event_loop&) = delete;

  uv_loop_t* uv() noexcept { return &loop_; }
  frame_arena* arena() noexcept { return arena_.get(); }

  // The context of a root task on this loop: wake-ups resume at once.
  context root_context() noexcept { return {this, resume_waker::instance()}; }

  // Loop thread: where the CPU-bound parts of this loop's tasks run (offload.hpp): the pool
  // handed to the block_on that runs now, or null (inline, on the loop).
  compute_pool* pool() const noexcept { return pool_; }

  // Thread-safe: runs fn(arg) on this loop's thread, soon, in posting order.
  void post(void (*fn)(void*), void* arg);

  // Runs `t` as a root task and the loop on the calling thread until `t` has finished, with
  // `pool` as the loop's compute pool meanwhile; returns its result or rethrows its exception.
  template <class T>
  T block_on(task<T> t, compute_pool* pool = nullptr) {
    const frame_arena::scope frames(arena_.get());
    const thread_scope on_thread(this, pool);
    detail::finish_flag done{&loop_};
    t.start(root_context(), &detail::finish_flag::set, &done);
    done.running = true;
    while (!done.done) uv_run(&loop_, UV_RUN_ONCE);
    return t.take();
  }

  // Like block_on, but gives up once `timeout_ms` pass without `t` finishing: destroys it, and
  // with it every child and timer it owns, and returns false. The watchdog of a benchmark that
  // may deadlock; `t` must not own work on other threads that outlives its frame.
  bool block_on_for(task<void> t, double timeout_ms, compute_pool* pool = nullptr);

  // Loop thread: `node` fires once the loop's clock reaches `due_ms` (uv_now units), then
  // forgets it. A node leaves early by unlinking itself (cancellation).
  void add_timer(detail::timer_node* node, std::uint64_t due_ms);
  // Loop thread: `node` fires no earlier than `deadline` on the steady clock. libuv's clock is
  // whole milliseconds of the same monotonic clock, never ahead of it, so the due millisecond
  // is the deadline rounded up on the loop's clock.
  void add_timer_at(detail::timer_node* node, std::chrono::steady_clock::time_point deadline);
  // Loop thread: `node` fires as soon as the steady clock reaches `deadline`, to the
  // microsecond rather than the millisecond: the loop polls a precise_timer, made on first
  // use. The open loop's arrivals come from it (docs/design.md section 5); waits that a
  // simulated request makes stay on the millisecond timer, as libuv's and tokio's do.
  void add_precise_timer_at(detail::timer_node* node,
                            std::chrono::steady_clock::time_point deadline);

  // The loop whose block_on, block_on_for or run is on the calling thread's stack (the innermost
  // one), or null.
  static event_loop* current() noexcept;

  // Loop thread: `hook->run(hook)` once the current turn of the loop is over, before the loop
  // next waits for events (a libuv prepare callback), then the hook is unlinked. A hook already
  // waiting is not added twice. The join set flushes its batched spawns so (join_set.hpp).
  void at_turn_end(detail::turn_hook* hook) noexcept;

  // Loop thread: the object of type T kept on this loop under `key`, made by T() on first use
  // and destroyed with the loop, before its last handles close: per-loop state of a component
  // that the loop does not know, such as the net workload's keep-alive pool (workloads/net.hpp).
  template <class T>
  T& local(std::uint64_t key) {
    std::shared_ptr<void>& slot = locals_[key];
    if (!slot) slot = std::make_shared<T>();
    return *static_cast<T*>(slot.get());
  }

  // Runs the loop until stop() (worker threads of the runtime use this).
  void run();
  // Thread-safe: makes run() return after the messages already posted.
  void stop();

 private:
  struct message {
    void (*fn)(void*);
    void* arg;
  };
  // Makes a loop current() on this thread, with `pool` its compute pool, for its lifetime, then
  // restores the previous loop and pool.
  class thread_scope {
   public:
    thread_scope(event_loop* loop, compute_pool* pool) noexcept;
    ~thread_scope();
    thread_scope(const thread_scope&) = delete;
    thread_scope& operator=(const thread_scope&) = delete;

   private:
    event_loop* loop_;
    event_loop* previous_;
    compute_pool* previous_pool_;
  };
  static void on_prepare(uv_prepare_t* handle);
  static void on_async(uv_async_t* handle);
  void drain();
  static void on_timer(uv_timer_t* handle);
  void arm_timer();
  static void on_precise(uv_poll_t* handle, int status, int events);
  void arm_precise();

  // Where the frames of the tasks made on this loop's thread live (frame_arena.hpp); first,
  // so that it goes last, once every handle is closed.
  struct arena_release {
    void operator()(frame_arena* a) const noexcept { frame_arena::release(a); }
  };
  std::unique_ptr<frame_arena, arena_release> arena_{frame_arena::make()};
  uv_loop_t loop_{};
  uv_async_t async_{};
  std::mutex mutex_;
  std::vector<message> queue_;     // guarded by mutex_
  std::vector<message> draining_;  // loop thread only; swapped with queue_ to run unlocked

  uv_prepare_t prepare_{};   // active while turn hooks wait
  detail::turn_hook hooks_;  // sentinel of the hooks waiting for the turn's end

  uv_timer_t timer_{};
  std::map<std::uint64_t, detail::timer_node> buckets_;  // due ms -> list head (sentinel)
  std::uint64_t armed_for_ = UINT64_MAX;                 // the due ms timer_ is set for
  // The bucket that the last wait joined: a fan-out adds its waits in runs with one due ms, and
  // so skips the map's search. Forgotten whenever buckets leave the map.
  std::uint64_t last_due_ = UINT64_MAX;
  detail::timer_node* last_bucket_ = nullptr;

  using time_point = std::chrono::steady_clock::time_point;
  std::unique_ptr<precise_timer> precise_;  // null until the first precise timer
  uv_poll_t precise_poll_{};
  std::map<time_point, detail::timer_node> precise_buckets_;  // deadline -> list head
  time_point precise_armed_ = time_point::max();              // the deadline precise_ is set for

  std::map<std::uint64_t, std::shared_ptr<void>> locals_;  // see local()
  compute_pool* pool_ = nullptr;                           // see pool()
};

// libuv opens some descriptors once per process and keeps them (its signal pipe, at the first
// uv_loop_init). Opens them now, so that a count of open descriptors taken around a benchmark
// or a test does not take them for a leak of whatever first made a loop.
void open_process_globals();

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
  // The waiter's loop thread, from the waiter's destructor, when fire() has not been called and
  // never will be (the waiter left the queue that would have fired it): nobody else holds the
  // node, so both references go at once.
  void discard() noexcept { delete this; }

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
