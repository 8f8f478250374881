#pragma once
// The one list of fan-out strategies, in the order the report shows them: the only place a
// strategy is named outside its own file (docs/design.md section 7). Benchmark names,
// registrations, counters, tests and the plot tool's order all derive from it and from each
// strategy's `info`.
//
//   for_each_strategy([&]<strategy S>() { std::puts(S::info.name); });
#include <tuple>
#include <vector>

#include "harness/strategies/buffer_unordered.hpp"
#include "harness/strategies/buffered.hpp"
#include "harness/strategies/futures_unordered.hpp"
#include "harness/strategies/join_set.hpp"
#include "harness/strategies/offload.hpp"
#include "harness/strategies/sequential.hpp"
#include "harness/strategies/spawn_channel.hpp"
#include "harness/strategies/tbb_parallel_for.hpp"
#include "harness/strategies/tbb_task_group.hpp"
#include "harness/strategies/threads.hpp"

namespace fanout::strategies {

using all = std::tuple<sequential, threads, spawn_channel, join_set, futures_unordered,
                       buffer_unordered, buffered, tbb_parallel_for, tbb_task_group, offload>;

// Calls f.template operator()<S>() for every strategy S of the registry, in order.
template <class F>
void for_each_strategy(F&& f) {
  std::apply([&](auto... s) { (f.template operator()<decltype(s)>(), ...); }, all{});
}

inline std::vector<traits> all_traits() {
  std::vector<traits> out;
  for_each_strategy([&]<strategy S>() { out.push_back(S::info); });
  return out;
}

}  // namespace fanout::strategies
