#pragma once
// The `wait` workload: one item is one simulated request ("10 HTTP requests" of the chapter).
// It waits on a libuv timer for a latency drawn from a seeded distribution, then parses a
// synthetic response for a few microseconds.
//
//   wait_workload w{.latency = latency_dist::parse("lognormal:median=10,p99=50"), .seed = 1};
//   wait_workload::result r = w.run_blocking(3);          // own loop of this thread
//   wait_workload::result a = loop.block_on(w.run_async(3));  // on `loop`
//
// An item's latency is a pure function of (seed, index): every strategy waits the same waits.
#include <cstddef>
#include <cstdint>

#include "harness/async/sleep.hpp"
#include "harness/async/task.hpp"
#include "workloads/latency.hpp"
#include "workloads/workload.hpp"

namespace fanout::workloads {

using measure::clock;

// Blocks the calling thread on a libuv timer of a loop that the thread owns (created on first
// use, one per thread, as a thread that does blocking I/O would own its socket). Returns when
// the timer fired.
clock::time_point blocking_sleep(double ms);

struct wait_workload {
  static constexpr const char* name = "wait";
  latency_dist latency = latency_dist::parse("fixed:10");
  std::uint64_t seed = 1;

  std::string name_params() const { return latency_name(latency); }
  param_list param_counters() const { return latency_counters(latency); }
  static std::size_t quick_items(std::size_t) { return 100; }

  struct result {
    double latency_ms = 0;
    std::uint64_t checksum = 0;
    clock::time_point done{};   // when the timer fired: the response "arrived"
    clock::time_point due{};    // the wait's deadline (the timer's own is a few ns later)
    clock::time_point fired{};  // when the timer fired (here, done)
  };

  double latency_ms(std::size_t index) const { return latency.sample_ms(seed, index); }
  double wait_ms(std::size_t index) const { return latency_ms(index); }
  // The item's CPU part alone (the parse), returning the result's checksum: the reference that
  // every strategy's results are verified against.
  std::uint64_t compute(std::size_t index) const { return parse_response(seed, index); }

  result run_blocking(std::size_t index) const {
    const double ms = latency_ms(index);
    const clock::time_point due = clock::now() + measure::from_ms(ms);
    const clock::time_point fired = blocking_sleep(ms);
    return {ms, parse_response(seed, index), fired, due, fired};
  }

  async::task<result> run_async(std::size_t index) const {
    const double ms = latency_ms(index);
    const clock::time_point due = clock::now() + measure::from_ms(ms);
    const clock::time_point fired = co_await async::sleep_for(ms);
    co_return result{ms, parse_response(seed, index), fired, due, fired};
  }
};

}  // namespace fanout::workloads
