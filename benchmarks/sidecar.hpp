#pragma once
// The per-item latencies of every fan-out benchmark, beside the JSON: one log-bucketed histogram
// (harness/measure/histogram.hpp) per benchmark and repetition, written as one JSON line per
// benchmark to a sidecar file that the JSON context names (`fanout_latency_sidecar`), so that
// plots/ can draw a percentile spectrum from every item rather than from four counters.
//
//   record_latencies("wait/join_set/items:100/workers:2/ms:10", hist);  // one repetition
//   write_latency_sidecar("results/x/latency_histograms.ndjson");
#include <string>

#include "harness/measure/histogram.hpp"

namespace fanout::bench {

// The sidecar's file name, in the folder of the JSON file.
inline constexpr const char* kLatencySidecar = "latency_histograms.ndjson";

// The sidecar's path for the JSON written to `json_path`; empty where there is none (stdout).
std::string latency_sidecar_path(const std::string& json_path);

// Adds one repetition's histogram of the benchmark registered as `name`.
void record_latencies(const std::string& name, const measure::log_histogram& h);

// Writes every recorded histogram to `path` (under a temporary name, renamed once complete).
void write_latency_sidecar(const std::string& path);

}  // namespace fanout::bench
