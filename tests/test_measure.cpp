// Tests for harness/measure/, the pure layer: percentiles, the list schedule and the ideal bound
// against answers worked by hand, the hash against its published values, the ms conversion,
// the arrivals and the canary's speed reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

#include "harness/measure/arrivals.hpp"
#include "harness/measure/bounds.hpp"
#include "harness/measure/hash.hpp"
#include "harness/measure/histogram.hpp"
#include "harness/measure/speed.hpp"
#include "harness/measure/stats.hpp"
#include "harness/measure/ticks.hpp"
#include "harness/measure/time.hpp"

namespace fanout::measure {
namespace {

TEST(percentile, InterpolatesBetweenClosestRanksLikeNumpy) {
  std::vector<double> v{4, 1, 3, 2};  // sorted: 1 2 3 4; position q * 3
  EXPECT_DOUBLE_EQ(percentile(v, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(percentile(v, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(percentile(v, 0.99), 3.97);  // 3 + 0.97 * (4 - 3)
  EXPECT_DOUBLE_EQ(percentile(v, 1.0), 4.0);
  std::vector<double> none;
  EXPECT_EQ(percentile(none, 0.5), 0.0);
}

TEST(median_ci, UsesTheBinomialRanksThatCoverTheMedian) {
  // n = 6: P(B(6, 1/2) = 0) = 1/64 <= 2.5%, P(B <= 1) = 7/64 > 2.5%: the range, x_1 and x_6.
  EXPECT_EQ(median_ci({6, 1, 5, 2, 4, 3}), std::make_pair(1.0, 6.0));
  // n = 9: P(B <= 1) = 10/512 <= 2.5%, P(B <= 2) = 46/512 > 2.5%: x_2 and x_8.
  EXPECT_EQ(median_ci({9, 1, 8, 2, 7, 3, 6, 4, 5}), std::make_pair(2.0, 8.0));
  // n = 5 reaches only 93.75%: the range.
  EXPECT_EQ(median_ci({3, 1, 2, 5, 4}), std::make_pair(1.0, 5.0));
  EXPECT_EQ(median_ci({}), std::make_pair(0.0, 0.0));
  // Half-width over the median: (8 - 2) / 2 / 5.
  EXPECT_DOUBLE_EQ(relative_half_width({9, 1, 8, 2, 7, 3, 6, 4, 5}), 0.6);
  EXPECT_TRUE(std::isinf(relative_half_width({})));
}

TEST(list_schedule, StartsItemsInInputOrderOnTheFirstFreeSlot) {
  // Two slots: 5 and 3 start at 0; 2 starts at 3 (ends 5); 4 starts at 5 (ends 9).
  EXPECT_DOUBLE_EQ(list_schedule_ms({5, 3, 2, 4}, 2), 9.0);
  EXPECT_DOUBLE_EQ(list_schedule_ms({5, 3, 2, 4}, 1), 14.0);  // one slot: the sum
  EXPECT_DOUBLE_EQ(list_schedule_ms({5, 3, 2, 4}, 10), 5.0);  // enough slots: the longest
  EXPECT_DOUBLE_EQ(list_schedule_ms({}, 3), 0.0);
}

TEST(release_schedule, RunsIdenticalJobsInOrderOfRelease) {
  // One processor: released at 0, 1 and 5, 2 ms each: 0-2, 2-4, 5-7.
  EXPECT_DOUBLE_EQ(release_schedule_ms({5, 0, 1}, 2.0, 1), 7.0);
  // Two: 0-2 and 1-3 side by side, then 5-7.
  EXPECT_DOUBLE_EQ(release_schedule_ms({5, 0, 1}, 2.0, 2), 7.0);
  EXPECT_DOUBLE_EQ(release_schedule_ms({0, 0, 0}, 2.0, 2), 4.0);
  EXPECT_DOUBLE_EQ(release_schedule_ms({}, 2.0, 2), 0.0);
}

TEST(tick, EndsAWaitOnTheFirstWholeMillisecondAtOrAfterItsDeadline) {
  const tick t{.phase_ms = 0.25};                 // the fan-out started 0.25 ms into a millisecond
  EXPECT_DOUBLE_EQ(t.end(0.0, 10.5), 10.75);      // deadline 10.75 into the tick: fires at 11
  EXPECT_DOUBLE_EQ(t.end(0.0, 9.75), 9.75);       // deadline exactly on 10: fires at 10
  EXPECT_DOUBLE_EQ(t.end(2.0, 0.0), 2.0);         // no wait, no tick
  EXPECT_DOUBLE_EQ(tick{}.end(1.0, 10.3), 11.3);  // phase unknown: no rounding
}

TEST(ideal, WaitsOnlyAreTheLongestWaitOnTheTick) {
  const std::vector<double> waits(4, 10.0);
  EXPECT_DOUBLE_EQ(ideal_ms(waits, 0.0, {.slots = 4, .compute_threads = 1}, 2), 10.0);
  EXPECT_DOUBLE_EQ(ideal_ms(waits, 0.0, {.slots = 4, .compute_threads = 1}, 2, {0.5}), 10.5);
}

TEST(ideal, ComputationStartsOnlyWhenItsOwnWaitEnds) {
  const std::vector<double> waits(4, 10.0);
  // 1 ms each on one compute thread, all released at 10: 14 ms (the old bound said 11).
  EXPECT_DOUBLE_EQ(ideal_ms(waits, 1.0, {.slots = 4, .compute_threads = 1}, 2), 14.0);
  // 30 ms each on 2 compute threads: released at 10, two rounds of 30: 70 ms.
  EXPECT_DOUBLE_EQ(ideal_ms(waits, 30.0, {.slots = 4, .compute_threads = 2}, 2), 70.0);
  // More compute threads than cores: the cores bound it.
  EXPECT_DOUBLE_EQ(ideal_ms(waits, 30.0, {.slots = 4, .compute_threads = 8}, 2), 70.0);
  // Waits of 0, 5, 10, 15 and 4 ms each on one thread: 0-4, 5-9, 10-14, 15-19.
  EXPECT_DOUBLE_EQ(ideal_ms({0, 5, 10, 15}, 4.0, {.slots = 4, .compute_threads = 1}, 1), 19.0);
}

TEST(ideal, SlotsHoldAnItemForItsWaitAndItsComputation) {
  // One slot, waits of 10 on a tick at phase 0.5, 0.2 ms each: item 0 ends its wait at 10.5,
  // computes to 10.7; item 1 starts at 10.7, its deadline 20.7 fires at 21.5, done at 21.7.
  EXPECT_DOUBLE_EQ(ideal_ms({10, 10}, 0.2, {.slots = 1, .compute_threads = 1}, 2, {0.5}), 21.7);
  // Two slots, cpu only: ceil(5 / 2) rounds of 3 ms.
  EXPECT_DOUBLE_EQ(
      ideal_ms(std::vector<double>(5, 0.0), 3.0, {.slots = 2, .compute_threads = 2}, 2), 9.0);
}

TEST(ideal, NestedItemsScaleOnlyAsFarAsTheirGrain) {
  // 9 rows on 2 cores: one item takes at least 5 rows' time, 30 * 5 / 9 ms; 4 of them one
  // after the other (one slot) take 4 times that, more than the 120 / 2 of the work bound.
  EXPECT_DOUBLE_EQ(ideal_ms({0, 0, 0, 0}, 30.0, {.slots = 1, .compute_threads = 1, .grain = 9}, 2),
                   4 * 30.0 * 5 / 9);
  // With a slot each, the work bound: 120 ms over 2 cores.
  EXPECT_DOUBLE_EQ(ideal_ms({0, 0, 0, 0}, 30.0, {.slots = 4, .compute_threads = 1, .grain = 9}, 2),
                   60.0);
}

TEST(max_overlap, CountsIntervalsOpenAtOnce) {
  EXPECT_EQ(max_overlap({0, 1, 2}, {3, 3, 3}), 3u);
  EXPECT_EQ(max_overlap({0, 1, 2}, {1, 2, 3}), 1u);  // each ends as the next begins
  EXPECT_EQ(max_overlap({0, 0, 5}, {4, 6, 7}), 2u);
  EXPECT_EQ(max_overlap({}, {}), 0u);
}

TEST(hash, Splitmix64MatchesItsReferenceOutputs) {
  // The first outputs of the reference splitmix64 generator seeded with 0.
  splitmix64_stream s{0};
  EXPECT_EQ(s.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(s.next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(splitmix64(0), 0xe220a8397b1dcdafULL);
  EXPECT_NE(item_hash(1, 0), item_hash(2, 0));
  EXPECT_GT(open_unit(0), 0.0);
  EXPECT_LT(open_unit(~std::uint64_t{0}), 1.0);
}

TEST(hash, Fnv1aMatchesItsReferenceOutputs) {
  EXPECT_EQ(fnv1a(kFnvOffset, ""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a(kFnvOffset, "a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a(kFnvOffset, "foobar"), 0x85944171f73967e8ULL);
  EXPECT_EQ(fnv1a_u64(kFnvOffset, 0x61),
            fnv1a(fnv1a(kFnvOffset, "a"), std::string_view("\0\0\0\0\0\0\0", 7)));
}

TEST(time, MillisecondsRoundTrip) {
  EXPECT_DOUBLE_EQ(ms(std::chrono::microseconds(2500)), 2.5);
  EXPECT_DOUBLE_EQ(seconds(std::chrono::milliseconds(1500)), 1.5);
  EXPECT_EQ(from_ms(2.5), std::chrono::microseconds(2500));
}

TEST(ticks, ADeadlineIsDueAtTheFirstTickAtOrAfterIt) {
  EXPECT_EQ(due_tick(1010.0, 1000), 1010u);   // on a tick: that tick
  EXPECT_EQ(due_tick(1010.25, 1000), 1011u);  // between ticks: the next
  EXPECT_EQ(due_tick(1000.5, 1000), 1001u);
  EXPECT_EQ(due_tick(999.0, 1000), 1000u);  // already past: due now, never in the past
  EXPECT_EQ(due_tick(1000.0, 1000), 1000u);
  // A stale loop clock changes nothing: the tick is the deadline's, not the clock's plus a wait.
  EXPECT_EQ(due_tick(1010.25, 900), 1011u);
}

TEST(ticks, BucketsCountWaitsPerDueTickAndReleaseThemWhenItIsReached) {
  tick_buckets b;
  EXPECT_TRUE(b.empty());
  b.add(1011, 1010.2);
  b.add(1011, 1010.9);
  b.add(1012, 1011.4);
  b.add(1015, 1014.1);
  EXPECT_EQ(b.buckets(), 3u);
  EXPECT_EQ(b.next_due(), 1011u);
  EXPECT_EQ(b.take_due(1010).count, 0u);  // nothing is due before its tick
  const tick_buckets::fired first = b.take_due(1012);
  EXPECT_EQ(first.count, 3u);
  EXPECT_DOUBLE_EQ(first.latest_deadline_ms, 1011.4);
  EXPECT_EQ(b.next_due(), 1015u);  // the timer is re-armed for the next non-empty bucket
  EXPECT_EQ(b.take_due(1020).count, 1u);
  EXPECT_TRUE(b.empty());
}

TEST(ticks, AWaitAddedOutOfTickOrderStillLandsInItsBucket) {
  tick_buckets b;
  b.add(1012, 1011.5);
  b.add(1011, 1010.5);  // earlier than the newest bucket
  b.add(1012, 1011.7);
  EXPECT_EQ(b.buckets(), 2u);
  EXPECT_EQ(b.take_due(1011).count, 1u);
  EXPECT_EQ(b.take_due(1012).count, 2u);
}

TEST(arrivals, ConstantRateGivesRateTimesDurationEvenlySpaced) {
  const arrivals a = arrivals::constant(1000, 0.5);
  ASSERT_EQ(a.offsets.size(), 500u);
  EXPECT_EQ(a.offsets[0], clock::duration::zero());
  EXPECT_NEAR(seconds(a.offsets[100]), 0.1, 1e-9);
}

TEST(arrivals, PoissonIsSeededAndHasItsRate) {
  const arrivals a = arrivals::poisson(2000, 5.0, 7);
  const arrivals b = arrivals::poisson(2000, 5.0, 7);
  EXPECT_EQ(a.offsets, b.offsets);
  // 10,000 expected arrivals: the count's standard deviation is 100; allow 5 of them.
  EXPECT_NEAR(static_cast<double>(a.offsets.size()), 10'000.0, 500.0);
  EXPECT_TRUE(std::is_sorted(a.offsets.begin(), a.offsets.end()));
}

TEST(arrivals, PoissonStopsAtItsDurationOrItsItemCountWhicheverComesFirst) {
  // 100,000/s for 2 s would be 200,000 arrivals: the count stops it first.
  EXPECT_EQ(arrivals::poisson(100'000, 2.0, 3, 2000).offsets.size(), 2000u);
  // 100/s for 2 s is about 200 arrivals: the duration stops it first.
  const arrivals slow = arrivals::poisson(100, 2.0, 3, 2000);
  EXPECT_LT(slow.offsets.size(), 2000u);
  EXPECT_LT(seconds(slow.offsets.back()), 2.0);
}

TEST(arrivals, EachCallOfABenchmarkDrawsItsOwnSeedAndCopiesShareTheCount) {
  const per_call_seed seeds(10);
  const per_call_seed copy = seeds;  // what a registered benchmark's callable holds
  EXPECT_EQ(seeds.next(), 10u);
  EXPECT_EQ(copy.next(), 11u);
  EXPECT_EQ(seeds.next(), 12u);
  // Three repetitions, three different arrival paths.
  const per_call_seed run(1);
  std::vector<std::vector<clock::duration>> paths;
  for (int rep = 0; rep < 3; ++rep)
    paths.push_back(arrivals::poisson(1000, 0.1, open_seeds::of(run.next()).arrivals).offsets);
  EXPECT_NE(paths[0], paths[1]);
  EXPECT_NE(paths[1], paths[2]);
  EXPECT_NE(paths[0], paths[2]);
}

TEST(arrivals, ArrivalAndLatencySeedsAreSeparateStreams) {
  const open_seeds a = open_seeds::of(1);
  EXPECT_NE(a.arrivals, a.latencies);
  EXPECT_NE(a.arrivals, 1u);  // neither is the run seed itself, the old shared stream
  EXPECT_NE(a.latencies, 1u);
  EXPECT_NE(open_seeds::of(2).arrivals, a.arrivals);
  // Item i's arrival draw and latency draw are uncorrelated over many items (they were one
  // and the same draw when both streams used the run seed).
  constexpr std::size_t n = 20'000;
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = open_unit(item_hash(a.arrivals, i));
    const double y = open_unit(item_hash(a.latencies, i));
    sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y;
  }
  const double cov = sxy / n - (sx / n) * (sy / n);
  const double r = cov / std::sqrt((sxx / n - sx * sx / n / n) * (syy / n - sy * sy / n / n));
  EXPECT_LT(std::abs(r), 0.03);  // 4 standard errors (1 / sqrt(n)) of an independent pair
}

TEST(arrivals, AchievedRateIsOverTheArrivalWindowUnlessDeliveryTakesLonger) {
  using std::chrono::milliseconds;
  // 5 items over 4 ms of arrivals: 4 gaps / 4 ms = 1,000 per second.
  EXPECT_DOUBLE_EQ(achieved_per_second(5, milliseconds(4), milliseconds(4)), 1000.0);
  // Delivered as fast as they arrived, 10 ms later: the latency does not lower the rate.
  EXPECT_DOUBLE_EQ(achieved_per_second(5, milliseconds(4), milliseconds(3)), 1000.0);
  // Results spread over 8 ms: the strategy delivered half as fast as items arrived.
  EXPECT_DOUBLE_EQ(achieved_per_second(5, milliseconds(4), milliseconds(8)), 500.0);
  EXPECT_EQ(achieved_per_second(1, milliseconds(0), milliseconds(0)), 0.0);
}

TEST(arrivals, BadRatesAreRejected) {
  EXPECT_THROW(arrivals::constant(0, 1), std::invalid_argument);
  EXPECT_THROW(arrivals::poisson(-5, 1, 1), std::invalid_argument);
  EXPECT_THROW(arrivals::constant(100, 0), std::invalid_argument);
}

TEST(log_histogram, ReadsAValueBackWithinATenthOfAPercent) {
  for (double ms : {0.001, 0.5, 10.0, 12.345, 999.9, 60'000.0}) {
    const std::int64_t k = log_histogram::bucket(ms);
    const double lo = log_histogram::kMinMs * std::pow(log_histogram::kRatio, k);
    EXPECT_LE(lo, ms * (1 + 1e-12));
    EXPECT_GT(lo * log_histogram::kRatio, ms * (1 - 1e-12));
    EXPECT_NEAR(lo * std::sqrt(log_histogram::kRatio), ms, ms * 0.0005);
  }
  EXPECT_EQ(log_histogram::bucket(0.0), 0);
  EXPECT_EQ(log_histogram::bucket(-1.0), 0);
}

TEST(log_histogram, CountsAndMergesByBucket) {
  log_histogram a, b;
  a.add(10.0);
  a.add(10.0);
  b.add(10.0);
  b.add(20.0);
  a.merge(b);
  ASSERT_EQ(a.counts().size(), 2u);
  EXPECT_EQ(a.counts().at(log_histogram::bucket(10.0)), 3u);
  EXPECT_EQ(a.counts().at(log_histogram::bucket(20.0)), 1u);
}

TEST(speed_reference, IsTheTenthPercentileOfTheCanariesSoFar) {
  speed_reference ref;
  EXPECT_TRUE(std::isnan(ref.reference_ms()));
  for (int i = 1; i <= 11; ++i) ref.add(i);  // sorted 1..11: position 0.1 * 10 = 1
  EXPECT_DOUBLE_EQ(ref.reference_ms(), 2.0);
  EXPECT_DOUBLE_EQ(ref.slowdown(3.0), 1.5);
  ref.add(NAN);
  ref.add(-1);
  ref.add(0);
  EXPECT_EQ(ref.samples(), 11u);
}

TEST(speed_reference, OneLuckyCanaryDoesNotMakeTheRunSlow) {
  speed_reference ref;
  ref.add(0.5);  // far faster than the machine ever is again
  for (int i = 0; i < 30; ++i) ref.add(1.0);
  EXPECT_DOUBLE_EQ(ref.reference_ms(), 1.0);
  EXPECT_LE(ref.slowdown(1.05), kSlowdownLimit);
}

TEST(speed_reference, ASlowSpellIsSetAsideAndASlowMachineIsItsOwnReference) {
  speed_reference spell;  // fast most of the time, a third slower for a while
  for (int i = 0; i < 60; ++i) spell.add(1.0 + 0.01 * (i % 5));
  for (int i = 0; i < 40; ++i) spell.add(1.35);
  EXPECT_GT(spell.slowdown(1.35), kSlowdownLimit);
  EXPECT_LE(spell.slowdown(1.04), kSlowdownLimit);
  speed_reference slow;  // the same slow speed all along
  for (int i = 0; i < 50; ++i) slow.add(1.35 + 0.01 * (i % 5));
  EXPECT_LE(slow.slowdown(1.39), kSlowdownLimit);
}

}  // namespace
}  // namespace fanout::measure
