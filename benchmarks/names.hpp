#pragma once
// How benchmarks are named (DESIGN section 5): `<workload>/<strategy>/<param>:<value>/...`,
// each strategy named with only the parameters it uses, and the same parameters as counters.
#include <cstdio>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "harness/measure/fanout_benchmark.hpp"
#include "harness/strategies/all.hpp"
#include "workloads/latency.hpp"

namespace fanout::bench {

using measure::fanout_config;
namespace st = strategies;
namespace wl = workloads;

inline std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// The name segments a strategy's configuration is told apart by: only the parameters that
// the strategy uses.
template <class S>
std::string strategy_params(const fanout_config& cfg) {
  std::string s = "/items:" + std::to_string(cfg.opt.items);
  if constexpr (std::is_same_v<S, st::buffer_unordered> || std::is_same_v<S, st::buffered>) {
    s += "/limit:" + std::to_string(cfg.opt.limit);
  }
  if constexpr (std::is_same_v<S, st::spawn_channel>) {
    s += "/capacity:" + std::to_string(cfg.opt.capacity);
  }
  if constexpr (std::is_same_v<S, st::spawn_channel> || std::is_same_v<S, st::join_set> ||
                std::is_same_v<S, st::tbb_parallel_for> || std::is_same_v<S, st::tbb_task_group> ||
                std::is_same_v<S, st::offload>) {
    s += "/workers:" + std::to_string(cfg.workers);
  }
  return s;
}

inline std::string latency_params(const wl::latency_dist& d) {
  switch (d.kind()) {
    case wl::latency_kind::fixed:
      return "/ms:" + num(d.first_param_ms());
    case wl::latency_kind::uniform:
      return "/ms:" + num(d.first_param_ms()) + "-" + num(d.second_param_ms());
    case wl::latency_kind::lognormal:
      return "/ms:" + num(d.first_param_ms()) + "/p99:" + num(d.second_param_ms());
  }
  return {};
}

// The same parameters as counters, so that the plot tool groups by fields, not names.
template <class S>
void strategy_counters(const fanout_config& cfg, std::vector<std::pair<std::string, double>>& c) {
  const std::string params = strategy_params<S>(cfg);
  if (params.find("/limit:") != std::string::npos) c.emplace_back("limit", cfg.opt.limit);
  if (params.find("/capacity:") != std::string::npos) c.emplace_back("capacity", cfg.opt.capacity);
  if (params.find("/workers:") != std::string::npos) c.emplace_back("workers", cfg.workers);
}

}  // namespace fanout::bench
