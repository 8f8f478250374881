#pragma once
// The machine's speed beside each repetition, as a canary sees it (docs/design.md section 3): a
// fixed piece of work, timed before and after every repetition, whose time changes only when the
// machine's speed does. A hypervisor can slow a VM by a third for seconds at a time without
// counting any steal (a busy neighbour on the same physical core, a lower clock); the canary
// sees it, the process's counters do not.
//
//   speed_reference ref;
//   for (double ms : calibration) ref.add(ms);   // and every canary of the run after them
//   double s = ref.slowdown(canary_ms);          // 1.0 at the reference speed, 1.3: 30% slower
//   bool aside = s > kSlowdownLimit;             // the repetition ran on a slowed machine
//
// The reference is a low percentile of every canary so far, not the fastest: one lucky sample
// cannot make the whole run look slow, and a machine that is slow all along is its own
// reference, so that nothing is set aside there.
#include <cmath>
#include <cstddef>
#include <vector>

#include "harness/measure/stats.hpp"

namespace fanout::measure {

// Above this slowdown a repetition is set aside: a quiet machine's canary stays within a few
// percent of its reference, a neighbour on the same core costs 25-40%.
inline constexpr double kSlowdownLimit = 1.10;
// Below this share of a core of its own (process CPU time over wall time) a repetition waits
// rather than computes, and the machine's speed does not move it: it is never set aside.
inline constexpr double kMinCpuShare = 0.10;
// The percentile of the canaries so far that is the reference speed.
inline constexpr double kReferencePercentile = 0.10;

class speed_reference {
 public:
  // Adds one canary's time; non-finite or non-positive times are ignored.
  void add(double ms) {
    if (std::isfinite(ms) && ms > 0) samples_.push_back(ms);
  }
  std::size_t samples() const { return samples_.size(); }

  // The kReferencePercentile-th percentile of the samples (interpolated as numpy does); NaN
  // before the first.
  double reference_ms() const {
    if (samples_.empty()) return NAN;
    std::vector<double> s = samples_;
    return percentile(s, kReferencePercentile);
  }

  // How much slower than the reference a canary of `ms` ran: 1.0 at the reference speed.
  double slowdown(double ms) const { return ms / reference_ms(); }

 private:
  std::vector<double> samples_;
};

}  // namespace fanout::measure
