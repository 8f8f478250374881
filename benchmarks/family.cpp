#include "benchmarks/family.hpp"

#include <algorithm>
#include <stdexcept>

namespace fanout::bench {

const family kFanout{
    "fanout",
    {"items_per_second", "p50_ms", "p90_ms", "p99_ms", "max_ms", "late_ms_p99", "cpu_util",
     "rss_per_item_bytes", "threads", "ideal_ms", "efficiency", "in_flight", "compute_ms"},
    {"items", "limit", "capacity", "workers", "latency_ms", "latency_p99_ms", "frames", "nested"}};

const family kHazard{"hazard",
                     {"timeouts", "late_ms_p99", "late_ms_max", "ideal_ms", "efficiency",
                      "wait_p50_ms", "wait_p99_ms", "inflation", "threads_created", "items_failed",
                      "failure_errno", "rss_peak_growth_bytes"},
                     {"items", "limit", "capacity", "body_ms", "idle_timeout_ms", "permits",
                      "cpu_items", "latency_ms", "workers"}};

const family kOverhead{
    "overhead", {"bytes_per_wait", "ns_per_task"}, {"waits", "tasks", "workers"}};

const family kLoad{"load",
                   {"achieved_per_second", "p50_ms", "p99_ms", "p999_ms", "max_ms",
                    "uncorrected_p99_ms", "queued_max", "os_threads"},
                   {"items", "rate", "seconds", "max_items", "offered_per_second", "limit",
                    "capacity", "workers", "latency_ms", "latency_p99_ms"}};

const std::vector<const family*>& all_families() {
  static const std::vector<const family*> all{&kFanout, &kHazard, &kOverhead, &kLoad};
  return all;
}

void counter_set::set(const std::vector<std::string_view>& listed, std::string_view name,
                      const benchmark::Counter& value) {
  if (std::find(listed.begin(), listed.end(), name) == listed.end()) {
    throw std::logic_error("counter \"" + std::string(name) + "\" is not listed for the " +
                           std::string(family_.name) + " family (benchmarks/family.cpp)");
  }
  state_.counters[std::string(name)] = value;
}

}  // namespace fanout::bench
