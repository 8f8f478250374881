#pragma once
// What every fan-out strategy shares: the workload concept, the options and resources it
// runs with, and the batch of per-item records it returns.
//
//   strategies::resources res{loop, &rt, &arena};   // built once per benchmark, never timed
//   strategies::batch<wait_workload::result> b = join_set::run(w, {.items = 1000}, res);
//   b.items[i].received - b.start;                   // item i's latency
//
// A strategy is a struct with a `name` and a static `run` template over any `workload`; it
// never knows which workload it runs. Each one lives in its own file named after the pattern
// of the reference chapter that it ports.
#include <oneapi/tbb/task_arena.h>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "harness/async/event_loop.hpp"
#include "harness/async/outcome.hpp"
#include "harness/async/runtime.hpp"
#include "harness/async/task.hpp"

namespace fanout::strategies {

using clock = std::chrono::steady_clock;

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
  std::size_t limit = 10;    // buffer_unordered, buffered: children in flight at most
  std::size_t capacity = 1;  // spawn_channel: channel capacity (1, as in the chapter)
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
  async::event_loop& loop;              // the caller's loop: consumers and poll-driven sets
  async::runtime* runtime = nullptr;    // spawn_channel, join_set
  tbb::task_arena* arena = nullptr;     // tbb_parallel_for, tbb_task_group: `workers` slots,
                                        // one of them for the caller, who joins the work
  tbb::task_arena* pool = nullptr;      // offload: `workers` worker threads, none reserved,
                                        // since the loop thread never joins
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
  std::size_t max_in_flight = 0;      // the most items in flight at once (bounded strategies)
  std::size_t max_buffered = 0;       // spawn_channel: the most results queued in the channel
  std::string failure;                // the fan-out itself failed (e.g. a thread not created)
  int failure_errno = 0;              // and the errno it failed with
  std::vector<std::size_t> receive_order;  // item indices in the order the consumer got them

  void issue(std::size_t i) { items[i].issued = clock::now(); }
  void receive(std::size_t i, R&& value) {
    item_record<R>& it = items[i];
    it.received = clock::now();
    it.completed = value.done;
    it.value.emplace(std::move(value));
    receive_order.push_back(i);
  }
  void receive_error(std::size_t i, const std::exception_ptr& e) {
    items[i].received = clock::now();
    items[i].completed = items[i].received;
    items[i].error = async::describe(e);
    receive_order.push_back(i);
  }
  void receive(std::size_t i, async::outcome<R>& out) {
    if (out.ok()) {
      receive(i, std::move(*out.value));
    } else {
      receive_error(i, out.error);
    }
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
      if (!items[i].value) continue;
      std::uint64_t x = items[i].value->checksum ^ (0x9e3779b97f4a7c15ULL * (i + 1));
      x ^= x >> 31;
      sum += x * 0xbf58476d1ce4e5b9ULL;
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
};

// Runs a workload's blocking form for item i and records it; for the threaded strategies.
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
  it.received = clock::now();
  if (it.error.size()) it.completed = it.received;
}

}  // namespace fanout::strategies
