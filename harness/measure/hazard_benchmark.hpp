#pragma once
// The bodies of the hazard benchmarks (DESIGN section 4): each runs a hazard or its fix and
// reports what went wrong and by how much, as counters beside the fan-out ones.
//
//   benchmark::RegisterBenchmark("hazard/buffered_stream/naive_buffered/...",
//       [=](benchmark::State& s) { bm_buffered_stream(s, variant, cfg); });
#include <benchmark/benchmark.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "harness/hazards/blocking_loop.hpp"
#include "harness/hazards/buffered_stream.hpp"
#include "harness/hazards/permit_deadlock.hpp"
#include "harness/measure/fanout_benchmark.hpp"
#include "harness/measure/process.hpp"
#include "harness/measure/stats.hpp"
#include "harness/strategies/threads.hpp"

namespace fanout::measure {

inline double seconds_between(hazards::clock::time_point a, hazards::clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

inline void bm_buffered_stream(benchmark::State& state, hazards::buffered_stream_variant v,
                               const hazards::buffered_stream_config& cfg, std::size_t workers) {
  async::event_loop loop;
  async::runtime rt(workers);
  std::vector<double> gaps;
  std::size_t timeouts = 0;
  double makespan_s = 0;
  std::int64_t iterations = 0;
  for (auto _ : state) {
    hazards::hazard_run r = hazards::run_buffered_stream(v, cfg, loop, rt);
    if (r.received != cfg.items) {
      state.SkipWithError(("lost items: " + std::to_string(r.received) + " of " +
                           std::to_string(cfg.items) + " results")
                              .c_str());
      return;
    }
    const double span = seconds_between(r.start, r.end);
    state.SetIterationTime(span);
    makespan_s += span;
    timeouts += r.timeouts;
    gaps.insert(gaps.end(), r.gap_ms.begin(), r.gap_ms.end());
    ++iterations;
  }
  if (iterations == 0) return;
  const double ideal = hazards::buffered_stream_ideal_ms(v, cfg);
  auto& c = state.counters;
  c["timeouts"] = static_cast<double>(timeouts) / static_cast<double>(iterations);
  c["late_ms_p99"] = percentile(gaps, 0.99);
  c["late_ms_max"] = gaps.empty() ? 0.0 : gaps.back();
  c["ideal_ms"] = ideal;
  c["efficiency"] = ideal / (makespan_s * 1000.0 / static_cast<double>(iterations));
  c["items"] = static_cast<double>(cfg.items);
  c["limit"] = static_cast<double>(cfg.limit);
  c["body_ms"] = cfg.body_ms;
  c["idle_timeout_ms"] = cfg.idle_timeout_ms;
  if (v == hazards::buffered_stream_variant::channel) c["capacity"] = static_cast<double>(cfg.capacity);
}

inline void bm_permit_deadlock(benchmark::State& state, hazards::permit_deadlock_variant v,
                               const hazards::permit_deadlock_config& cfg, std::size_t workers) {
  async::event_loop loop;
  async::runtime rt(workers);
  for (auto _ : state) {
    hazards::hazard_run r = hazards::run_permit_deadlock(v, cfg, loop, rt);
    if (r.deadlocked) {
      state.SkipWithError(("deadlock: the watchdog stopped the fan-out after " +
                           std::to_string(static_cast<int>(cfg.watchdog_ms)) + " ms with " +
                           std::to_string(r.received) + " of " + std::to_string(cfg.items) +
                           " results; the consumer's body waits for a permit that only an "
                           "unpolled child can release")
                              .c_str());
      return;
    }
    state.SetIterationTime(seconds_between(r.start, r.end));
  }
  auto& c = state.counters;
  c["items"] = static_cast<double>(cfg.items);
  c["limit"] = static_cast<double>(cfg.limit);
  c["permits"] = static_cast<double>(cfg.permits);
}

// The wait items' latency when CPU items share their loop, under `Strategy`
// (futures_unordered: inline, the hazard; offload: the fix).
template <class Strategy>
void bm_blocking_loop(benchmark::State& state, const hazards::blocking_loop_workload& w,
                      std::size_t items, std::size_t workers) {
  bench_resources built(workers);
  strategies::resources res = built.view();
  const std::uint64_t want = detail::reference_checksum(w, items);
  std::vector<double> wait_latency, wait_late;
  for (auto _ : state) {
    auto b = Strategy::run(w, {.items = items}, res);
    if (std::string err = detail::verify(b, want); !err.empty()) {
      state.SkipWithError(err.c_str());
      return;
    }
    state.SetIterationTime(seconds_between(b.start, b.end));
    for (std::size_t i = 0; i < items; ++i) {
      if (w.is_cpu(i)) continue;
      const auto& it = b.items[i];
      wait_latency.push_back(std::chrono::duration<double, std::milli>(it.received - b.start).count());
      wait_late.push_back(std::chrono::duration<double, std::milli>(it.received - it.completed).count());
    }
  }
  auto& c = state.counters;
  const double latency = w.wait.latency.median_ms();
  c["wait_p50_ms"] = percentile(wait_latency, 0.50);
  c["wait_p99_ms"] = percentile(wait_latency, 0.99);
  c["late_ms_p99"] = percentile(wait_late, 0.99);
  c["inflation"] = percentile(wait_latency, 0.99) / latency;
  c["items"] = static_cast<double>(items);
  c["cpu_items"] = static_cast<double>((items + w.cpu_every - 1) / w.cpu_every);
  c["latency_ms"] = latency;
  c["workers"] = static_cast<double>(workers);
}

// A thread per item at sizes where the OS says no: what happens is the result, failures
// included (never a crash, never a skip).
inline void bm_thread_exhaustion(benchmark::State& state, const workloads::wait_workload& w,
                                 std::size_t items) {
  async::event_loop loop;
  strategies::resources res{loop};
  for (auto _ : state) {
    release_free_memory();
    peak_rss_reset();
    const std::size_t rss0 = current_rss_bytes();
    auto b = strategies::threads::run(w, {.items = items}, res);
    state.SetIterationTime(seconds_between(b.start, b.end));
    const std::size_t failed_items = items - b.succeeded();
    auto& c = state.counters;
    c["items"] = static_cast<double>(items);
    c["threads_created"] = static_cast<double>(b.max_in_flight);
    c["items_failed"] = static_cast<double>(failed_items);
    c["failure_errno"] = static_cast<double>(b.failure_errno);
    const std::size_t peak = peak_rss_bytes();
    c["rss_peak_growth_bytes"] = static_cast<double>(peak > rss0 ? peak - rss0 : 0);
    std::string label = b.failure.empty() ? "all threads created" : b.failure;
    if (failed_items > 0 && b.failure.empty()) label += "; items failed: " + b.first_error();
    state.SetLabel(label);
  }
}

}  // namespace fanout::measure
