#include "benchmarks/family.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>

namespace fanout::bench {

namespace {
// A family's own metrics and the noise metrics that every family's rows carry.
std::vector<std::string_view> with_noise(std::vector<std::string_view> own) {
  own.insert(own.end(), std::begin(kNoiseMetrics), std::end(kNoiseMetrics));
  return own;
}
}  // namespace

const family kFanout{
    "fanout",
    with_noise({"items_per_second", "p50_ms", "p90_ms", "p99_ms", "max_ms", "late_ms_p99",
                "timer_late_ms_p99", "cpu_util", "mem_per_item_bytes", "os_threads", "ideal_ms",
                "efficiency", "in_flight", "compute_ms", "cpu_us_per_item"}),
    {"items", "limit", "capacity", "workers", "latency_ms", "latency_p99_ms", "frames", "nested",
     "body_bytes", "conn_pool"}};

const family kRegime{"regime", kFanout.metrics, kFanout.params};

const family kHazard{
    "hazard",
    with_noise({"timeouts", "late_ms_p99", "late_ms_max", "ideal_ms", "efficiency", "wait_p50_ms",
                "wait_p99_ms", "inflation", "threads_created", "items_failed", "failure_errno",
                "rss_peak_growth_bytes", "p99_ms", "connections_opened"}),
    {"items", "limit", "capacity", "body_ms", "idle_timeout_ms", "permits", "cpu_items",
     "latency_ms", "workers", "fd_limit"}};

const family kOverhead{
    "overhead", with_noise({"bytes_per_wait", "ns_per_task"}), {"waits", "tasks", "workers"}};

const family kLoad{"load",
                   with_noise({"achieved_per_second", "p50_ms", "p99_ms", "p999_ms", "max_ms",
                               "uncorrected_p99_ms", "queued_max", "os_threads"}),
                   {"items", "rate", "seconds", "max_items", "offered_per_second", "limit",
                    "capacity", "workers", "latency_ms", "latency_p99_ms"}};

// Defined after kFanout, whose lists it extends (one translation unit: in order).
const family kScenario{"scenario", kFanout.metrics, [] {
                         std::vector<std::string_view> params = kFanout.params;
                         params.insert(params.end(), {"height", "compute_first"});
                         return params;
                       }()};

const std::vector<const family*>& all_families() {
  static const std::vector<const family*> all{&kFanout,   &kRegime, &kHazard,
                                              &kOverhead, &kLoad,   &kScenario};
  return all;
}

void record_noise(benchmark::State& state, const std::string& name,
                  const measure::noise_sample& window) {
  add_noise(name, window);
  state.counters[std::string(kNoiseMetrics[0])] = window.others_cores();
  state.counters[std::string(kNoiseMetrics[1])] = window.steal_cores();
}

void record_speed(benchmark::State& state, double canary_ms) {
  state.counters[std::string(kNoiseMetrics[2])] = canary_ms;
  state.counters[std::string(kNoiseMetrics[3])] = canary_slowdown(canary_ms);
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
