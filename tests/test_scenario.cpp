// Tests for workloads/scenario.hpp: a scenario item's wait comes from its spec or from the
// measured latencies (one of them, the same for the same seed and index), a wait of 0 ms is no
// wait, both orders give the checksum of the CPU part alone, and the name and counters say
// what the item is.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "harness/async/event_loop.hpp"
#include "workloads/scenario.hpp"

namespace fanout::workloads {
namespace {

scenario_workload computing(scenario_order order) {
  scenario_workload w;
  w.latency = latency_dist::parse("fixed:2");
  w.computes = true;
  w.params.frames = 1;
  w.params.width = 32;
  w.params.height = 32;
  w.order = order;
  return w;
}

TEST(ScenarioWorkload, SampledWaitsAreValuesOfTheFileSeededByIndex) {
  const std::vector<double> measured{3.5, 7.0, 12.25};
  scenario_workload w;
  w.samples = std::make_shared<const std::vector<double>>(measured);
  std::vector<double> seen;
  for (std::size_t i = 0; i < 200; ++i) {
    const double ms = w.wait_ms(i);
    EXPECT_NE(std::find(measured.begin(), measured.end(), ms), measured.end()) << ms;
    seen.push_back(ms);
  }
  for (double v : measured) EXPECT_NE(std::find(seen.begin(), seen.end(), v), seen.end()) << v;
  scenario_workload again = w;
  for (std::size_t i = 0; i < 200; ++i) EXPECT_EQ(again.wait_ms(i), w.wait_ms(i));
  EXPECT_EQ(w.name_params(), "/latency:file/frames:0");
  const param_list counters = w.param_counters();
  EXPECT_EQ(counters[0], (std::pair<std::string, double>{"latency_ms", 7.0}));
  EXPECT_EQ(counters[1], (std::pair<std::string, double>{"latency_p99_ms", 12.25}));
}

TEST(ScenarioWorkload, ZeroWaitIsNoWait) {
  scenario_workload w;
  w.latency = latency_dist::parse("fixed:0");
  const auto r = w.run_blocking(3);
  EXPECT_EQ(r.fired, r.due);
  async::event_loop loop;
  const auto a = loop.block_on(w.run_async(3));
  EXPECT_EQ(a.fired, a.due);
  EXPECT_EQ(a.checksum, w.compute(3));
}

TEST(ScenarioWorkload, BothOrdersGiveTheChecksumOfTheCpuPart) {
  for (scenario_order order :
       {scenario_order::wait_then_compute, scenario_order::compute_then_wait}) {
    const scenario_workload w = computing(order);
    async::event_loop loop;
    for (std::size_t i = 0; i < 4; ++i) {
      const auto r = w.run_blocking(i);
      EXPECT_EQ(r.checksum, w.compute(i));
      EXPECT_EQ(loop.block_on(w.run_async(i)).checksum, w.compute(i));
      EXPECT_GE(r.fired, r.due);
    }
  }
  EXPECT_EQ(computing(scenario_order::compute_then_wait).name_params(),
            "/ms:2/frames:1/height:32/compute_first:1");
}

}  // namespace
}  // namespace fanout::workloads
