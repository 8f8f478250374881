#pragma once
// Exact statistics over every sample.
//
//   std::vector<double> ms = ...;           // one latency per item
//   double p99 = percentile(ms, 0.99);      // sorts `ms` in place
#include <algorithm>
#include <cmath>
#include <cstddef>
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

}  // namespace fanout::measure
