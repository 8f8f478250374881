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
// Benchmark versions, git commit and label, plus `fanout_noise_warnings` (empty when quiet).
std::vector<std::pair<std::string, std::string>> machine_context(const std::string& label,
                                                                 const std::string& git_commit);

// Reasons to distrust this run's timings, e.g. "load average 3.1 above 2 cores"; empty if none.
std::vector<std::string> noise_warnings();

}  // namespace fanout::measure
