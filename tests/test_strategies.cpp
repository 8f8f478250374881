// Tests for harness/strategies/: every strategy of the registry on every workload returns
// exactly N results whose checksum equals sequential's, and sequential's equals the reference
// built from w.compute(i) (what the benchmarks verify against, see benchmarks/calibration.hpp).
// Also: the input order of the strategies whose traits promise it, the in-flight and channel
// bounds of those that take a limit or a capacity, a failing item reported as that item's error
// by every strategy, and the same results whatever the runtime's worker count. Runs TBB
// strategies: label `tbb`.
#include <gtest/gtest.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "harness/async/sleep.hpp"
#include "harness/strategies/registry.hpp"
#include "registry_types.hpp"
#include "workloads/cpu.hpp"
#include "workloads/mixed.hpp"
#include "workloads/scenario.hpp"
#include "workloads/wait.hpp"

namespace fanout::strategies {
namespace {

constexpr std::size_t kItems = 20;
constexpr std::size_t kWorkers = 2;

// The reference of the benchmark harness: item i's checksum is w.compute(i).
template <workload W>
std::uint64_t reference_checksum(const W& w, std::size_t n) {
  batch<typename W::result> ref(n);
  for (std::size_t i = 0; i < n; ++i) {
    ref.items[i].value.emplace();
    ref.items[i].value->checksum = w.compute(i);
  }
  return ref.checksum();
}

workloads::wait_workload wait_fixed() {
  return {.latency = workloads::latency_dist::parse("fixed:2"), .seed = 11};
}
workloads::wait_workload wait_lognormal() {
  return {.latency = workloads::latency_dist::parse("lognormal:median=2,p99=8"), .seed = 12};
}
workloads::transcode_params tiny_transcode() {
  workloads::transcode_params p;
  p.frames = 1;
  p.width = 32;
  p.height = 32;
  return p;
}
workloads::cpu_workload cpu_tiny() { return {.params = tiny_transcode(), .seed = 13}; }
// Scenario items (workloads/scenario.hpp): a wait and a small transcode in either order, and
// waits sampled from measured latencies.
workloads::scenario_workload scenario_tiny(workloads::scenario_order order, bool sampled) {
  workloads::scenario_workload w;
  w.latency = workloads::latency_dist::parse("uniform:1-3");
  if (sampled) w.samples = std::make_shared<const std::vector<double>>(std::vector{0.0, 1.5, 4.0});
  w.computes = true;
  w.params = tiny_transcode();
  w.order = order;
  w.seed = 15;
  return w;
}
workloads::mixed_workload mixed_tiny() {
  return {.latency = workloads::latency_dist::parse("lognormal:median=1,p99=4"),
          .params = tiny_transcode(),
          .seed = 14};
}

// A workload whose item `bad` throws, after its wait or before it.
struct failing_workload {
  struct result {
    std::uint64_t checksum = 0;
    clock::time_point done{};
  };
  std::size_t bad = 7;
  bool throw_before_wait = false;

  std::uint64_t compute(std::size_t i) const { return measure::item_hash(99, i); }
  double wait_ms(std::size_t i) const { return 1.0 + static_cast<double>(i % 2); }
  result run_blocking(std::size_t i) const {
    if (throw_before_wait) check(i);
    workloads::blocking_sleep(wait_ms(i));
    check(i);
    return {compute(i), clock::now()};
  }
  async::task<result> run_async(std::size_t i) const {
    if (throw_before_wait) check(i);
    co_await async::sleep_for(wait_ms(i));
    check(i);
    co_return result{compute(i), clock::now()};
  }

