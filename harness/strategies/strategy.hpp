#pragma once
// What every fan-out strategy shares: the workload concept, the options and resources it
// runs with, and the batch of per-item records it returns.
//
//   strategies::resources res{loop, &rt, &arena};   // built once per benchmark, never timed
//   strategies::batch<wait_workload::result> b = join_set::run(w, {.items = 1000}, res);
//   b.items[i].received - b.start;                   // item i's latency
//
// A strategy is a struct with its traits (`info`), its `shape_of`, a static `run` template over
// any `workload` (all items at once: the closed loop) and, where it has one, `run_open` (items
// admitted as they arrive: the open loop, harness/strategies/open_loop.hpp). It never knows
// which workload it runs. Each one lives in its own file named after the pattern of the
// reference chapter that it ports, and registry.hpp lists them (docs/design.md section 7).
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "harness/async/event_loop.hpp"
#include "harness/async/outcome.hpp"
#include "harness/async/runtime.hpp"
#include "harness/async/task.hpp"
#include "harness/measure/hash.hpp"
#include "harness/measure/stats.hpp"
#include "harness/measure/time.hpp"

namespace fanout::strategies {

using measure::clock;

// Where a strategy's items run.
enum class executor {
  loop,          // the caller's event loop
  threads,       // a thread per item
  runtime,       // tasks spawned on a multi-threaded runtime
  tbb,           // a TBB arena
  loop_and_tbb,  // waits on the loop, CPU parts offloaded to a TBB arena
};

// What every consumer of the registry needs to know about a strategy, declared once in its
// own file: benchmark names, counters, tests and the plot tool derive from these.
struct traits {
  const char* name;
  executor runs_on = executor::loop;
  bool limit = false;     // takes `limit`: children in flight at most
  bool capacity = false;  // takes `capacity`: the capacity of its channel
  bool workers = false;   // takes `workers`: threads of its runtime or arena
  bool in_order = false;  // the consumer receives results in input order
  bool open_loop = true;  // has `run_open`: admits items one by one as they arrive
};

// One item's work in two forms that do identical work and give identical results: a coroutine
// that awaits on the loop it is run from, and a blocking call for threads and TBB.
template <class W>
concept workload = requires(const W& w, std::size_t i, const typename W::result& r) {
  { w.run_blocking(i) } -> std::same_as<typename W::result>;
  { w.run_async(i) } -> std::same_as<async::task<typename W::result>>;
  { w.compute(i) } -> std::same_as<std::uint64_t>;  // the CPU part alone: the result's checksum
  { w.wait_ms(i) } -> std::same_as<double>;         // the wait part alone: its latency
  { r.checksum } -> std::convertible_to<std::uint64_t>;
  { r.done } -> std::convertible_to<clock::time_point>;
};

struct options {
  std::size_t items = 10;
  std::size_t limit = 10;    // strategies with traits::limit: children in flight at most
  std::size_t capacity = 1;  // strategies with traits::capacity: channel capacity (1, as in
                             // the chapter)
};

// How much of a fan-out a strategy runs at once: what the ideal bound and the `threads`
// counter of a benchmark are computed from.
struct shape {
  std::size_t slots;            // items in flight at most
  std::size_t compute_threads;  // threads that can run CPU parts at the same time
  std::size_t threads;          // threads the strategy uses, the caller's included
};

// Built before the timed region, one set per benchmark instance.
struct resources {
  async::event_loop& loop;            // the caller's loop: consumers and poll-driven sets
  async::runtime* runtime = nullptr;  // spawn_channel, join_set
  tbb::task_arena* arena = nullptr;   // tbb_parallel_for, tbb_task_group: `workers` slots,
                                      // one of them for the caller, who joins the work
  tbb::task_arena* pool = nullptr;    // offload: `workers` worker threads, none reserved,
                                      // since the loop thread never joins
};

// Everything a strategy may use, built before the timed region, one set per benchmark
// instance and the same for every strategy: idle unless used (runtime workers sleep in epoll,
// TBB arenas start their threads on first use).
struct owned_resources {
  // `start_tbb`: start TBB's worker threads now, for a strategy that runs on TBB, so that no
  // timed run pays for their creation.
  explicit owned_resources(std::size_t workers, bool start_tbb = false)
      : threads_allowed(tbb::global_control::max_allowed_parallelism, workers + 1),
        rt(workers),
        arena(static_cast<int>(workers)),
        pool(static_cast<int>(workers), 0) {
    if (start_tbb) {
      start_workers(pool);
      start_workers(arena);
    }
  }
  resources view() { return {loop, &rt, &arena, &pool}; }

  // Runs one task on each slot of `a` at the same time (waiting at most 100 ms for them all to
  // be taken), so that every worker thread it can have is running.
  static void start_workers(tbb::task_arena& a) {
    const int slots = a.max_concurrency();
    std::atomic<int> arrived{0};
    a.execute([&] {
      tbb::parallel_for(
          0, slots,
          [&](int) {
            arrived.fetch_add(1);
            const auto until = clock::now() + std::chrono::milliseconds(100);
            while (arrived.load() < slots && clock::now() < until) std::this_thread::yield();
          },
          tbb::simple_partitioner());
    });
  }

