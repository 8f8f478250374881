// Every workload through every fan-out strategy: the registrations of the suite's matrix.
// The logic of one benchmark lives in harness/measure/fanout_benchmark.hpp; this file only
// says which configurations exist and what they are called (DESIGN section 5):
//   <workload>/<strategy>/<param>:<value>/...   e.g. wait/join_set/items:10000/ms:10/workers:2
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include "benchmarks/cli.hpp"
#include "harness/measure/context.hpp"
#include "harness/measure/fanout_benchmark.hpp"
#include "harness/measure/process.hpp"
#include "harness/strategies/all.hpp"
#include "workloads/cpu.hpp"
#include "workloads/mixed.hpp"
#include "workloads/wait.hpp"

namespace fanout::bench {
namespace {

using measure::fanout_config;
namespace st = strategies;
namespace wl = workloads;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// The name segments a strategy's configuration is told apart by: only the parameters that
// the strategy uses.
template <class S>
std::string strategy_params(const fanout_config& cfg) {
  std::string s = "/items:" + std::to_string(cfg.opt.items);
  if constexpr (std::is_same_v<S, st::buffer_unordered> || std::is_same_v<S, st::buffered>) {
    s += "/limit:" + std::to_string(cfg.opt.limit);
  }
  if constexpr (std::is_same_v<S, st::spawn_channel>) {
    s += "/capacity:" + std::to_string(cfg.opt.capacity);
  }
  if constexpr (std::is_same_v<S, st::spawn_channel> || std::is_same_v<S, st::join_set> ||
                std::is_same_v<S, st::tbb_parallel_for> || std::is_same_v<S, st::tbb_task_group> ||
                std::is_same_v<S, st::offload>) {
    s += "/workers:" + std::to_string(cfg.workers);
  }
  return s;
}

std::string latency_params(const wl::latency_dist& d) {
  switch (d.kind()) {
    case wl::latency_kind::fixed:
      return "/ms:" + num(d.first_param_ms());
    case wl::latency_kind::uniform:
      return "/ms:" + num(d.first_param_ms()) + "-" + num(d.second_param_ms());
    case wl::latency_kind::lognormal:
      return "/ms:" + num(d.first_param_ms()) + "/p99:" + num(d.second_param_ms());
  }
  return {};
}

template <class S, class W>
void add(const std::string& workload, const W& w, const std::string& workload_params,
         const fanout_config& cfg, std::vector<std::pair<std::string, double>> params) {
  const std::string name = workload + "/" + S::name + strategy_params<S>(cfg) + workload_params;
  benchmark::RegisterBenchmark(name.c_str(),
                               [w, cfg, params](benchmark::State& state) {
                                 measure::run_fanout<S>(state, w, cfg);
                                 for (const auto& [k, v] : params) state.counters[k] = v;
                               })
      ->UseManualTime()
      ->MeasureProcessCPUTime()
      ->Unit(benchmark::kMillisecond);
}

// Registers one configuration of a workload under every strategy.
template <class W>
void add_all(const std::string& workload, const W& w, const std::string& workload_params,
             const fanout_config& cfg, const std::vector<std::pair<std::string, double>>& params) {
  std::apply([&](auto... s) { (add<decltype(s)>(workload, w, workload_params, cfg, params), ...); },
             st::all{});
}

wl::wait_workload wait_of(const std::string& spec) {
  return {wl::latency_dist::parse(spec), 1};
}

std::vector<std::pair<std::string, double>> latency_counters(const wl::latency_dist& d) {
  return {{"latency_ms", d.median_ms()}, {"latency_p99_ms", d.quantile_ms(0.99)}};
}

void register_quick(std::size_t cores) {
  fanout_config cfg;
  cfg.workers = cores;
  cfg.opt = {.items = 100, .limit = 10, .capacity = 1};
  const auto wait = wait_of("fixed:10");
  add_all("wait", wait, latency_params(wait.latency), cfg, latency_counters(wait.latency));

  wl::cpu_workload cpu;
  cfg.opt.items = 4 * cores;
  add_all("cpu", cpu, "/frames:" + std::to_string(cpu.params.frames), cfg,
          {{"frames", cpu.params.frames}, {"nested", 0}});

  wl::mixed_workload mixed;
  cfg.opt.items = 32;
  add_all("mixed", mixed, latency_params(mixed.latency), cfg, latency_counters(mixed.latency));
}

}  // namespace
}  // namespace fanout::bench

int main(int argc, char** argv) {
  using namespace fanout;
  const bench::cli cli = bench::parse_cli(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    std::fprintf(stderr, "%s\n", bench::kUsage);
    return 2;
  }
  // A thread per item holds a loop of its own (two descriptors): allow as many as the hard
  // limit does, so that thread exhaustion is about threads, not descriptors.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  for (const auto& [key, value] : measure::machine_context(cli.label, cli.git_commit)) {
    benchmark::AddCustomContext(key, value);
  }
  for (const auto& w : measure::noise_warnings()) std::fprintf(stderr, "warning: %s\n", w.c_str());

  const std::size_t cores = measure::available_cores();
  bench::register_quick(cores);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