 private:
  void check(std::size_t i) const {
    if (i == bad) throw std::runtime_error("item " + std::to_string(i) + " is bad");
  }
};
static_assert(workload<failing_workload>);

// Event order within each item: issued, its event completed, its result received; all inside
// the batch's start and end. A wait never completes before its latency.
template <workload W>
void expect_timeline(const W& w, const batch<typename W::result>& b) {
  for (std::size_t i = 0; i < b.items.size(); ++i) {
    const auto& it = b.items[i];
    EXPECT_LE(b.start, it.issued) << "item " << i;
    EXPECT_LE(it.issued, it.completed) << "item " << i;
    EXPECT_LE(it.completed, it.received) << "item " << i;
    EXPECT_LE(it.received, b.end) << "item " << i;
    if (it.value) {
      const double waited = measure::ms(it.completed - it.issued);
      EXPECT_GE(waited, w.wait_ms(i)) << "item " << i;
    }
  }
}

// Everything a strategy's batch must satisfy on a workload that does not fail.
template <class S, workload W>
void check_strategy(const W& w, std::size_t workers = kWorkers, options opt = {}) {
  opt.items = kItems;
  owned_resources built(workers);
  resources res = built.view();

  const batch<typename W::result> seq = sequential::run(w, opt, res);
  ASSERT_EQ(seq.first_error(), "");
  ASSERT_EQ(seq.succeeded(), kItems);
  ASSERT_EQ(seq.checksum(), reference_checksum(w, kItems));

  const batch<typename W::result> b = S::run(w, opt, res);
  EXPECT_EQ(b.failure, "");
  EXPECT_EQ(b.first_error(), "");
  ASSERT_EQ(b.items.size(), kItems);
  EXPECT_EQ(b.succeeded(), kItems);
  EXPECT_EQ(b.checksum(), seq.checksum());
  for (std::size_t i = 0; i < kItems; ++i) {
    ASSERT_TRUE(b.items[i].value) << "item " << i;
    EXPECT_EQ(b.items[i].value->checksum, w.compute(i)) << "item " << i;
  }
  expect_timeline(w, b);
  if constexpr (S::info.in_order) {
    for (std::size_t i = 1; i < kItems; ++i) {
      EXPECT_LE(b.items[i - 1].received, b.items[i].received) << "item " << i;
    }
  }
  // Measured from the records: between one item and the strategy's limit, or every item.
  EXPECT_GE(b.measured_in_flight(), 1u);
  EXPECT_LE(b.measured_in_flight(), S::info.limit ? opt.limit : kItems);
  if constexpr (S::info.runs_on == executor::tbb) {
    // The caller has the results only once the whole batch is done: receipt is the consumer's.
    clock::time_point last_done{};
    for (const auto& it : b.items) last_done = std::max(last_done, it.completed);
    for (const auto& it : b.items) EXPECT_GE(it.received, last_done);
  }
  if constexpr (S::info.capacity) {
    EXPECT_GE(b.max_buffered, 1u);
    EXPECT_LE(b.max_buffered, opt.capacity);
  }
}

// A failing item is that item's error; every other item keeps its result; nothing hangs.
template <class S>
void check_item_error(bool throw_before_wait) {
  const failing_workload w{.bad = 7, .throw_before_wait = throw_before_wait};
  owned_resources built(kWorkers);
  resources res = built.view();
  const batch<failing_workload::result> b = S::run(w, {.items = kItems, .limit = 4}, res);
  EXPECT_EQ(b.failure, "");
  ASSERT_EQ(b.items.size(), kItems);
  EXPECT_FALSE(b.items[7].value);
  EXPECT_EQ(b.items[7].error, "item 7 is bad");
  EXPECT_EQ(b.first_error(), "item 7: item 7 is bad");
  EXPECT_EQ(b.succeeded(), kItems - 1);
  for (std::size_t i = 0; i < kItems; ++i) {
    if (i == 7) continue;
    EXPECT_EQ(b.items[i].error, "") << "item " << i;
    ASSERT_TRUE(b.items[i].value) << "item " << i;
    EXPECT_EQ(b.items[i].value->checksum, w.compute(i)) << "item " << i;
  }
}

template <class S>
class Strategy : public ::testing::Test {};
TYPED_TEST_SUITE(Strategy, all_types, strategy_name);

TYPED_TEST(Strategy, WaitFixed) { check_strategy<TypeParam>(wait_fixed()); }
TYPED_TEST(Strategy, WaitLognormal) { check_strategy<TypeParam>(wait_lognormal()); }
TYPED_TEST(Strategy, Cpu) { check_strategy<TypeParam>(cpu_tiny()); }
TYPED_TEST(Strategy, Mixed) { check_strategy<TypeParam>(mixed_tiny()); }
TYPED_TEST(Strategy, ScenarioWaitThenCompute) {
  check_strategy<TypeParam>(scenario_tiny(workloads::scenario_order::wait_then_compute, false));
}
TYPED_TEST(Strategy, ScenarioComputeThenWaitSampled) {
  check_strategy<TypeParam>(scenario_tiny(workloads::scenario_order::compute_then_wait, true));
}
TYPED_TEST(Strategy, ItemErrorAfterItsWait) { check_item_error<TypeParam>(false); }
TYPED_TEST(Strategy, ItemErrorBeforeItsWait) { check_item_error<TypeParam>(true); }

template <class S>
class LimitedStrategy : public ::testing::Test {};
TYPED_TEST_SUITE(LimitedStrategy, types_with<&traits::limit>, strategy_name);
TYPED_TEST(LimitedStrategy, StaysWithinItsLimit) {
  for (const std::size_t limit : {1u, 3u, 8u}) {
    SCOPED_TRACE(limit);
    check_strategy<TypeParam>(wait_lognormal(), kWorkers, {.limit = limit});
    check_strategy<TypeParam>(mixed_tiny(), kWorkers, {.limit = limit});
  }
}

template <class S>
class ChannelStrategy : public ::testing::Test {};
TYPED_TEST_SUITE(ChannelStrategy, types_with<&traits::capacity>, strategy_name);
TYPED_TEST(ChannelStrategy, NeverHoldsMoreThanItsCapacity) {
  for (const std::size_t capacity : {1u, 2u, 8u}) {
    SCOPED_TRACE(capacity);
    check_strategy<TypeParam>(wait_fixed(), kWorkers, {.capacity = capacity});
    check_strategy<TypeParam>(cpu_tiny(), kWorkers, {.capacity = capacity});
  }
}

// The worker count changes where items run, never what they return.
template <class S>
class WorkerStrategy : public ::testing::Test {};
TYPED_TEST_SUITE(WorkerStrategy, types_with<&traits::workers>, strategy_name);
TYPED_TEST(WorkerStrategy, SameResultsWithOneTwoAndEightWorkers) {
  for (const std::size_t workers : {1u, 2u, 8u}) {
    SCOPED_TRACE(workers);
    check_strategy<TypeParam>(wait_lognormal(), workers);
    check_strategy<TypeParam>(mixed_tiny(), workers);
  }
}

}  // namespace
}  // namespace fanout::strategies
