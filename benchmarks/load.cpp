// load/...: the open-loop matrix (docs/design.md section 5). Items arrive at an offered rate (a
// seeded Poisson process) for a fixed time; each strategy with an open-loop form admits them as
// they come, and latency is charged from the intended arrival (wrk2's correction of coordinated
// omission), with the uncorrected figure beside it. The sweep goes from light load to past each
// strategy's saturation.
//   load/<strategy>/rate:<per second>/seconds:<s>/workload:<wait|mixed>/ms:<latency>/<params>
#include <algorithm>
#include <string>
#include <vector>

#include "benchmarks/calibration.hpp"
#include "benchmarks/family.hpp"
#include "benchmarks/iterate.hpp"
#include "benchmarks/names.hpp"
#include "benchmarks/profiles.hpp"
#include "harness/measure/bounds.hpp"
#include "harness/measure/stats.hpp"
#include "harness/strategies/registry.hpp"
#include "workloads/mixed.hpp"
#include "workloads/wait.hpp"

namespace fanout::bench {
namespace {

struct load_config {
  measure::arrivals arrivals;
  strategies::options opt;  // limit, capacity; items is the number of arrivals
  std::size_t workers = 1;
  double budget_ms = 60'000;  // skip when even the strategy's ideal would take longer
  std::string key;            // the benchmark's name: what its calibration is cached under
};

struct load_totals {
  std::vector<double> corrected, uncorrected;
  double achieved = 0;
  std::size_t queued = 0;

  template <class R>
  void add(const strategies::open_batch<R>& b) {
    measure::clock::time_point last = b.start;
    for (std::size_t i = 0; i < b.items.size(); ++i) {
      corrected.push_back(b.corrected_ms(i));
      uncorrected.push_back(b.uncorrected_ms(i));
      last = std::max(last, b.items[i].received);
    }
    achieved += static_cast<double>(b.items.size()) / measure::seconds(last - b.start);
    queued = std::max(queued, b.max_queued());
  }
};

void report_load(benchmark::State& state, load_totals& t, std::int64_t iterations,
                 const load_config& cfg, const strategies::shape& sh) {
  counter_set c(state, kLoad);
  c.param("offered_per_second", cfg.arrivals.rate);
  c.metric("achieved_per_second", t.achieved / static_cast<double>(iterations));
  c.metric("p50_ms", measure::percentile(t.corrected, 0.50));
  c.metric("p99_ms", measure::percentile(t.corrected, 0.99));
  c.metric("p999_ms", measure::percentile(t.corrected, 0.999));
  c.metric("max_ms", t.corrected.empty() ? 0.0 : t.corrected.back());
  c.metric("uncorrected_p99_ms", measure::percentile(t.uncorrected, 0.99));
  c.metric("queued_max", static_cast<double>(t.queued));
  c.metric("os_threads", static_cast<double>(sh.threads));
  c.param("items", static_cast<double>(cfg.arrivals.offsets.size()));
}

template <strategies::strategy S, strategies::workload W>
void run_open_loop(benchmark::State& state, const W& w, const load_config& cfg) {
  strategies::options opt = cfg.opt;
  opt.items = cfg.arrivals.offsets.size();
  const strategies::shape sh = S::shape_of(opt, cfg.workers);
  const calibration cal = calibrate(cfg.key, w, opt.items);
  // No run can beat its arrivals, nor the strategy's capacity: a rate far past saturation
  // would only queue for minutes.
  const double span_ms = opt.items > 0 ? measure::ms(cfg.arrivals.offsets.back()) : 0;
  const double ideal =
      measure::ideal_ms(waits_of(w, opt.items), cal.compute_ms, {sh.slots, sh.compute_threads},
                        measure::available_cores());
  const std::string skip = over_budget("past saturation, the ideal alone takes",
                                       std::max(span_ms, ideal), cfg.budget_ms);
  if (!skip.empty()) return state.SkipWithError(skip.c_str());

  strategies::owned_resources built(cfg.workers);
  strategies::resources res = built.view();
  load_totals totals;
  const std::int64_t n = iterate(
      state, [&] { return S::run_open(w, cfg.arrivals, opt, res); },
      [&](const auto& b) { return verify(b, cal.checksum); },
      [&](const auto& b) { totals.add(b); });
  if (n > 0) report_load(state, totals, n, cfg, sh);
}

template <strategies::strategy S, class W>
void add(const W& w, const std::string& workload, const load_config& cfg, double seconds) {
  const param_list params = strategy_params(S::info, cfg.opt, cfg.workers);
  load_config keyed = cfg;
  keyed.key = "load/" + std::string(S::info.name) + "/rate:" + num(cfg.arrivals.rate) +
              "/seconds:" + num(seconds) + "/workload:" + workload + w.name_params() +
              name_segments(params);
  register_timed(keyed.key, "load/" + std::string(S::info.name),
                 [w, cfg = keyed, params, seconds](benchmark::State& state) {
                   run_open_loop<S>(state, w, cfg);
                   if (state.error_occurred()) return;
                   counter_set c(state, kLoad);
                   c.param("rate", cfg.arrivals.rate);
                   c.param("seconds", seconds);
                   c.params(params);
                 })
      ->Iterations(1);
}

template <class W>
void sweep(const W& w, const std::vector<double>& rates, double seconds, std::size_t cores,
           double budget_ms) {
  for (double rate : rates) {
    load_config cfg;
    cfg.arrivals = measure::arrivals::poisson(rate, seconds, 1);
    cfg.opt = {.items = 0, .limit = 100, .capacity = 1};
    cfg.workers = cores;
    cfg.budget_ms = budget_ms;
    strategies::for_each_strategy([&]<strategies::strategy S>() {
      if constexpr (S::info.open_loop) add<S>(w, W::name, cfg, seconds);
    });
  }
}

}  // namespace

void register_load(profile prof, std::size_t cores) {
  const workloads::wait_workload wait;
  const workloads::mixed_workload mixed;
  if (prof == profile::quick) {
    sweep(wait, {1000}, 0.2, cores, 2000);
    return;
  }
  sweep(wait, {100, 300, 1000, 3000, 10'000, 30'000, 100'000, 300'000}, 0.5, cores, 1500);
  sweep(mixed, {100, 300, 1000, 3000}, 0.5, cores, 1500);
}

}  // namespace fanout::bench
