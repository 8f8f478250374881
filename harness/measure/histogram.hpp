#pragma once
// A log-bucketed histogram of latencies in milliseconds, to about three significant digits
// (HdrHistogram's idea, without its fixed range): bucket k counts the values in
// [kMinMs * kRatio^k, kMinMs * kRatio^(k+1)), so a value read back as its bucket's geometric
// middle is within 0.05% of what was recorded. Sparse, so a fan-out's few thousand distinct
// latencies cost a few thousand entries whatever their range.
//
//   log_histogram h;
//   h.add(12.5);
//   for (const auto& [bucket, count] : h.counts()) ...;   // bucket indices, ascending
#include <cmath>
#include <cstdint>
#include <map>

namespace fanout::measure {

class log_histogram {
 public:
  // Values at or below 100 ns fall into bucket 0: below the clocks' resolution anyway.
  static constexpr double kMinMs = 1e-4;
  static constexpr double kRatio = 1.001;

  void add(double ms) { ++counts_[bucket(ms)]; }
  void merge(const log_histogram& other) {
    for (const auto& [k, n] : other.counts_) counts_[k] += n;
  }
  static std::int64_t bucket(double ms) {
    if (!(ms > kMinMs)) return 0;
    return static_cast<std::int64_t>(std::floor(std::log(ms / kMinMs) / std::log(kRatio)));
  }
  const std::map<std::int64_t, std::uint64_t>& counts() const { return counts_; }
  bool empty() const { return counts_.empty(); }

 private:
  std::map<std::int64_t, std::uint64_t> counts_;
};

}  // namespace fanout::measure
