#pragma once
// The body of every fan-out benchmark (wait/..., cpu/..., mixed/...): build the resources,
// verify against the reference, time the makespan, and report the fan-out family's counters
// (docs/design.md section 3).
//
//   register_timed("wait/join_set/items:100/ms:10/workers:2", "wait/join_set",
//       [=](benchmark::State& s) { run_fanout<strategies::join_set>(s, w, config); });
//
// One Google Benchmark iteration is one complete fan-out of N items, timed from the first item
// issued to the last result received. Resources (loop, runtime, arenas) are built before the
// timed loop, once per benchmark instance. The reference checksums come from the workload's CPU
// part alone, computed outside the timed region, so every strategy is verified against
// sequential.
#include <benchmark/benchmark.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "benchmarks/calibration.hpp"
#include "benchmarks/family.hpp"
#include "benchmarks/iterate.hpp"
#include "benchmarks/sidecar.hpp"
#include "harness/measure/bounds.hpp"
#include "harness/measure/histogram.hpp"
#include "harness/measure/process.hpp"
#include "harness/measure/stats.hpp"
#include "harness/strategies/strategy.hpp"

namespace fanout::bench {

struct fanout_config {
  strategies::options opt;
  std::size_t workers = 1;    // runtime threads and TBB arena slots
  double budget_ms = 60'000;  // skip (with the reason) when the ideal alone exceeds this
  std::string key;            // the benchmark's name
};

// The parts one item's computation splits into on the cores (nested parallelism); 1: none.
template <class W>
std::size_t grain_of(const W& w) {
  if constexpr (requires { w.parallel_grain(); }) {
    return w.parallel_grain();
  } else {
    return 1;
  }
}

// What a run's ideal stands on: the shape, the waits and the calibrated computation.
struct ideal_inputs {
  measure::schedule_shape shape;
  std::vector<double> waits;
  double compute_ms = 0;
  // The ideal of a fan-out that started at `start`: its waits end on the loop's tick.
  double of(measure::clock::time_point start) const {
    const double phase = std::fmod(measure::ms_since_epoch(start), 1.0);
    return measure::ideal_ms(waits, compute_ms, shape, measure::available_cores(), {phase});
  }
  double unphased() const {
    return measure::ideal_ms(waits, compute_ms, shape, measure::available_cores());
  }
};

template <class Strategy, strategies::workload W>
ideal_inputs fanout_ideal(const W& w, const fanout_config& cfg, double compute_ms) {
  const strategies::shape sh = Strategy::shape_of(cfg.opt, cfg.workers);
  return {{sh.slots, sh.compute_threads, grain_of(w)}, waits_of(w, cfg.opt.items), compute_ms};
}

// One iteration's measurements of a fan-out.
struct fanout_iteration {
  measure::clock::time_point start{};
  double makespan_ms = 0, cpu_s = 0;
  std::vector<double> latency, poll_delay, timer_late;  // per item
  std::size_t in_flight = 0;
  double growth_bytes = 0;  // NaN: the peak could not be reset

  template <class R>
  static fanout_iteration of(const strategies::batch<R>& b) {
    fanout_iteration it;
    it.start = b.start;
    it.makespan_ms = measure::ms(b.end - b.start);
    for (const auto& item : b.items) {
      it.latency.push_back(measure::ms(item.received - b.start));
      it.poll_delay.push_back(measure::ms(item.received - item.completed));
      if constexpr (requires { item.value->due; }) {
        if (item.value) it.timer_late.push_back(measure::ms(item.value->fired - item.value->due));
      }
    }
    it.in_flight = b.measured_in_flight();
    return it;
  }
};

// What the iterations of one fan-out benchmark add up to: each percentile is taken within an
// iteration and then averaged, so that no percentile exceeds the mean makespan.
struct fanout_totals {
  std::size_t iterations = 0, items = 0, in_flight = 0;
  double makespan_ms = 0, cpu_s = 0;
  std::vector<measure::clock::time_point> starts;  // where each iteration's tick phase lies
  double p50 = 0, p90 = 0, p99 = 0, max = 0, poll_p99 = 0, timer_p99 = 0;
  std::vector<double> growth_per_item;  // bytes per item in flight, by iteration
  measure::log_histogram latency;       // every item's latency, every iteration (sidecar.hpp)

  void add(fanout_iteration it);
};

// The counters, the ideal of each iteration computed with the final calibration.
void report_fanout(benchmark::State& state, const fanout_totals& t, const strategies::shape& sh,
                   const ideal_inputs& ideal);

// Runs `body` on the workload: as it is, or, for a workload that holds live resources (net: its
// server), on a started copy that is stopped when `body` returns. The process's open descriptors
// must then be what they were before, or the benchmark is an error entry (docs/design.md
// section 4).
template <class W, class Body>
void with_live(benchmark::State& state, const W& w, Body&& body) {
  if constexpr (requires { w.start(); }) {
    async::open_process_globals();
    const std::size_t before = measure::open_fds();
    body(w.start());
    const std::size_t after = measure::open_fds();
    if (after != before && !state.error_occurred()) {
      const std::string leak = "descriptor leak: " + std::to_string(before) + " open before, " +
                               std::to_string(after) + " after";
      state.SkipWithError(leak.c_str());
    }
  } else {
    body(w);
  }
}

template <class Strategy, strategies::workload W>
void run_fanout(benchmark::State& state, const W& w, const fanout_config& cfg) {
  // One calibration per workload configuration, shared by every strategy (see calibrate).
  const std::string cal_key =
      std::string(W::name) + w.name_params() + "/items:" + std::to_string(cfg.opt.items);
  const calibration cal = calibrate(cal_key, w, cfg.opt.items);
  ideal_inputs ideal = fanout_ideal<Strategy>(w, cfg, cal.compute_ms);
  const std::string skip = over_budget("ideal time", ideal.unphased(), cfg.budget_ms);
  if (!skip.empty()) return state.SkipWithError(skip.c_str());

  strategies::owned_resources built(cfg.workers, uses_tbb(Strategy::info));
  strategies::resources res = built.view();
  fanout_totals totals;
  memory_probe memory;
  double cpu_s = 0;
  const std::int64_t n = iterate(
      state,
      [&] {
        const strategies::before_start baseline([&] { memory.start(); });
        const double cpu0 = measure::process_cpu_seconds();
        auto b = Strategy::run(w, cfg.opt, res);
        cpu_s = measure::process_cpu_seconds() - cpu0;
        return b;
      },
      [&](const auto& b) { return verify(b, cal.checksum); },
      [&](const auto& b) {
        fanout_iteration it = fanout_iteration::of(b);
        it.cpu_s = cpu_s;
        it.growth_bytes = memory.growth();
        totals.add(std::move(it));
      });
  if (n == 0) return;
  // Sampled again now, with every thread of the run idle (see calibrate): the reported
  // computation is the fastest seen so far of this workload configuration.
  ideal.compute_ms = calibrate(cal_key, w, cfg.opt.items, true).compute_ms;
  report_fanout(state, totals, Strategy::shape_of(cfg.opt, cfg.workers), ideal);
  record_latencies(cfg.key, totals.latency);
}

}  // namespace fanout::bench
