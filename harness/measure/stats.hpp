#pragma once
// Exact statistics over every sample.
//
//   std::vector<double> ms = ...;           // one latency per item
//   double p99 = percentile(ms, 0.99);      // sorts `ms` in place
//   std::size_t most = max_overlap(issued_ms, received_ms);
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>
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

// The most intervals [begin, end) open at once: how many items were in flight at most. An
// interval that ends when another begins does not overlap it.
inline std::size_t max_overlap(const std::vector<double>& begin, const std::vector<double>& end) {
  std::vector<std::pair<double, int>> events;
  events.reserve(begin.size() * 2);
  for (std::size_t i = 0; i < begin.size() && i < end.size(); ++i) {
    events.emplace_back(begin[i], +1);
    events.emplace_back(std::max(begin[i], end[i]), -1);
  }
  std::sort(events.begin(), events.end());  // at equal times, ends (-1) first
  int open = 0, most = 0;
  for (const auto& e : events) most = std::max(most, open += e.second);
  return static_cast<std::size_t>(most);
}

// The distribution-free 95% confidence interval of the median of `samples` (any order): the
// order statistics x_k and x_(n+1-k) for the largest k with P(Binomial(n, 1/2) < k) <= 2.5%.
// Below 6 samples even k = 1 covers less than 95%: the range is then all there is.
// Returns {low, high}; {0, 0} for no samples.
inline std::pair<double, double> median_ci(std::vector<double> samples) {
  const std::size_t n = samples.size();
  if (n == 0) return {0, 0};
  std::sort(samples.begin(), samples.end());
  double below = 0, term = std::pow(0.5, static_cast<double>(n));  // P(B = j), from j = 0
  std::size_t k = 1;
  for (std::size_t j = 0; j + 1 < n; ++j) {
    below += term;  // P(B <= j) = P(B < j + 1)
    if (below > 0.025) break;
    k = j + 1;
    term = term * static_cast<double>(n - j) / static_cast<double>(j + 1);
  }
  return {samples[k - 1], samples[n - k]};
}

// The half-width of median_ci over the median: what the adaptive rounds bring under their
// target (benchmarks/rounds.hpp). Infinite without samples or with a median of 0.
inline double relative_half_width(std::vector<double> samples) {
  if (samples.empty()) return INFINITY;
  std::sort(samples.begin(), samples.end());
  const double median = (samples[(samples.size() - 1) / 2] + samples[samples.size() / 2]) / 2;
  const auto [low, high] = median_ci(std::move(samples));
  return median > 0 ? (high - low) / 2 / median : INFINITY;
}

}  // namespace fanout::measure
