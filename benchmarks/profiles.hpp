#pragma once
// The profiles (docs/design.md section 6) and what every family registers for them: `quick`
// runs every pair once at a small size; `default` sweeps what matters, sized by the cores.
#include <cstddef>
#include <vector>

#include "benchmarks/rounds.hpp"

namespace fanout::bench {

enum class profile { quick, standard };

// One benchmark may not take longer than this in its ideal: a default run must fit in about
// 15 minutes on 2 cores, with six repetitions or more of most benchmarks.
inline constexpr double kDefaultBudgetMs = 2500;

// The repetitions of a profile (benchmarks/rounds.hpp): `fixed` > 0 (--benchmark_repetitions)
// gives every benchmark that many. Otherwise quick runs each once; default repeats each
// benchmark at least 6 times (the fewest whose range is a 95% interval of the median), until
// that interval is within 3% of the median or the run is `budget_s` old, except the families
// whose repetitions are seeds or whose figures are counts: 3 of each.
inline repetition_plan plan_for(profile prof, std::size_t fixed, double budget_s) {
  repetition_plan plan;
  plan.fixed = fixed ? fixed : (prof == profile::quick ? 1 : 0);
  plan.budget_s = budget_s;
  plan.fixed_families = {{"hazard", 3}, {"load", 3}};
  return plan;
}

// 1, 2, 4, ... up to the core count, which is always included.
inline std::vector<std::size_t> worker_counts(std::size_t cores) {
  std::vector<std::size_t> out;
  for (std::size_t w = 1; w < cores; w *= 2) out.push_back(w);
  out.push_back(cores);
  return out;
}

// Each family registers its benchmarks for a profile; bm_fanout.cpp calls them in report order.
// `items` > 0 (--fanout_items) registers the fan-out family as the quick profile does, every
// (workload, strategy) pair once, but at that many items.
void register_fanout(profile prof, std::size_t cores, std::size_t items = 0);
void register_hazards(profile prof, std::size_t cores);
void register_overhead(profile prof, std::size_t cores);
void register_load(profile prof, std::size_t cores);

}  // namespace fanout::bench
