#pragma once
// Exact statistics over every sample, and the ideal (physical) bound of a fan-out.
//
//   std::vector<double> ms = ...;           // one latency per item
//   double p99 = percentile(ms, 0.99);      // sorts `ms` in place
//   double ideal = list_schedule_ms(latencies, /*slots=*/10);
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <queue>
#include <vector>

namespace fanout::measure {

// The q-quantile of every sample, by linear interpolation between closest ranks (numpy's
// default, so the plot tool's figures agree). Exact: no sketch, no histogram. Sorts `v`.
inline double percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

// The makespan of items of the given durations started in input order on `slots` parallel
// slots, each item taking the first free slot: what a bounded strategy (limit k) does at best.
// With slots >= items it is the longest item; with one slot, the sum.
inline double list_schedule_ms(const std::vector<double>& durations, std::size_t slots) {
  if (durations.empty() || slots == 0) return 0.0;
  if (slots >= durations.size()) return *std::max_element(durations.begin(), durations.end());
  std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
  for (std::size_t i = 0; i < slots; ++i) free_at.push(0.0);
  double makespan = 0.0;
  for (double d : durations) {
    const double finish = free_at.top() + d;
    free_at.pop();
    free_at.push(finish);
    makespan = std::max(makespan, finish);
  }
  return makespan;
}

}  // namespace fanout::measure
