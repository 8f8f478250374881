#include "workloads/scenario.hpp"

#include <algorithm>

#include "harness/measure/hash.hpp"

namespace fanout::workloads {

double scenario_workload::wait_ms(std::size_t index) const {
  if (!samples || samples->empty()) return latency.sample_ms(seed, index);
  // Sampling with replacement, seeded: every strategy waits the same waits.
  return (*samples)[measure::item_hash(seed, index) % samples->size()];
}

param_list scenario_workload::param_counters() const {
  param_list out;
  if (samples && !samples->empty()) {
    std::vector<double> sorted = *samples;
    std::sort(sorted.begin(), sorted.end());
    // The nearest rank: the counters name values that occur in the file.
    auto at = [&](double q) {
      return sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5)];
    };
    out = {{"latency_ms", at(0.5)}, {"latency_p99_ms", at(0.99)}};
  } else {
    out = latency_counters(latency);
  }
  out.emplace_back("frames", computes ? params.frames : 0);
  out.emplace_back("height", computes ? params.height : 0);
  out.emplace_back("compute_first", order == scenario_order::compute_then_wait ? 1.0 : 0.0);
  return out;
}

}  // namespace fanout::workloads
