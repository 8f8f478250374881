#pragma once
// The one list of counters: each benchmark family names the counters it measures and those that
// only repeat its parameters (docs/design.md section 3). Bodies set counters through a
// counter_set, which refuses a name its family does not list, and the JSON context carries the
// lists (`fanout_registry`), so the plot tool reads them instead of typing them again.
//
//   counter_set c(state, kFanout);
//   c.metric("p99_ms", 12.5);   // listed: set
//   c.param("items", 100);      // listed: set
//   c.metric("p98_ms", 1);      // not listed: std::logic_error, a bug in the suite
#include <benchmark/benchmark.h>

#include <algorithm>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "benchmarks/canary.hpp"
#include "benchmarks/memory_reserve.hpp"
#include "benchmarks/rounds.hpp"
#include "harness/measure/noise.hpp"
#include "workloads/workload.hpp"

namespace fanout::bench {

struct family {
  std::string_view name;
  std::vector<std::string_view> metrics;  // what the family measures
  std::vector<std::string_view> params;   // what only repeats a benchmark's parameters
};

// wait/..., cpu/..., mixed/...: a workload through a strategy, all items at once.
extern const family kFanout;
// regime/...: fan-outs of the regime map's sweep; the fanout family's counters.
extern const family kRegime;
// hazard/...: a hazard reproduced, and its fixes.
extern const family kHazard;
// overhead/...: the async layer's own cost against the floor.
extern const family kOverhead;
// load/...: the open loop, items admitted as they arrive.
extern const family kLoad;
// scenario/...: a scenario file's fan-outs (benchmarks/scenario.hpp): the fan-out counters, and
// the scenario workload's parameters.
extern const family kScenario;

// Every family, in the order the report shows them.
const std::vector<const family*>& all_families();

// What every family's rows also carry, set around each body by register_timed: the cores' worth
// of CPU that other processes used (`others_cpu`) and that the hypervisor stole (`steal_cpu`)
// during the repetition (harness/measure/noise.hpp), and the slower of the canaries timed just
// before and after it (`canary_ms`) with its slowdown against the run's reference speed
// (`slowdown`, benchmarks/canary.hpp). Listed in each family's metrics.
inline constexpr std::string_view kNoiseMetrics[] = {"others_cpu", "steal_cpu", "canary_ms",
                                                     "slowdown"};
void record_noise(benchmark::State& state, const std::string& name,
                  const measure::noise_sample& window);
void record_speed(benchmark::State& state, double canary_ms);

class counter_set {
 public:
  counter_set(benchmark::State& state, const family& f) : state_(state), family_(f) {}
  void metric(std::string_view name, const benchmark::Counter& value) {
    set(family_.metrics, name, value);
  }
  void param(std::string_view name, double value) { set(family_.params, name, value); }
  void params(const workloads::param_list& values) {
    for (const auto& [name, value] : values) param(name, value);
  }

 private:
  void set(const std::vector<std::string_view>& listed, std::string_view name,
           const benchmark::Counter& value);

  benchmark::State& state_;
  const family& family_;
};

// Runs one repetition's body: an exception it throws (std::bad_alloc included) becomes the
// benchmark's error entry, and the run goes on to the next benchmark.
template <class Body>
void run_guarded(benchmark::State& state, Body& body) {
  try {
    body(state);
  } catch (const std::bad_alloc&) {
    state.SkipWithError("out of memory (std::bad_alloc)");
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
  restore_memory_reserve();
}

// Registers a benchmark timed by hand (SetIterationTime), in milliseconds, with its process CPU
// time. It runs only in the rounds that want it (benchmarks/rounds.hpp), and each repetition
// records what else ran meanwhile and how fast the machine ran beside it. `label` is set on a run
// that did not fail; an empty label leaves the body's own. Every family registers through here, so
// none can abort the run.
template <class Body>
benchmark::internal::Benchmark* register_timed(const std::string& name, const std::string& label,
                                               Body body) {
  return benchmark::RegisterBenchmark(name.c_str(),
                                      [body, label, name](benchmark::State& s) mutable {
                                        if (!wanted(name)) return s.SkipWithError(kNotThisRound);
                                        const double before = canary_ms();
                                        const measure::noise_window window;
                                        run_guarded(s, body);
                                        record_noise(s, name, window.finish());
                                        record_speed(s, std::max(before, canary_ms()));
                                        if (!s.error_occurred() && !label.empty())
                                          s.SetLabel(label);
                                      })
      ->UseManualTime()
      ->MeasureProcessCPUTime()
      ->Unit(benchmark::kMillisecond);
}

}  // namespace fanout::bench
