#include "harness/async/event_loop.hpp"

#include <cmath>
#include <cstdint>

#include "harness/async/check.hpp"
#include "harness/measure/ticks.hpp"
#include "harness/measure/time.hpp"

namespace fanout::async {

namespace {

// Moves every wait of the buckets due at `now` onto the list `due`, and drops those buckets.
template <class Buckets, class Key>
void take_due(Buckets& buckets, Key now, detail::timer_node& due) {
  while (!buckets.empty() && buckets.begin()->first <= now) {
    detail::timer_node& head = buckets.begin()->second;
    if (head.next != &head) {
      head.next->prev = due.prev;
      due.prev->next = head.next;
      head.prev->next = &due;
      due.prev = head.prev;
    }
    buckets.erase(buckets.begin());
  }
}

void fire_all(detail::timer_node& due, std::chrono::steady_clock::time_point fired) {
  while (due.next != &due) {
    detail::timer_node* node = due.next;
    node->unlink();
    node->fire(node, fired);
  }
}

void link(detail::timer_node& head, bool fresh, detail::timer_node* node) {
  if (fresh) head.prev = head.next = &head;
  node->prev = head.prev;
  node->next = &head;
  head.prev->next = node;
  head.prev = node;
}

// The loop that runs on this thread now, if any (event_loop::current).
thread_local event_loop* tls_loop = nullptr;

}  // namespace

event_loop::thread_scope::thread_scope(event_loop* loop, compute_pool* pool) noexcept
    : loop_(loop), previous_(tls_loop), previous_pool_(loop->pool_) {
  tls_loop = loop;
  loop->pool_ = pool;
}
event_loop::thread_scope::~thread_scope() {
  loop_->pool_ = previous_pool_;
  tls_loop = previous_;
}

event_loop* event_loop::current() noexcept { return tls_loop; }

event_loop::event_loop() {
  hooks_.prev = hooks_.next = &hooks_;
  uv_check(uv_loop_init(&loop_), "uv_loop_init");
  async_.data = this;
  uv_check(uv_async_init(&loop_, &async_, &event_loop::on_async), "uv_async_init");
  timer_.data = this;
  uv_check(uv_timer_init(&loop_, &timer_), "uv_timer_init");
  prepare_.data = this;
  uv_check(uv_prepare_init(&loop_, &prepare_), "uv_prepare_init");
}

event_loop::~event_loop() {
  drain();
  locals_.clear();  // may close handles of their own, freed by the uv_run below
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
  while (hooks_.next != &hooks_) hooks_.next->unlink();  // their owners outlived the loop's use
  uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), nullptr);
  if (precise_) uv_close(reinterpret_cast<uv_handle_t*>(&precise_poll_), nullptr);
  // Handles that outlived their owners (timers of cancelled frames) are already closing; run
  // the loop until their close callbacks have freed them, so that nothing leaks.
  uv_run(&loop_, UV_RUN_DEFAULT);
  const int rc = uv_loop_close(&loop_);
  FANOUT_CHECK(rc == 0, "event_loop destroyed with handles still open");
}

void open_process_globals() { static const event_loop once; }

void event_loop::post(void (*fn)(void*), void* arg) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({fn, arg});
  }
  uv_check(uv_async_send(&async_), "uv_async_send");
}

void event_loop::at_turn_end(detail::turn_hook* hook) noexcept {
  if (hook->linked()) return;
  if (hooks_.next == &hooks_) uv_prepare_start(&prepare_, &event_loop::on_prepare);
  hook->prev = hooks_.prev;
  hook->next = &hooks_;
  hooks_.prev->next = hook;
  hooks_.prev = hook;
}

void event_loop::on_prepare(uv_prepare_t* handle) {
  auto* self = static_cast<event_loop*>(handle->data);
  uv_prepare_stop(handle);
  detail::turn_hook& head = self->hooks_;
  if (head.next == &head) return;  // every hook left before the turn ended
  // A hook may add itself again (or others) while it runs: those wait for the next turn.
  detail::turn_hook now;
  now.next = head.next;
  now.prev = head.prev;
  now.next->prev = &now;
  now.prev->next = &now;
  head.prev = head.next = &head;
  while (now.next != &now) {
    detail::turn_hook* hook = now.next;
    hook->unlink();
    hook->run(hook);
  }
}

void event_loop::on_async(uv_async_t* handle) { static_cast<event_loop*>(handle->data)->drain(); }

void event_loop::drain() {
  // uv_async_send coalesces, so one callback may stand for many posts: take them all.
  {
    std::lock_guard lock(mutex_);
    draining_.swap(queue_);
  }
  for (std::size_t i = 0; i < draining_.size(); ++i) draining_[i].fn(draining_[i].arg);
  draining_.clear();
}

