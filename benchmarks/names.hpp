#pragma once
// How benchmarks are named (docs/design.md section 5): `<workload>/<strategy>/<param>:<value>/...`,
// each strategy named with only the parameters its traits say it takes, and the same parameters
// as counters, so that the plot tool groups by fields, not names.
#include <string>

#include "harness/strategies/strategy.hpp"
#include "workloads/workload.hpp"

namespace fanout::bench {

using workloads::num;
using workloads::param_list;

// The parameters a strategy takes besides `items`, in name order: what its name and counters say.
inline param_list strategy_params(const strategies::traits& t, const strategies::options& opt,
                                  std::size_t workers) {
  param_list out;
  if (t.limit) out.emplace_back("limit", static_cast<double>(opt.limit));
  if (t.capacity) out.emplace_back("capacity", static_cast<double>(opt.capacity));
  if (t.workers) out.emplace_back("workers", static_cast<double>(workers));
  return out;
}

// "/limit:10/workers:2": parameters as name segments.
inline std::string name_segments(const param_list& params) {
  std::string s;
  for (const auto& [key, value] : params) s += "/" + key + ":" + num(value);
  return s;
}

}  // namespace fanout::bench
