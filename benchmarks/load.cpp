// load/...: the open-loop matrix. Items arrive at an offered rate (a seeded Poisson process)
// for a fixed time; the sweep goes from light load to past each strategy's saturation.
//   load/<strategy>/rate:<per second>/seconds:<s>/workload:<wait|mixed>/ms:<latency>/<params>
#include "benchmarks/load.hpp"

#include <string>
#include <vector>

#include "benchmarks/names.hpp"
#include "harness/measure/load_benchmark.hpp"
#include "workloads/mixed.hpp"
#include "workloads/wait.hpp"

namespace fanout::bench {
namespace {

// Every strategy that can admit items one by one: tbb_parallel_for cannot (open_loop.hpp).
using open_loop_strategies =
    std::tuple<st::sequential, st::threads, st::spawn_channel, st::join_set, st::futures_unordered,
               st::buffer_unordered, st::buffered, st::tbb_task_group, st::offload>;

template <class S, class W>
void add(const W& w, const std::string& workload_params,
         const measure::load_config& cfg, double seconds) {
  fanout_config named;
  named.opt = cfg.opt;
  named.workers = cfg.workers;
  std::string params = strategy_params<S>(named);
  const std::size_t rest = params.find('/', 1);  // drop /items:N: the rate says it
  params = rest == std::string::npos ? "" : params.substr(rest);
  const std::string name = "load/" + std::string(S::name) + "/rate:" + num(cfg.arrivals.rate) +
                           "/seconds:" + num(seconds) + workload_params + params;
  std::vector<std::pair<std::string, double>> counters{{"rate", cfg.arrivals.rate},
                                                       {"seconds", seconds}};
  strategy_counters<S>(named, counters);
  const std::string label = "load/" + std::string(S::name);
  measure::load_config keyed = cfg;
  keyed.key = name;
  benchmark::RegisterBenchmark(name.c_str(),
                               [w, cfg = keyed, counters, label](benchmark::State& state) {
                                 measure::bm_open_loop<S>(state, w, cfg);
                                 if (state.error_occurred()) return;
                                 for (const auto& [k, v] : counters) state.counters[k] = v;
                                 state.SetLabel(label);
                               })
      ->UseManualTime()
      ->MeasureProcessCPUTime()
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1);
}

template <class W>
void sweep(const std::string& workload, const W& w, const std::string& latency,
           const std::vector<double>& rates, double seconds, std::size_t cores, double budget_ms) {
  for (double rate : rates) {
    measure::load_config cfg;
    cfg.arrivals = load::arrivals::poisson(rate, seconds, 1);
    cfg.opt = {.items = 0, .limit = 100, .capacity = 1};
    cfg.workers = cores;
    cfg.budget_ms = budget_ms;
    std::apply([&](auto... s) { (add<decltype(s)>(w, workload + latency, cfg, seconds), ...); },
               open_loop_strategies{});
  }
}

}  // namespace

void register_load(profile prof, std::size_t cores) {
  const wl::wait_workload wait{wl::latency_dist::parse("fixed:10"), 1};
  const wl::mixed_workload mixed;
  if (prof == profile::quick) {
    sweep("/workload:wait", wait, latency_params(wait.latency), {1000}, 0.2, cores, 2000);
    return;
  }
  sweep("/workload:wait", wait, latency_params(wait.latency),
        {100, 300, 1000, 3000, 10'000, 30'000, 100'000, 300'000}, 0.5, cores, 1500);
  sweep("/workload:mixed", mixed, latency_params(mixed.latency), {100, 300, 1000, 3000}, 0.5, cores,
        1500);
}

}  // namespace fanout::bench
