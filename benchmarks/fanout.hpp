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

#include <string>
#include <vector>

#include "benchmarks/calibration.hpp"
#include "benchmarks/family.hpp"
#include "benchmarks/iterate.hpp"
#include "harness/measure/bounds.hpp"
#include "harness/measure/process.hpp"
#include "harness/measure/stats.hpp"
#include "harness/strategies/strategy.hpp"

namespace fanout::bench {

struct fanout_config {
  strategies::options opt;
  std::size_t workers = 1;    // runtime threads and TBB arena slots
  bool nested = false;        // the workload's items run nested TBB parallelism
  double budget_ms = 60'000;  // skip (with the reason) when the ideal alone exceeds this
  std::string key;            // the benchmark's name: what its calibration is cached under
};

template <class Strategy, strategies::workload W>
double fanout_ideal_ms(const W& w, const fanout_config& cfg, double compute_ms) {
  const strategies::shape sh = Strategy::shape_of(cfg.opt, cfg.workers);
  return measure::ideal_ms(waits_of(w, cfg.opt.items), compute_ms,
                           {sh.slots, sh.compute_threads, cfg.nested}, measure::available_cores());
}

// What the iterations of one fan-out benchmark add up to.
struct fanout_totals {
  std::vector<double> latency, late;  // per item: received - start, received - completed
  double makespan_s = 0, cpu_s = 0;
  std::size_t peak_growth = 0;

  template <class R>
  void add(const strategies::batch<R>& b, double cpu_s_of_run, std::size_t growth) {
    makespan_s += measure::seconds(b.end - b.start);
    cpu_s += cpu_s_of_run;
    peak_growth = std::max(peak_growth, growth);
    for (const auto& it : b.items) {
      latency.push_back(measure::ms(it.received - b.start));
      late.push_back(measure::ms(it.received - it.completed));
    }
  }
};

void report_fanout(benchmark::State& state, fanout_totals& t, std::int64_t iterations,
                   const strategies::shape& sh, double ideal, double compute_ms);

template <class Strategy, strategies::workload W>
void run_fanout(benchmark::State& state, const W& w, const fanout_config& cfg) {
  const calibration cal = calibrate(cfg.key, w, cfg.opt.items);
  const std::string skip =
      over_budget("ideal time", fanout_ideal_ms<Strategy>(w, cfg, cal.compute_ms), cfg.budget_ms);
  if (!skip.empty()) return state.SkipWithError(skip.c_str());

  strategies::owned_resources built(cfg.workers);
  strategies::resources res = built.view();
  fanout_totals totals;
  memory_probe memory;
  double cpu_s = 0;
  const std::int64_t n = iterate(
      state,
      [&] {
        memory.start();
        const double cpu0 = measure::process_cpu_seconds();
        auto b = Strategy::run(w, cfg.opt, res);
        cpu_s = measure::process_cpu_seconds() - cpu0;
        return b;
      },
      [&](const auto& b) { return verify(b, cal.checksum); },
      [&](const auto& b) { totals.add(b, cpu_s, memory.growth()); });
  if (n == 0) return;
  // Measured again now, with every thread of the run idle (see calibrate).
  const double settled_ms = calibrate(cfg.key, w, cfg.opt.items, true).compute_ms;
  report_fanout(state, totals, n, Strategy::shape_of(cfg.opt, cfg.workers),
                fanout_ideal_ms<Strategy>(w, cfg, settled_ms), settled_ms);
}

}  // namespace fanout::bench
