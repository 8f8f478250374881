#include "harness/async/runtime.hpp"

#include "harness/async/check.hpp"

namespace fanout::async {
namespace detail {

struct worker {
  explicit worker(std::size_t i) noexcept : index(i) {}
  const std::size_t index;
  event_loop loop;
  std::thread thread;
  spawn_record* live = nullptr;  // worker thread only

  void link(spawn_record* r) noexcept {
    r->live_ = true;
    r->prev_ = nullptr;
    r->next_ = live;
    if (live != nullptr) live->prev_ = r;
    live = r;
  }
  void unlink(spawn_record* r) noexcept {
    r->live_ = false;
    if (r->prev_ != nullptr) r->prev_->next_ = r->next_;
    if (r->next_ != nullptr) r->next_->prev_ = r->prev_;
    if (live == r) live = r->next_;
  }

  static void on_done(void* arg) noexcept {
    auto* r = static_cast<spawn_record*>(arg);
    r->home_->unlink(r);
    r->on_finished(false);
  }
  static void on_start(void* arg) {
    auto* r = static_cast<spawn_record*>(arg);
    r->home_->link(r);
    r->promise_->ctx = r->home_->loop.root_context();
    r->promise_->on_done = &worker::on_done;
    r->promise_->on_done_arg = r;
    r->frame_.resume();
  }
  // The message of a spawn_batch: starts its records in the order they were spawned.
  static void on_start_chain(void* arg) {
    auto* r = static_cast<spawn_record*>(arg);
    while (r != nullptr) {
      spawn_record* next = r->next_;  // linking reuses it, and the task may end at once
      on_start(r);
      r = next;
    }
  }
  static void on_cancel(void* arg) {
    auto* r = static_cast<spawn_record*>(arg);
    if (r->live_) {
      r->home_->unlink(r);
      r->on_finished(true);
    }
    r->on_cancel_handled();
  }
  static void on_shutdown(void* arg) {
    auto* w = static_cast<worker*>(arg);
    while (w->live != nullptr) {
      spawn_record* r = w->live;
      w->unlink(r);
      r->on_finished(true);
    }
    uv_stop(w->loop.uv());
  }
};

// A task nobody joins: it frees itself when it ends or is cancelled.
class detached final : public spawn_record {
 public:
  explicit detached(task<void> t)
      : spawn_record(t.handle(), &t.handle().promise()), task_(std::move(t)) {}
  void on_finished(bool) noexcept override { delete this; }

 private:
  task<void> task_;
};

std::size_t spawn_record::home_index() const noexcept { return home_->index; }

}  // namespace detail

runtime::runtime(std::size_t workers) {
  FANOUT_CHECK(workers > 0, "a runtime needs at least one worker");
  workers_.reserve(workers);
  try {
    for (std::size_t i = 0; i < workers; ++i) {
      auto w = std::make_unique<detail::worker>(i);
      detail::worker* raw = w.get();
      w->thread = std::thread([raw] { raw->loop.run(); });
      workers_.push_back(std::move(w));
    }
  } catch (...) {  // no thread or no memory for the next worker: stop those already started
    stop();
    throw;
  }
}

runtime::~runtime() { stop(); }

void runtime::stop() noexcept {
  for (auto& w : workers_) w->loop.post(&detail::worker::on_shutdown, w.get());
  for (auto& w : workers_) w->thread.join();
}

void runtime::spawn(task<void> t) { spawn(new detail::detached(std::move(t))); }

std::size_t runtime::place(detail::spawn_record* record) noexcept {
  const std::size_t i = next_.fetch_add(1, std::memory_order_relaxed) % workers_.size();
  record->home_ = workers_[i].get();
  return i;
}

void runtime::spawn(detail::spawn_record* record) {
  place(record);
  record->home_->loop.post(&detail::worker::on_start, record);
}

void runtime::post_chain(std::size_t w, detail::spawn_record* head) {
  workers_[w]->loop.post(&detail::worker::on_start_chain, head);
}

spawn_batch::spawn_batch(runtime& rt) : runtime_(rt), chains_(rt.workers()) {}

void spawn_batch::add(detail::spawn_record* record) {
  // A full chain is posted before the record joins it, so that a post that throws leaves the
  // record out (its round-robin turn is spent, as runtime::spawn's would be).
  const std::size_t w = runtime_.place(record);
  if (chains_[w].size == kMaxPerWorker) post(w);
  record->next_ = nullptr;
  chain& c = chains_[w];
  (c.tail != nullptr ? c.tail->next_ : c.head) = record;
  c.tail = record;
  ++c.size;
  ++waiting_;
}

void spawn_batch::flush() {
  for (std::size_t w = 0; w < chains_.size(); ++w) {
    if (chains_[w].head != nullptr) post(w);
  }
}

void spawn_batch::post(std::size_t w) {
  chain& c = chains_[w];
  runtime_.post_chain(w, c.head);  // may throw: the chain stays as it was
  waiting_ -= c.size;
  c = chain{};
}

void runtime::cancel(detail::spawn_record* record) {
  record->home_->loop.post(&detail::worker::on_cancel, record);
}

}  // namespace fanout::async
