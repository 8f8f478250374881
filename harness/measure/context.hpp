#pragma once
// The machine context of a run, written into Google Benchmark's JSON "context" so that a result
// folder says what produced it, and warnings about a run that is likely to be noisy.
//
//   for (const auto& [key, value] : machine_context("laptop", "1a2b3c"))
//     benchmark::AddCustomContext(key, value);
#include <string>
#include <utility>
#include <vector>

namespace fanout::measure {

// CPU model, cores, memory, kernel, compiler and flags, build type, TBB, libuv and Google
// Benchmark versions, git commit and label, the load averages before the run
// (`fanout_load_before`), plus `fanout_noise_warnings` (empty when nothing is amiss).
std::vector<std::pair<std::string, std::string>> machine_context(const std::string& label,
                                                                 const std::string& git_commit);

// Reasons to distrust this machine's timings, e.g. "CPU frequency scaling is on"; empty if none.
// What other processes take during the run is measured per benchmark (noise.hpp).
std::vector<std::string> noise_warnings();

// The 1, 5 and 15-minute load averages, "0.12 0.30 0.25"; "n/a" where unknown.
std::string load_averages();

}  // namespace fanout::measure
