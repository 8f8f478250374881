#pragma once
// What every workload of the registry (workloads/registry.hpp) says about itself besides its
// work: a name, the name segments and counters of its parameters, and its size in the quick
// profile (docs/design.md sections 2 and 5).
//
//   struct wait_workload {
//     static constexpr const char* name = "wait";
//     std::string name_params() const;          // "/ms:10"
//     param_list param_counters() const;        // {{"latency_ms", 10}, {"latency_p99_ms", 10}}
//     static std::size_t quick_items(std::size_t cores);
//     ...                                       // the work: strategies::workload
//   };
#include <concepts>
#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "workloads/latency.hpp"

namespace fanout::workloads {

using param_list = std::vector<std::pair<std::string, double>>;

template <class W>
concept described = requires(const W& w, std::size_t cores) {
  { W::name } -> std::convertible_to<const char*>;
  { w.name_params() } -> std::same_as<std::string>;
  { w.param_counters() } -> std::same_as<param_list>;
  { W::quick_items(cores) } -> std::same_as<std::size_t>;
};

// The shortest text of a number that reads back the same, for benchmark names: 10, 0.5, 1e+06.
inline std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A latency distribution's name segments: /ms:10, /ms:10-49, /ms:10/p99:100.
inline std::string latency_name(const latency_dist& d) {
  switch (d.kind()) {
    case latency_kind::fixed:
      return "/ms:" + num(d.first_param_ms());
    case latency_kind::uniform:
      return "/ms:" + num(d.first_param_ms()) + "-" + num(d.second_param_ms());
    case latency_kind::lognormal:
      return "/ms:" + num(d.first_param_ms()) + "/p99:" + num(d.second_param_ms());
  }
  return {};
}

inline param_list latency_counters(const latency_dist& d) {
  return {{"latency_ms", d.median_ms()}, {"latency_p99_ms", d.quantile_ms(0.99)}};
}

}  // namespace fanout::workloads
