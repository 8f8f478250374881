#pragma once
// The body of the open-loop benchmarks: items arrive at an offered rate, each strategy admits
// them as they come, and latency is charged from the intended arrival (wrk2's correction of
// coordinated omission), with the uncorrected figure beside it.
//
//   benchmark::RegisterBenchmark("load/join_set/rate:1000/seconds:0.5/ms:10/workers:2",
//       [=](benchmark::State& s) { bm_open_loop<strategies::join_set>(s, w, cfg); });
#include <benchmark/benchmark.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <string>
#include <vector>

#include "harness/load/open_loop.hpp"
#include "harness/measure/fanout_benchmark.hpp"

namespace fanout::measure {

struct load_config {
  load::arrivals arrivals;
  strategies::options opt;  // limit, capacity; items is the number of arrivals
  std::size_t workers = 1;
  double budget_ms = 60'000;  // skip when even the strategy's ideal would take longer
  std::string key;            // the benchmark's name: what its calibration is cached under
};

template <class Strategy, strategies::workload W>
void bm_open_loop(benchmark::State& state, const W& w, const load_config& cfg) {
  const std::size_t n = cfg.arrivals.offsets.size();
  strategies::options opt = cfg.opt;
  opt.items = n;
  const strategies::shape sh = Strategy::shape_of(opt, cfg.workers);
  const detail::calibration cal = detail::calibrate(cfg.key, w, n);
  const double compute_ms = cal.compute_ms;
  // No run can beat its arrivals, nor the strategy's capacity: a rate far past saturation
  // would only queue for minutes.
  const double span_ms =
      n > 0 ? std::chrono::duration<double, std::milli>(cfg.arrivals.offsets.back()).count() : 0;
  const double bound_ms =
      std::max(span_ms, detail::ideal_ms(w, sh, n, compute_ms, false, available_cores()));
  if (bound_ms > cfg.budget_ms) {
    state.SkipWithError(("skipped: past saturation, the ideal alone takes " +
                         detail::fixed1(bound_ms / 1000.0) + " s, over this profile's budget of " +
                         detail::fixed1(cfg.budget_ms / 1000.0) + " s per benchmark")
                            .c_str());
    return;
  }
  const std::uint64_t want = cal.checksum;

  bench_resources built(cfg.workers);
  strategies::resources res = built.view();

  std::vector<double> corrected, uncorrected;
  double achieved = 0;
  std::size_t queued = 0;
  std::int64_t iterations = 0;
  for (auto _ : state) {
    auto b = load::open_loop<Strategy>::run(w, cfg.arrivals, opt, res);
    if (std::string err = detail::verify(b, want); !err.empty()) {
      state.SkipWithError(err.c_str());
      return;
    }
    state.SetIterationTime(std::chrono::duration<double>(b.end - b.start).count());
    load::clock::time_point last = b.start;
    for (std::size_t i = 0; i < n; ++i) {
      corrected.push_back(b.corrected_ms(i));
      uncorrected.push_back(b.uncorrected_ms(i));
      last = std::max(last, b.items[i].received);
    }
    achieved += static_cast<double>(n) / std::chrono::duration<double>(last - b.start).count();
    queued = std::max(queued, b.max_queued());
    ++iterations;
  }
  if (iterations == 0) return;
  auto& c = state.counters;
  c["offered_per_second"] = cfg.arrivals.rate;
  c["achieved_per_second"] = achieved / static_cast<double>(iterations);
  c["p50_ms"] = percentile(corrected, 0.50);
  c["p99_ms"] = percentile(corrected, 0.99);
  c["p999_ms"] = percentile(corrected, 0.999);
  c["max_ms"] = corrected.empty() ? 0.0 : corrected.back();
  c["uncorrected_p99_ms"] = percentile(uncorrected, 0.99);
  c["queued_max"] = static_cast<double>(queued);
  c["dropped"] = 0;  // no strategy drops: an item that cannot be admitted waits (queued_max)
  c["items"] = static_cast<double>(n);
  c["threads"] = static_cast<double>(sh.threads);
}

}  // namespace fanout::measure
