#pragma once
// The repetitions of a run, as interleaved rounds (docs/design.md section 6). Each round runs
// every benchmark that still needs a repetition once, in a random order, so a slow spell of the
// machine spreads over all of them instead of falling on one. A benchmark of a family with a
// fixed count runs that many rounds; the others run at least `min` rounds and then more, until
// the 95% confidence interval of their median is within `ci_target` of it, or the run's budget
// is spent; the widest intervals first. The runs of every round are written as one Google Benchmark JSON file at the end.
//
//   repetition_plan plan{.min = 6, .ci_target = 0.03, .budget_s = 720,
//                        .fixed_families = {{"load", 3}}};
//   std::size_t ran = run_rounds(plan, "out.json");   // 0: nothing ran
#include <benchmark/benchmark.h>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "harness/measure/noise.hpp"

namespace fanout::bench {

struct repetition_plan {
  std::size_t fixed = 0;  // > 0: exactly this many repetitions of every benchmark
  std::size_t min = 6;    // adaptive: at least this many
  std::size_t max = 40;   // and at most this many
  double ci_target = 0.03;
  // Extra rounds go first to the benchmarks whose interval is wider than this, the width at
  // which the report quotes a median (docs/design.md section 9), cheapest first; then to the
  // others above `ci_target`.
  double ci_quoted = 0.05;
  double budget_s = 0;  // rounds past `min` start only while the run is younger than this
  std::map<std::string, std::size_t> fixed_families;  // name prefix ("load") -> repetitions
  std::string describe() const;                       // JSON, for the context
};

// Whether the benchmark registered as `name` runs in this round; called first by every body.
bool wanted(const std::string& name);
// The body's error when it does not: the round reporter drops such runs.
inline constexpr const char* kNotThisRound = "not in this round";

// True during the first repetition of the benchmark now running: its warm-up is due.
bool first_repetition();

// Adds one repetition's noise window to the benchmark's.
void add_noise(const std::string& name, const measure::noise_sample& s);

// Runs the rounds and writes every run to `out_path` (renamed into place once complete; "-":
// to stdout, the console output then left out).
// Returns the number of benchmarks that ran at least once; 0 when the filter matched none.
std::size_t run_rounds(const repetition_plan& plan, const std::string& out_path);

}  // namespace fanout::bench
