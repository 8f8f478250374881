#pragma once
// The one list of workloads, in the order the report shows them (docs/design.md section 7): a
// new workload is one file plus one line here. Each runs through every strategy of
// harness/strategies/registry.hpp.
//
//   for_each_workload([&]<class W>() { std::puts(W::name); });
#include <tuple>

#include "workloads/cpu.hpp"
#include "workloads/mixed.hpp"
#include "workloads/net.hpp"
#include "workloads/wait.hpp"

namespace fanout::workloads {

using all = std::tuple<wait_workload, cpu_workload, mixed_workload, net_workload>;

// Calls f.template operator()<W>() for every workload W of the registry, in order.
template <class F>
void for_each_workload(F&& f) {
  std::apply([&](auto... w) { (f.template operator()<decltype(w)>(), ...); }, all{});
}

}  // namespace fanout::workloads
