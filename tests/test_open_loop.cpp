// Open loop (harness/load): arrivals are what they say, every strategy admits and returns
// every item, and the correction charges a stall (wrk2): an item that arrives while the
// strategy cannot take it in is charged from its intended arrival, not from its admission.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <oneapi/tbb/global_control.h>

#include "harness/load/open_loop.hpp"
#include "workloads/wait.hpp"

namespace fanout::load {
namespace {

using namespace std::chrono_literals;

TEST(arrivals, ConstantRateGivesRateTimesDurationEvenlySpaced) {
  const arrivals a = arrivals::constant(1000, 0.5);
  ASSERT_EQ(a.offsets.size(), 500u);
  EXPECT_EQ(a.offsets[0], clock::duration::zero());
  EXPECT_NEAR(std::chrono::duration<double>(a.offsets[100]).count(), 0.1, 1e-9);
}

TEST(arrivals, PoissonIsSeededAndHasItsRate) {
  const arrivals a = arrivals::poisson(2000, 5.0, 7);
  const arrivals b = arrivals::poisson(2000, 5.0, 7);
  EXPECT_EQ(a.offsets, b.offsets);
  // 10,000 expected arrivals: the count's standard deviation is 100; allow 5 of them.
  EXPECT_NEAR(static_cast<double>(a.offsets.size()), 10'000.0, 500.0);
  EXPECT_TRUE(std::is_sorted(a.offsets.begin(), a.offsets.end()));
}

TEST(arrivals, BadRatesAreRejected) {
  EXPECT_THROW(arrivals::constant(0, 1), std::invalid_argument);
  EXPECT_THROW(arrivals::poisson(-5, 1, 1), std::invalid_argument);
  EXPECT_THROW(arrivals::constant(100, 0), std::invalid_argument);
}

// Item 0 blocks the loop for kStallMs as soon as it starts (CPU work run inline, the
// blocking-loop hazard); the others are short waits.
constexpr double kStallMs = 40;
struct stalling_workload {
  workloads::wait_workload wait{workloads::latency_dist::parse("fixed:2"), 1};
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
      const auto until = clock::now() + std::chrono::duration_cast<clock::duration>(
                                            std::chrono::duration<double, std::milli>(kStallMs));
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
  strategies::resources res{loop};
  const stalling_workload w;
  const arrivals a = arrivals::constant(500, 0.2);  // one every 2 ms, item 0 at once
  auto b = open_loop<strategies::futures_unordered>::run(w, a, {}, res);
  ASSERT_EQ(b.succeeded(), a.offsets.size());
  std::size_t during = 0;
  for (std::size_t i = 1; i < b.items.size(); ++i) {
    if (b.intended[i] >= w.stall_end) continue;
    ++during;
    const double waited_for_admission =
        std::chrono::duration<double, std::milli>(w.stall_end - b.intended[i]).count();
    // Charged from its intended arrival: the whole rest of the stall, then its own 2 ms wait.
    EXPECT_GE(b.corrected_ms(i), waited_for_admission + 2.0) << "item " << i;
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
using all_open = ::testing::Types<strategies::sequential, strategies::threads,
                                  strategies::spawn_channel, strategies::join_set,
                                  strategies::futures_unordered, strategies::buffer_unordered,
                                  strategies::buffered, strategies::tbb_task_group,
                                  strategies::offload>;
TYPED_TEST_SUITE(open_loop_strategy, all_open);

TYPED_TEST(open_loop_strategy, ReturnsEveryItemOnce) {
  tbb::global_control threads_allowed(tbb::global_control::max_allowed_parallelism, 3);
  async::event_loop loop;
  async::runtime rt(2);
  tbb::task_arena arena(2);
  tbb::task_arena pool(2, 0);
  strategies::resources res{loop, &rt, &arena, &pool};
  const workloads::wait_workload w{workloads::latency_dist::parse("fixed:1"), 3};
  const arrivals a = arrivals::poisson(200, 0.1, 5);
  auto b = open_loop<TypeParam>::run(w, a, {.items = 0, .limit = 4, .capacity = 1}, res);
  ASSERT_EQ(b.succeeded(), a.offsets.size());
  for (std::size_t i = 0; i < b.items.size(); ++i) {
    EXPECT_EQ(b.items[i].value->checksum, w.compute(i));
    EXPECT_GE(b.items[i].issued, b.intended[i]);  // never admitted before it arrived
    EXPECT_GE(b.corrected_ms(i), 1.0);             // never faster than its wait
  }
}

}  // namespace
}  // namespace fanout::load
