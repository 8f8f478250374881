#pragma once
// The body of every fan-out benchmark: build the resources, verify against the reference,
// time the makespan, and report the suite's counters (DESIGN section 3).
//
//   benchmark::RegisterBenchmark("wait/join_set/items:100/ms:10/workers:2",
//       [=](benchmark::State& s) { run_fanout<strategies::join_set>(s, w, config); });
//
// One Google Benchmark iteration is one complete fan-out of N items, timed manually from the
// first item issued to the last result received. Resources (loop, runtime, arenas) are built
// before the timed loop, once per benchmark instance. The reference checksums come from the
// workload's CPU part alone, computed outside the timed region; tests/test_strategies.cpp shows
// that `sequential` yields exactly these, so every strategy is verified against sequential.
#include <benchmark/benchmark.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "harness/async/runtime.hpp"
#include "harness/measure/process.hpp"
#include "harness/measure/stats.hpp"
#include "harness/strategies/strategy.hpp"

namespace fanout::measure {

struct fanout_config {
  strategies::options opt;
  std::size_t workers = 1;         // runtime threads and TBB arena slots
  bool nested = false;             // the workload's items run nested TBB parallelism
  double budget_ms = 60'000;       // skip (with the reason) when the ideal alone exceeds this
  std::string key;                 // the benchmark's name: what its calibration is cached under
};

namespace detail {

inline std::string fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// The smallest time the CPU part of one item takes on this thread: a lower bound of its cost,
// so that the ideal stays a bound even on a noisy machine.
template <strategies::workload W>
double min_compute_ms(const W& w, std::size_t items) {
  // Items differ a little (a transcode's bit estimate depends on the content): sample them
  // across the whole range, not just the first few, and keep the fastest.
  double best = 1e300;
  const std::size_t samples = std::min<std::size_t>(items, 12);
  const std::size_t rounds = std::max<std::size_t>(2, (12 + samples - 1) / samples);
  for (std::size_t round = 0; round < rounds; ++round) {
    for (std::size_t k = 0; k < samples; ++k) {
      const std::size_t i = k * items / samples;
      const auto t0 = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(w.compute(i));
      const auto t1 = std::chrono::steady_clock::now();
      best = std::min(best, std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
  }
  return best;
}

// The physical bound of this configuration (DESIGN section 3): items started in input order
// on the strategy's slots, each taking its wait plus its computation, and no faster than the
// total computation spread over the threads that can compute.
template <strategies::workload W>
double ideal_ms(const W& w, const strategies::shape& sh, std::size_t items, double compute_ms,
                bool nested, std::size_t cores) {
  // With nested parallelism one item alone may use every core.
  const std::size_t compute_par =
      nested ? cores : std::max<std::size_t>(1, std::min({cores, sh.compute_threads, items}));
  const double per_item_compute = nested ? compute_ms / static_cast<double>(cores) : compute_ms;
  std::vector<double> durations(items);
  for (std::size_t i = 0; i < items; ++i) durations[i] = w.wait_ms(i) + per_item_compute;
  const double total_compute = compute_ms * static_cast<double>(items);
  return std::max(list_schedule_ms(durations, sh.slots),
                  total_compute / static_cast<double>(compute_par));
}

// What a benchmark's verification and ideal bound stand on, measured once per process and
// benchmark (Google Benchmark calls the benchmark once per repetition): the reference checksum
// and one item's fastest CPU part. A cache of numbers, never of timing resources.
struct calibration {
  std::uint64_t checksum = 0;
  double compute_ms = 0;
};

template <strategies::workload W>
std::uint64_t reference_checksum(const W& w, std::size_t items);

struct calibration_cache {
  std::mutex mutex;
  std::map<std::string, calibration> by_key;
};
template <strategies::workload W>
calibration_cache& cache_of() {
  static calibration_cache cache;  // one per workload type
  return cache;
}

template <strategies::workload W>
calibration calibrate(const std::string& key, const W& w, std::size_t items) {
  calibration_cache& cache = cache_of<W>();
  std::lock_guard lock(cache.mutex);
  auto [it, fresh] = cache.by_key.try_emplace(key);
  if (fresh || key.empty()) {
    it->second = {reference_checksum(w, items), items ? min_compute_ms(w, items) : 0};
  }
  return it->second;
}

// Measures the CPU part again; the cache keeps the fastest run seen, which is returned.
template <strategies::workload W>
double recalibrate(const std::string& key, const W& w, std::size_t items) {
  const double now = items ? min_compute_ms(w, items) : 0;
  if (key.empty()) return now;
  calibration_cache& cache = cache_of<W>();
  std::lock_guard lock(cache.mutex);
  double& best = cache.by_key[key].compute_ms;
  best = std::min(best, now);
  return best;
}

// The checksum of the batch that sequential yields, from each item's CPU part alone: computed
// outside the timed region (see the header comment).
template <strategies::workload W>
std::uint64_t reference_checksum(const W& w, std::size_t items) {
  strategies::batch<typename W::result> ref(items);
  for (std::size_t i = 0; i < items; ++i) ref.items[i].value.emplace().checksum = w.compute(i);
  return ref.checksum();
}

template <class R>
std::string verify(const strategies::batch<R>& b, std::uint64_t want_checksum) {
  if (!b.failure.empty()) return b.failure;
  if (std::string e = b.first_error(); !e.empty()) return e;
  if (b.succeeded() != b.items.size()) {
    return "lost items: " + std::to_string(b.succeeded()) + " of " +
           std::to_string(b.items.size()) + " results";
  }
  if (b.checksum() != want_checksum) return "checksum differs from sequential's";
  return {};
}

}  // namespace detail

// Everything a strategy may use, built before the timed region, one set per benchmark
// instance and the same for every strategy: idle unless used (runtime workers sleep in epoll,
// TBB arenas start their threads on first use).
struct bench_resources {
  explicit bench_resources(std::size_t workers)
      : threads_allowed(tbb::global_control::max_allowed_parallelism, workers + 1),
        rt(workers),
        arena(static_cast<int>(workers)),
        pool(static_cast<int>(workers), 0) {}
  strategies::resources view() { return {loop, &rt, &arena, &pool}; }

  // TBB caps its worker threads at the core count minus one unless told otherwise; a sweep
  // over workers (and offload's pool, which reserves no slot for the caller) needs them all.
  tbb::global_control threads_allowed;
  async::event_loop loop;
  async::runtime rt;
  tbb::task_arena arena;  // `workers` slots, one for the caller, who joins the work
  tbb::task_arena pool;   // `workers` worker threads, none reserved
};

template <class Strategy, strategies::workload W>
void run_fanout(benchmark::State& state, const W& w, const fanout_config& cfg) {
  const std::size_t n = cfg.opt.items;
  const std::size_t cores = available_cores();
  const strategies::shape sh = Strategy::shape_of(cfg.opt, cfg.workers);

  const detail::calibration cal = detail::calibrate(cfg.key, w, n);
  const std::uint64_t want = cal.checksum;
  const double compute_ms = cal.compute_ms;
  const double ideal = detail::ideal_ms(w, sh, n, compute_ms, cfg.nested, cores);
  if (ideal > cfg.budget_ms) {
    state.SkipWithError(("skipped: ideal time " + detail::fixed1(ideal / 1000.0) +
                         " s exceeds this profile's budget of " +
                         detail::fixed1(cfg.budget_ms / 1000.0) + " s per benchmark")
                            .c_str());
    return;
  }

  bench_resources built(cfg.workers);
  strategies::resources res = built.view();

  std::vector<double> latency, late;
  double makespan_s = 0, cpu_s = 0;
  std::size_t peak_growth = 0;
  std::int64_t iterations = 0;
  for (auto _ : state) {
    release_free_memory();
    peak_rss_reset();
    const std::size_t rss0 = current_rss_bytes();
    const double cpu0 = process_cpu_seconds();
    strategies::batch<typename W::result> b = Strategy::run(w, cfg.opt, res);
    const double cpu1 = process_cpu_seconds();
    const std::size_t peak = peak_rss_bytes();
    if (std::string err = detail::verify(b, want); !err.empty()) {
      state.SkipWithError(err.c_str());
      return;
    }
    const double span = std::chrono::duration<double>(b.end - b.start).count();
    state.SetIterationTime(span);
    makespan_s += span;
    cpu_s += cpu1 - cpu0;
    peak_growth = std::max(peak_growth, peak > rss0 ? peak - rss0 : 0);
    for (const auto& it : b.items) {
      latency.push_back(std::chrono::duration<double, std::milli>(it.received - b.start).count());
      late.push_back(std::chrono::duration<double, std::milli>(it.received - it.completed).count());
    }
    benchmark::DoNotOptimize(b);
    ++iterations;
  }
  if (iterations == 0) return;
  // Measure the CPU part again now, with every thread of the run idle: a calibration taken
  // while another benchmark's threads were still winding down runs slow, and an ideal built on
  // it would claim more than the physical bound. The fastest run seen so far is kept.
  const double settled_ms = std::min(compute_ms, detail::recalibrate(cfg.key, w, n));
  const double settled_ideal = detail::ideal_ms(w, sh, n, settled_ms, cfg.nested, cores);

  using benchmark::Counter;
  auto& c = state.counters;
  const double mean_makespan_ms = makespan_s * 1000.0 / static_cast<double>(iterations);
  c["items_per_second"] = Counter(static_cast<double>(n * iterations) / makespan_s);
  c["p50_ms"] = percentile(latency, 0.50);
  c["p90_ms"] = percentile(latency, 0.90);
  c["p99_ms"] = percentile(latency, 0.99);
  c["max_ms"] = latency.empty() ? 0.0 : latency.back();
  c["late_ms_p99"] = percentile(late, 0.99);
  c["cpu_util"] = cpu_s / makespan_s;
  c["rss_per_item_bytes"] =
      static_cast<double>(peak_growth) / static_cast<double>(std::max<std::size_t>(1, sh.slots));
  c["threads"] = static_cast<double>(sh.threads);
  c["ideal_ms"] = settled_ideal;
  c["efficiency"] = settled_ideal / mean_makespan_ms;
  c["items"] = static_cast<double>(n);
  c["in_flight"] = static_cast<double>(sh.slots);   // the most items in flight at once
  c["compute_ms"] = settled_ms;                       // one item's CPU part, its fastest run
}

}  // namespace fanout::measure