bool event_loop::block_on_for(task<void> t, double timeout_ms, compute_pool* pool) {
  struct watch {
    uv_loop_t* loop;
    bool done = false;
    bool expired = false;
    bool closed = false;
  } w{&loop_};
  const frame_arena::scope frames(arena_.get());
  const thread_scope on_thread(this, pool);
  uv_timer_t timer;
  timer.data = &w;
  uv_check(uv_timer_init(&loop_, &timer), "uv_timer_init");
  uv_check(uv_timer_start(
               &timer, [](uv_timer_t* h) { static_cast<watch*>(h->data)->expired = true; },
               timeout_ms > 0 ? static_cast<std::uint64_t>(timeout_ms) : 0, 0),
           "uv_timer_start");
  // Stopping the loop at the end, as block_on does: otherwise an end in the timer pass that opens
  // an iteration would leave its poll waiting for the watchdog.
  t.start(
      root_context(),
      [](void* p) {
        static_cast<watch*>(p)->done = true;
        uv_stop(static_cast<watch*>(p)->loop);
      },
      &w);
  while (!w.done && !w.expired) uv_run(&loop_, UV_RUN_ONCE);
  if (!w.done) t.reset();  // cancels: destroys the frame and all it owns, on this thread
  // The watchdog lives on this stack: wait for libuv to be done with it.
  uv_close(reinterpret_cast<uv_handle_t*>(&timer),
           [](uv_handle_t* h) { static_cast<watch*>(h->data)->closed = true; });
  while (!w.closed) uv_run(&loop_, UV_RUN_NOWAIT);
  if (w.done) t.take();  // rethrows what the task ended with
  return w.done;
}

void event_loop::add_timer(detail::timer_node* node, std::uint64_t due_ms) {
  if (due_ms == last_due_) {  // the bucket of the last wait, still in the map and armed for
    link(*last_bucket_, false, node);
    return;
  }
  auto [it, fresh] = buckets_.try_emplace(due_ms);
  link(it->second, fresh, node);
  last_due_ = due_ms;
  last_bucket_ = &it->second;
  if (due_ms < armed_for_) arm_timer();
}

void event_loop::add_timer_at(detail::timer_node* node,
                              std::chrono::steady_clock::time_point deadline) {
  add_timer(node, measure::due_tick(measure::ms_since_epoch(deadline), uv_now(&loop_)));
}

void event_loop::arm_timer() {
  if (buckets_.empty()) {
    uv_timer_stop(&timer_);
    armed_for_ = UINT64_MAX;
    return;
  }
  const std::uint64_t due = buckets_.begin()->first;
  const std::uint64_t now = uv_now(&loop_);
  armed_for_ = due;
  uv_check(uv_timer_start(&timer_, &event_loop::on_timer, due > now ? due - now : 0, 0),
           "uv_timer_start");
}

void event_loop::on_timer(uv_timer_t* handle) {
  auto* self = static_cast<event_loop*>(handle->data);
  // Move every due wait to a local list first: waking one may add waits or cancel others.
  detail::timer_node due;
  due.prev = due.next = &due;
  take_due(self->buckets_, uv_now(&self->loop_), due);
  self->last_due_ = UINT64_MAX;  // its bucket may be gone
  self->arm_timer();
  fire_all(due, std::chrono::steady_clock::now());
}

void event_loop::add_precise_timer_at(detail::timer_node* node, time_point deadline) {
  if (!precise_) {
    precise_ = std::make_unique<precise_timer>();
    uv_check(uv_poll_init(&loop_, &precise_poll_, precise_->fd()), "uv_poll_init");
    precise_poll_.data = this;
    uv_check(uv_poll_start(&precise_poll_, UV_READABLE, &event_loop::on_precise), "uv_poll_start");
  }
  auto [it, fresh] = precise_buckets_.try_emplace(deadline);
  link(it->second, fresh, node);
  if (deadline < precise_armed_) arm_precise();
}

void event_loop::arm_precise() {
  if (precise_buckets_.empty()) {
    if (precise_armed_ != time_point::max()) precise_->disarm();
    precise_armed_ = time_point::max();
    return;
  }
  precise_armed_ = precise_buckets_.begin()->first;
  precise_->arm(precise_armed_);
}

void event_loop::on_precise(uv_poll_t* handle, int, int) {
  auto* self = static_cast<event_loop*>(handle->data);
  self->precise_->clear();
  const auto now = std::chrono::steady_clock::now();
  detail::timer_node due;
  due.prev = due.next = &due;
  take_due(self->precise_buckets_, now, due);
  self->precise_armed_ = time_point::max();
  self->arm_precise();
  fire_all(due, now);
}

void event_loop::run() {
  const frame_arena::scope frames(arena_.get());
  const thread_scope on_thread(this, nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
}

void event_loop::stop() {
  post([](void* self) { uv_stop(static_cast<event_loop*>(self)->uv()); }, this);
}

}  // namespace fanout::async
