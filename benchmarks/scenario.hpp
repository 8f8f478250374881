#pragma once
// A scenario run (docs/design.md section 10): the `scenario/...` benchmarks of one scenario
// file, instead of the suite's matrix. plots/fanout_plots/scenario_file.py checks the TOML file
// and writes it out as the plain lines this reads, one key and its values per line:
//
//   source scenarios/web_api.toml
//   latency lognormal:median=20,p99=250     (or: latency_values 12.1 9.8 ...)
//   compute_ms 0.3                           (or: frames 2; 0: pure waiting)
//   order wait_then_compute
//   items 100 2000
//   limits 16 64
//   workers 2                                (absent: the cores)
//   strategies join_set futures_unordered    (absent: every strategy)
//   rates 500 1000                           (absent: no open loop)
//   ci_target 0.03
//   json {"name": ...}                       (the scenario, for the context)
//
//   scenario_spec s = read_scenario("run.scenario");   // throws scenario_error
//   register_scenario(s, cores);
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "workloads/scenario.hpp"

namespace fanout::bench {

// A scenario this binary cannot run; what() is one line naming the scenario file and the key.
struct scenario_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct scenario_spec {
  std::string source;  // the TOML file, for messages
  std::string json;    // the scenario as JSON, copied into the context
  std::string latency = "fixed:10";
  std::vector<double> latency_values;  // measured latencies; empty: `latency`
  double compute_ms = 0;               // > 0: a transcode sized to it
  int frames = 0;                      // > 0: a transcode of this many frames
  workloads::scenario_order order = workloads::scenario_order::wait_then_compute;
  std::vector<std::size_t> items, limits, workers;  // workers empty: the cores
  std::vector<std::string> strategies;              // empty: every strategy
  std::vector<double> rates;
  double ci_target = 0.03;
};

scenario_spec read_scenario(const std::string& path);

// The workload a scenario describes, its transcode sized to `compute_ms` by timing it here.
workloads::scenario_workload scenario_workload_of(const scenario_spec& s);

void register_scenario(const scenario_spec& s, std::size_t cores);

// The scenario's open loop (benchmarks/load.cpp): each selected strategy with an open-loop form
// at each rate.
void register_scenario_load(const workloads::scenario_workload& w, const scenario_spec& s,
                            std::size_t workers);

// Whether the scenario runs the strategy.
bool selected(const scenario_spec& s, std::string_view strategy);

}  // namespace fanout::bench