  // TBB caps its worker threads at the core count minus one unless told otherwise; a sweep
  // over workers (and offload's pool, which reserves no slot for the caller) needs them all.
  tbb::global_control threads_allowed;
  async::event_loop loop;
  async::runtime rt;
  tbb::task_arena arena;  // `workers` slots, one for the caller, who joins the work
  tbb::task_arena pool;   // `workers` worker threads, none reserved
};

template <class R>
struct item_record {
  std::optional<R> value;
  std::string error;              // set when the item threw
  clock::time_point issued{};     // handed to the strategy's mechanism (spawned, pushed, ...)
  clock::time_point completed{};  // its underlying event completed (R::done)
  clock::time_point received{};   // the consumer had its result
};

template <class R>
struct batch {
  explicit batch(std::size_t n) : items(n) {}

  std::vector<item_record<R>> items;  // by item index, whatever the completion order
  clock::time_point start{};          // the first item issued
  clock::time_point end{};            // the last result received
  std::size_t max_in_flight = 0;      // where a strategy counts it itself: the bounded streams'
                                      // most children at once, the threads it started
  std::size_t max_buffered = 0;       // spawn_channel: the most results queued in the channel
  std::string failure;                // the fan-out itself failed (e.g. a thread not created)
  int failure_errno = 0;              // and the errno it failed with

  void issue(std::size_t i) { items[i].issued = clock::now(); }
  void receive(std::size_t i, R&& value) {
    item_record<R>& it = items[i];
    if (received_twice(it)) return;
    it.received = clock::now();
    it.completed = value.done;
    it.value.emplace(std::move(value));
  }
  void receive_error(std::size_t i, const std::exception_ptr& e) {
    item_record<R>& it = items[i];
    if (received_twice(it)) return;
    it.received = clock::now();
    it.completed = it.received;
    it.error = async::describe(e);
  }
  // The consumer has item i, whose record its worker filled (run_blocking_into), at `now`.
  void receive_filled(std::size_t i, clock::time_point now = clock::now()) {
    item_record<R>& it = items[i];
    if (received_twice(it)) return;
    it.received = now;
  }
  // The consumer has every item at once: a batch construct's caller when it returns.
  void receive_all_filled() {
    const clock::time_point now = clock::now();
    for (std::size_t i = 0; i < items.size(); ++i) receive_filled(i, now);
  }
  void receive(std::size_t i, async::outcome<R>& out) {
    if (out.ok()) {
      receive(i, std::move(*out.value));
    } else {
      receive_error(i, out.error);
    }
  }

  // The most items issued and not yet received at any moment, from the records.
  std::size_t measured_in_flight() const {
    std::vector<double> issued, received;
    for (const auto& it : items) {
      issued.push_back(measure::ms(it.issued - start));
      received.push_back(measure::ms(it.received - start));
    }
    return measure::max_overlap(issued, received);
  }

  std::size_t succeeded() const {
    std::size_t n = 0;
    for (const auto& it : items) n += it.value.has_value();
    return n;
  }
  // Order-independent: item i's checksum is mixed with i, then summed.
  std::uint64_t checksum() const {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i].value) sum += measure::item_hash(items[i].value->checksum, i);
    }
    return sum;
  }
  // The first item error, for a benchmark's SkipWithError.
  std::string first_error() const {
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!items[i].error.empty()) return "item " + std::to_string(i) + ": " + items[i].error;
    }
    return {};
  }

 private:
  // A result delivered twice is a broken strategy, never a figure: it becomes an item error.
  static bool received_twice(item_record<R>& it) {
    if (it.received == clock::time_point{}) return false;
    it.value.reset();
    it.error = "received twice";
    return true;
  }
};

// What runs on this thread between a batch's allocation and its start: where a benchmark takes
// its memory baseline, so that the harness's own per-item records stay out of the growth.
//
//   const before_start baseline([&] { memory.start(); });   // for the runs in this scope
class before_start {
 public:
  explicit before_start(std::function<void()> hook) : saved_(std::exchange(hook_, &hook_fn_)) {
    hook_fn_ = std::move(hook);
  }
  ~before_start() { hook_ = saved_; }
  before_start(const before_start&) = delete;
  before_start& operator=(const before_start&) = delete;
  static void run() {
    if (hook_ && *hook_) (*hook_)();
  }

 private:
  std::function<void()> hook_fn_;
  std::function<void()>* saved_;
  static inline thread_local std::function<void()>* hook_ = nullptr;
};

// A batch of `items` timed around `fan_out(b)`: it starts before and ends after.
template <class R, class FanOut>
batch<R> timed(std::size_t items, FanOut&& fan_out) {
  batch<R> b(items);
  before_start::run();
  b.start = clock::now();
  fan_out(b);
  b.end = clock::now();
  return b;
}

// A fan-out strategy: its traits and the shape of a configuration (see the header comment for
// `run` and `run_open`, which are templates over the workload).
template <class S>
concept strategy = requires(const options& o) {
  { S::info } -> std::convertible_to<traits>;
  { S::shape_of(o, std::size_t{1}) } -> std::same_as<shape>;
};

// Runs a workload's blocking form for item i and records its value (or error) and when it
// completed; for the threaded strategies. The consumer stamps its receipt (receive_filled).
template <workload W>
void run_blocking_into(const W& w, std::size_t i, item_record<typename W::result>& it) {
  try {
    typename W::result r = w.run_blocking(i);
    it.completed = r.done;
    it.value.emplace(std::move(r));
  } catch (const std::exception& e) {
    it.error = e.what();
  } catch (...) {
    it.error = "unknown exception";
  }
  if (it.error.size()) it.completed = clock::now();
}

// Whether a strategy runs items on TBB: its resources start TBB's workers before timing.
constexpr bool uses_tbb(const traits& t) {
  return t.runs_on == executor::tbb || t.runs_on == executor::loop_and_tbb;
}

}  // namespace fanout::strategies
