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
#include "benchmarks/hazards.hpp"
#include "benchmarks/names.hpp"
#include "benchmarks/load.hpp"
#include "benchmarks/overhead.hpp"
#include "harness/measure/context.hpp"
#include "harness/measure/fanout_benchmark.hpp"
#include "harness/measure/process.hpp"
#include "harness/strategies/all.hpp"
#include "workloads/cpu.hpp"
#include "workloads/mixed.hpp"
#include "workloads/wait.hpp"

namespace fanout::bench {
namespace {

template <class S, class W>
void add(const std::string& workload, const W& w, const std::string& workload_params,
         const fanout_config& cfg, std::vector<std::pair<std::string, double>> params) {
  const std::string name = workload + "/" + S::name + strategy_params<S>(cfg) + workload_params;
  strategy_counters<S>(cfg, params);
  const std::string label = workload + "/" + S::name;
  fanout_config keyed = cfg;
  keyed.key = name;
  auto* b = benchmark::RegisterBenchmark(name.c_str(),
                                         [w, cfg = keyed, params, label](benchmark::State& state) {
                                           measure::run_fanout<S>(state, w, cfg);
                                           for (const auto& [k, v] : params) state.counters[k] = v;
                                           state.SetLabel(label);
                                         });
  b->UseManualTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
  // A cpu fan-out takes a few ms: average 100 ms of them per repetition, or one noisy
  // sequential baseline makes every speedup look better than the cores allow.
  if (workload == "cpu") b->MinTime(0.1);
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

std::string cpu_params(const wl::cpu_workload& w) {
  return "/frames:" + std::to_string(w.params.frames) + "/nested:" + (w.params.nested ? "1" : "0");
}
std::vector<std::pair<std::string, double>> cpu_counters(const wl::cpu_workload& w) {
  return {{"frames", w.params.frames}, {"nested", w.params.nested ? 1.0 : 0.0}};
}

// 1, 2, 4, ... up to the core count, which is always included.
std::vector<std::size_t> worker_counts(std::size_t cores) {
  std::vector<std::size_t> out;
  for (std::size_t w = 1; w < cores; w *= 2) out.push_back(w);
  out.push_back(cores);
  return out;
}

template <class... S, class W>
void add_some(const std::string& workload, const W& w, const std::string& workload_params,
              const fanout_config& cfg, const std::vector<std::pair<std::string, double>>& params) {
  (add<S>(workload, w, workload_params, cfg, params), ...);
}

// One benchmark may not take longer than this in its ideal: a default run must fit in about
// 15 minutes on 2 cores, with three repetitions of everything.
constexpr double kDefaultBudgetMs = 2500;

// cpu: items from 1 to 16 x cores, workers from 1 to cores, small and large items, nested
// parallelism on and off.
void register_default_cpu(std::size_t cores, fanout_config cfg) {
  wl::cpu_workload cpu;
  for (std::size_t n : {std::size_t{1}, cores, 4 * cores, 16 * cores}) {
    cfg.opt.items = n;
    add_all("cpu", cpu, cpu_params(cpu), cfg, cpu_counters(cpu));
  }
  cfg.opt.items = 4 * cores;
  for (std::size_t workers : worker_counts(cores)) {
    if (workers == cores) continue;  // already in the items sweep
    cfg.workers = workers;
    add_some<st::spawn_channel, st::join_set, st::tbb_parallel_for, st::tbb_task_group,
             st::offload>("cpu", cpu, cpu_params(cpu), cfg, cpu_counters(cpu));
  }
  cfg.workers = cores;
  for (int frames : {1, 16}) {
    wl::cpu_workload sized;
    sized.params.frames = frames;
    add_all("cpu", sized, cpu_params(sized), cfg, cpu_counters(sized));
  }
  wl::cpu_workload nested;
  nested.params.nested = true;
  cfg.nested = true;  // the ideal bound: every item may use every core
  for (std::size_t n : {std::size_t{1}, cores}) {
    cfg.opt.items = n;
    add_all("cpu", nested, cpu_params(nested), cfg, cpu_counters(nested));
  }
}

// mixed: items and workers.
void register_default_mixed(std::size_t cores, fanout_config cfg) {
  wl::mixed_workload mixed;
  const std::string name = latency_params(mixed.latency);
  const auto counters = latency_counters(mixed.latency);
  for (std::size_t n : {10, 100, 1000}) {
    cfg.opt.items = n;
    cfg.workers = cores;
    add_all("mixed", mixed, name, cfg, counters);
    if (cores == 1) continue;
    cfg.workers = 1;  // only the strategies whose names carry the worker count
    add_some<st::spawn_channel, st::join_set, st::tbb_parallel_for, st::tbb_task_group,
             st::offload>("mixed", mixed, name, cfg, counters);
  }
}

// The quick profile: every (workload, strategy) pair once, at a small size.
void register_quick(std::size_t cores) {
  fanout_config cfg;
  cfg.workers = cores;
  cfg.opt = {.items = 100, .limit = 10, .capacity = 1};
  const auto wait = wait_of("fixed:10");
  add_all("wait", wait, latency_params(wait.latency), cfg, latency_counters(wait.latency));

  wl::cpu_workload cpu;
  cfg.opt.items = 4 * cores;
  add_all("cpu", cpu, cpu_params(cpu), cfg, cpu_counters(cpu));

  wl::mixed_workload mixed;
  cfg.opt.items = 32;
  add_all("mixed", mixed, latency_params(mixed.latency), cfg, latency_counters(mixed.latency));
}

// The default profile: sweeps that show what matters, sized by the machine's cores. A
// configuration whose ideal time alone exceeds the per-benchmark budget is registered anyway
// and skipped with the reason, so that the report lists it.
void register_default(std::size_t cores) {
  fanout_config cfg;
  cfg.workers = cores;
  cfg.budget_ms = kDefaultBudgetMs;
  cfg.opt = {.items = 1, .limit = 100, .capacity = 1};

  // wait: items from 1 to 100,000 in decades, every strategy.
  const auto wait = wait_of("fixed:10");
  const std::string wait_name = latency_params(wait.latency);
  const auto wait_counters = latency_counters(wait.latency);
  for (std::size_t n = 1; n <= 100'000; n *= 10) {
    cfg.opt.items = n;
    add_all("wait", wait, wait_name, cfg, wait_counters);
  }
  // wait: the limit of the bounded strategies, from 1 to 1,000.
  cfg.opt.items = 200;
  for (std::size_t limit : {1, 3, 10, 30, 100, 300, 1000}) {
    cfg.opt.limit = limit;
    add_some<st::buffer_unordered, st::buffered>("wait", wait, wait_name, cfg, wait_counters);
  }
  cfg.opt.limit = 100;
  // wait: workers of the runtime and of TBB, at a size where a TBB worker per wait still fits
  // the budget with one worker.
  cfg.opt.items = 100;
  for (std::size_t workers : worker_counts(cores)) {
    if (workers == cores) continue;  // already in the items sweep
    cfg.workers = workers;
    add_some<st::spawn_channel, st::join_set, st::tbb_parallel_for, st::tbb_task_group,
             st::offload>("wait", wait, wait_name, cfg, wait_counters);
  }
  cfg.workers = cores;
  // wait: a long tail, where completion order starts to matter.
  const auto tail = wait_of("lognormal:median=10,p99=100");
  add_all("wait", tail, latency_params(tail.latency), cfg, latency_counters(tail.latency));

  register_default_cpu(cores, cfg);
  register_default_mixed(cores, cfg);
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
  if (cli.prof == bench::profile::quick) {
    bench::register_quick(cores);
  } else {
    bench::register_default(cores);
  }
  bench::register_hazards(cli.prof, cores);
  bench::register_overhead(cli.prof, cores);
  bench::register_load(cli.prof, cores);
  const std::size_t ran = benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (ran == 0) {
    // Google Benchmark has said why (no match, or a regex it cannot compile) on stderr.
    std::fprintf(stderr, "bm_fanout: no benchmark ran\n%s\n", bench::kUsage);
    return 2;
  }
  return 0;
}
