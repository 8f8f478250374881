// bm_fanout: every benchmark family of the suite in one binary (docs/design.md section 5),
// with the suite's flags (benchmarks/cli.hpp) and its context: the machine, and the registries
// that the plot tool reads.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include "benchmarks/cli.hpp"
#include "benchmarks/memory_reserve.hpp"
#include "benchmarks/profiles.hpp"
#include "benchmarks/registry_json.hpp"
#include "benchmarks/rounds.hpp"
#include "benchmarks/scenario.hpp"
#include "benchmarks/sidecar.hpp"
#include "harness/measure/context.hpp"
#include "harness/measure/process.hpp"

namespace {

using namespace fanout;

// The machine, the profile and the registries that the plot tool reads.
void add_context(const bench::cli& cli, const std::string& sidecar) {
  for (const auto& [key, value] : measure::machine_context(cli.label, cli.git_commit)) {
    benchmark::AddCustomContext(key, value);
  }
  benchmark::AddCustomContext("fanout_profile",
                              cli.prof == bench::profile::quick ? "quick" : "default");
  benchmark::AddCustomContext("fanout_registry", bench::registry_json());
  if (cli.items > 0) benchmark::AddCustomContext("fanout_items", std::to_string(cli.items));
  if (!sidecar.empty()) {
    benchmark::AddCustomContext("fanout_latency_sidecar", bench::kLatencySidecar);
  }
}

// The profile's families, or a scenario's (docs/design.md section 10) instead; false, said on
// stderr, for a scenario file that cannot be used.
bool register_benchmarks(const bench::cli& cli, bench::repetition_plan& plan) {
  const std::size_t cores = measure::available_cores();
  if (cli.scenario.empty()) {
    bench::register_fanout(cli.prof, cores, cli.items);
    bench::register_hazards(cli.prof, cores);
    bench::register_overhead(cli.prof, cores);
    bench::register_load(cli.prof, cores);
    return true;
  }
  try {
    const bench::scenario_spec s = bench::read_scenario(cli.scenario);
    benchmark::AddCustomContext("fanout_scenario", s.json);
    bench::register_scenario(s, cores);
    plan.ci_target = s.ci_target;
    return true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bm_fanout: %s\n", e.what());
    return false;
  }
}

// A thread per item holds a loop of its own (two descriptors): allow as many as the hard limit
// does, so that thread exhaustion is about threads, not descriptors.
void raise_open_file_limit() {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bench::cli cli = bench::parse_cli(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    std::fprintf(stderr, "%s\n", bench::kUsage);
    return 2;
  }
  // A file-size limit (ulimit -f) makes a write fail with EFBIG, reported, instead of killing
  // the process with the JSON half-written.
  std::signal(SIGXFSZ, SIG_IGN);
  raise_open_file_limit();
  const std::string sidecar = bench::latency_sidecar_path(cli.out);
  add_context(cli, sidecar);
  for (const auto& w : measure::noise_warnings()) std::fprintf(stderr, "warning: %s\n", w.c_str());

  // Per-task figures are of a warm heap; memory figures trim it first (iterate.hpp's
  // memory_probe).
  measure::keep_freed_memory();
  bench::install_memory_reserve();
  bench::repetition_plan plan = bench::plan_for(cli.prof, cli.repetitions, cli.budget_s);
  if (!register_benchmarks(cli, plan)) return 2;
  std::size_t ran = 0;
  if (cli.list) {
    ran = benchmark::RunSpecifiedBenchmarks();  // lists the names; runs nothing
  } else {
    try {
      ran = bench::run_rounds(plan, cli.out);
      if (!sidecar.empty() && ran) bench::write_latency_sidecar(sidecar);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bm_fanout: %s\n", e.what());
      return 1;
    }
  }
  benchmark::Shutdown();
  if (ran == 0) {
    // Google Benchmark has said why (no match, or a regex it cannot compile) on stderr.
    std::fprintf(stderr, "bm_fanout: no benchmark ran\n%s\n", bench::kUsage);
    return 2;
  }
  return 0;
}
