// Open loop (each strategy's run_open, harness/strategies/open_loop.hpp): every strategy with an
// open-loop form admits and returns every item, each through the one arrival source, and the
// correction charges a stall (wrk2): an item that arrives while the strategy cannot take it in is
// charged from its intended arrival, not from its admission. The achieved rate of a hand-made
// batch follows its definition.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "harness/strategies/registry.hpp"
#include "registry_types.hpp"
#include "workloads/wait.hpp"

namespace fanout::strategies {
namespace {

using namespace std::chrono_literals;

// Item 0 blocks the loop for kStallMs as soon as it starts (CPU work run inline, the
// blocking-loop hazard); the others are short waits.
constexpr double kStallMs = 40;
struct stalling_workload {
  workloads::wait_workload wait{workloads::latency_dist::parse("fixed:2"), 1};
  mutable clock::time_point stall_start{};
  mutable clock::time_point stall_end{};
  struct result {
    std::uint64_t checksum = 0;
    clock::time_point done{};
  };
  std::uint64_t compute(std::size_t i) const { return wait.compute(i); }
  double wait_ms(std::size_t i) const { return wait.wait_ms(i); }
  result run_blocking(std::size_t i) const { return {wait.compute(i), clock::now()}; }
  async::task<result> run_async(std::size_t i) const {
    if (i == 0) {
      stall_start = clock::now();
      const auto until = stall_start + measure::from_ms(kStallMs);
      while (clock::now() < until) {
      }
      stall_end = clock::now();
      co_return result{wait.compute(i), stall_end};
    }
    const auto r = co_await wait.run_async(i);
    co_return result{r.checksum, r.done};
  }
};

TEST(open_loop, TheCorrectionChargesAStallToEveryItemThatArrivedDuringIt) {
  async::event_loop loop;
  resources res{loop};
  const stalling_workload w;
  const arrivals a = arrivals::constant(500, 0.2);  // one every 2 ms, item 0 at once
  auto b = futures_unordered::run_open(w, a, {}, res);
  ASSERT_EQ(b.succeeded(), a.offsets.size());
  std::size_t during = 0;
  for (std::size_t i = 1; i < b.items.size(); ++i) {
    if (b.intended[i] >= w.stall_end) continue;
    const double waited_for_admission = measure::ms(w.stall_end - b.intended[i]);
    // Charged from its intended arrival: the whole rest of the stall, then its own 2 ms wait.
    EXPECT_GE(b.corrected_ms(i), waited_for_admission + 2.0) << "item " << i;
    // An item that had arrived before the consumer first polled (a loaded machine can delay
    // that poll by milliseconds) is admitted with item 0, before the stall: no figure misses
    // the stall for it.
    if (b.items[i].issued < w.stall_start) continue;
    ++during;
    // The uncorrected figure starts at admission, after the stall, and misses it.
    EXPECT_LT(b.uncorrected_ms(i), b.corrected_ms(i) - waited_for_admission + 1.0) << i;
  }
  // Item 1 arrived 2 ms into the 40 ms stall: it is charged most of it.
  EXPECT_GE(during, 15u);
  EXPECT_GE(b.corrected_ms(1), kStallMs - 2.0);
  EXPECT_GE(b.max_queued(), during - 1);
}

// Every open-loop strategy admits and returns every item, at a rate it sustains.
template <class S>
class open_loop_strategy : public ::testing::Test {};
TYPED_TEST_SUITE(open_loop_strategy, types_with<&traits::open_loop>, strategy_name);

// Every item comes back once and right, never faster than its wait; the one arrival source lets
// it in, never before its arrival, and the strategy admits it only after that: no strategy has a
// generator of its own.
TYPED_TEST(open_loop_strategy, ReturnsEveryItemOnceThroughTheOneArrivalSource) {
  owned_resources built(2);
  resources res = built.view();
  const workloads::wait_workload w{workloads::latency_dist::parse("fixed:1"), 3};
  const arrivals a = arrivals::poisson(500, 0.1, 9);
  auto b = TypeParam::run_open(w, a, {.items = 0, .limit = 4, .capacity = 1}, res);
  ASSERT_EQ(b.succeeded(), a.offsets.size());
  for (std::size_t i = 0; i < b.items.size(); ++i) {
    EXPECT_EQ(b.items[i].value->checksum, w.compute(i));
    EXPECT_GE(b.corrected_ms(i), 1.0);  // never faster than its wait
    ASSERT_NE(b.released[i], clock::time_point{}) << "item " << i << " bypassed the source";
    EXPECT_GE(b.released[i], b.intended[i]) << "item " << i;
    EXPECT_GE(b.items[i].issued, b.released[i]) << "item " << i;
  }
}

TEST(open_loop, AchievedRateOfAHandMadeBatchFollowsItsDefinition) {
  const auto t0 = clock::now();
  std::vector<clock::time_point> intended;
  for (int i = 0; i < 5; ++i) intended.push_back(t0 + i * 1ms);  // 4 ms of arrivals
  open_batch<workloads::wait_workload::result> b(5, intended);
  // Each result 10 ms after its arrival: delivered at the offered 1,000 per second.
  for (int i = 0; i < 5; ++i) b.items[i].received = intended[i] + 10ms;
  EXPECT_NEAR(b.achieved_per_second(), 1000.0, 1e-6);
  // The last result 4 ms later than that: 4 gaps over 8 ms of delivery.
  b.items[4].received += 4ms;
  EXPECT_NEAR(b.achieved_per_second(), 500.0, 1e-6);
}

}  // namespace
}  // namespace fanout::strategies
