#pragma once
// The `scenario` workload: one item of a scenario file (scenarios/*.toml, docs/design.md
// section 10). A wait drawn from a latency spec or from measured latencies, and a CPU part, a
// transcode sized to the scenario's milliseconds, in either order.
//
//   scenario_workload w;
//   w.latency = latency_dist::parse("lognormal:median=20,p99=250");
//   w.computes = true;          // a transcode of w.params after the wait
//   w.params.frames = 2;
//   scenario_workload::result r = w.run_blocking(3);
//
// As for every workload, an item's wait and checksum are pure functions of (seed, index).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness/async/offload.hpp"
#include "harness/async/sleep.hpp"
#include "harness/async/task.hpp"
#include "workloads/latency.hpp"
#include "workloads/transcode.hpp"
#include "workloads/wait.hpp"
#include "workloads/workload.hpp"

namespace fanout::workloads {

enum class scenario_order { wait_then_compute, compute_then_wait };

struct scenario_workload {
  static constexpr const char* name = "scenario";
  latency_dist latency = latency_dist::parse("fixed:10");
  // Measured latencies in ms, when not empty: item i waits the sample picked by a hash of
  // (seed, i), instead of a draw from `latency`.
  std::shared_ptr<const std::vector<double>> samples;
  bool computes = false;  // false: pure waiting (the response's parse alone, a few µs)
  transcode_params params{};
  scenario_order order = scenario_order::wait_then_compute;
  std::uint64_t seed = 1;

  // "/ms:20/p99:250" (or "/latency:file"), then "/frames:2", "/height:144", "/compute_first:1".
  std::string name_params() const {
    std::string out = samples ? std::string("/latency:file") : latency_name(latency);
    out += "/frames:" + std::to_string(computes ? params.frames : 0);
    if (computes) out += "/height:" + std::to_string(params.height);
    if (order == scenario_order::compute_then_wait) out += "/compute_first:1";
    return out;
  }
  param_list param_counters() const;
  static std::size_t quick_items(std::size_t) { return 100; }

  struct result {
    double latency_ms = 0;
    std::uint64_t checksum = 0;
    clock::time_point done{};   // when the item's last part finished
    clock::time_point due{};    // the wait's deadline
    clock::time_point fired{};  // when its timer fired
  };

  double wait_ms(std::size_t index) const;
  // The item's CPU part alone, returning the result's checksum: the reference that every
  // strategy's results are verified against.
  std::uint64_t compute(std::size_t index) const {
    const std::uint64_t parsed = parse_response(seed, index);
    return computes ? transcode_segment(params, parsed).checksum : parsed;
  }

  result run_blocking(std::size_t index) const {
    result r;
    r.latency_ms = wait_ms(index);
    if (order == scenario_order::compute_then_wait) r.checksum = compute(index);
    r.due = clock::now() + measure::from_ms(r.latency_ms);
    r.fired = r.latency_ms > 0 ? blocking_sleep(r.latency_ms) : r.due;
    if (order == scenario_order::wait_then_compute) r.checksum = compute(index);
    r.done = clock::now();
    return r;
  }

  // The CPU part goes through `offload`: inline on the loop unless the strategy has a pool.
  // A wait of 0 ms is no wait at all, not a trip through the loop's next tick: a scenario of
  // pure computation has no wait to measure.
  async::task<result> run_async(std::size_t index) const {
    result r;
    r.latency_ms = wait_ms(index);
    if (order == scenario_order::compute_then_wait) r.checksum = co_await cpu_part(index);
    r.due = clock::now() + measure::from_ms(r.latency_ms);
    r.fired = r.latency_ms > 0 ? co_await async::sleep_for(r.latency_ms) : r.due;
    if (order == scenario_order::wait_then_compute) r.checksum = co_await cpu_part(index);
    r.done = clock::now();
    co_return r;
  }

 private:
  async::task<std::uint64_t> cpu_part(std::size_t index) const {
    if (!computes) co_return parse_response(seed, index);
    co_return co_await async::offload([this, index] { return compute(index); });
  }
};

}  // namespace fanout::workloads
