// The hazards of docs/design.md section 4 are mechanisms, not accidents of timing: the naive
// buffered stream starves its children whenever its consumer is busy, and the fixes do not.
// The assertions count timeouts with generous margins (the reference point gives 18 of 20
// naive timeouts and 0 fixed ones on an idle machine) and never assert durations.
#include <gtest/gtest.h>

#include <chrono>

#include "harness/async/futures_unordered.hpp"
#include "harness/async/semaphore.hpp"
#include "harness/hazards/buffered_stream.hpp"
#include "harness/hazards/permit_deadlock.hpp"

namespace fanout::hazards {
namespace {

class buffered_stream_hazard : public ::testing::Test {
 protected:
  async::event_loop loop_;
  async::runtime rt_{2};
  buffered_stream_config cfg_;  // the reference point: 20 items, limit 5, W = 100 ms

  hazard_run run(buffered_stream_variant v) { return run_buffered_stream(v, cfg_, loop_, rt_); }
};

TEST_F(buffered_stream_hazard, NaiveStreamsTimeOutMostItems) {
  for (auto v : {buffered_stream_variant::naive_buffered,
                 buffered_stream_variant::naive_buffer_unordered}) {
    const hazard_run r = run(v);
    EXPECT_EQ(r.received, cfg_.items) << name(v);
    // Every item but those polled while the consumer happened to be in next() starves for a
    // whole body (100 ms) or more, twice the idle timeout.
    EXPECT_GE(r.timeouts, cfg_.items / 2) << name(v);
  }
}

TEST_F(buffered_stream_hazard, FixesTimeOutNothing) {
  for (auto v : {buffered_stream_variant::spawn, buffered_stream_variant::body_in_future,
                 buffered_stream_variant::select}) {
    const hazard_run r = run(v);
    EXPECT_EQ(r.received, cfg_.items) << name(v);
    EXPECT_LE(r.timeouts, 1u) << name(v);  // the idle timeout is 50 ms; a fixed gap is ~us
  }
}

TEST_F(buffered_stream_hazard, ChannelFixNeedsCapacity) {
  cfg_.capacity = 1;  // the producer blocks on send, stops polling: the hazard again
  const hazard_run tight = run(buffered_stream_variant::channel);
  cfg_.capacity = cfg_.items;  // the producer never blocks
  const hazard_run roomy = run(buffered_stream_variant::channel);
  EXPECT_EQ(tight.received, cfg_.items);
  EXPECT_EQ(roomy.received, cfg_.items);
  EXPECT_GE(tight.timeouts, cfg_.items / 2);
  EXPECT_LE(roomy.timeouts, 1u);
}

TEST_F(buffered_stream_hazard, AQuickBodyStarvesNobody) {
  cfg_.body_ms = 0;
  const hazard_run r = run(buffered_stream_variant::naive_buffered);
  EXPECT_LE(r.timeouts, 1u);
}

TEST(permit_deadlock, WatchdogTurnsTheDeadlockIntoAnErrorInBoundedTime) {
  async::event_loop loop;
  async::runtime rt(2);
  permit_deadlock_config cfg;
  cfg.watchdog_ms = 300;
  const auto t0 = std::chrono::steady_clock::now();
  const hazard_run r = run_permit_deadlock(permit_deadlock_variant::naive, cfg, loop, rt);
  EXPECT_TRUE(r.deadlocked);
  EXPECT_LT(r.received, cfg.items);
  // Bounded: the watchdog's time plus teardown, far from a hang (CTest's timeout is the net).
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));
}

TEST(permit_deadlock, FixedVariantsComplete) {
  async::event_loop loop;
  async::runtime rt(2);
  permit_deadlock_config cfg;
  for (auto v : {permit_deadlock_variant::spawn, permit_deadlock_variant::body_in_future}) {
    const hazard_run r = run_permit_deadlock(v, cfg, loop, rt);
    EXPECT_FALSE(r.deadlocked) << name(v);
    EXPECT_EQ(r.received, cfg.items) << name(v);
  }
}

async::task<int> hold(async::semaphore& s, int id, double ms, std::vector<int>& order,
                      int& inside, int& most) {
  auto permit = co_await s.acquire();
  order.push_back(id);
  most = std::max(most, ++inside);
  co_await async::sleep_for(ms);
  --inside;
  co_return id;
}

// Six holders at once on one loop, in a set: they contend for two permits.
async::task<void> contend(async::semaphore& s, std::vector<int>& order, int& most) {
  int inside = 0;
  async::futures_unordered<int> holders;
  for (int i = 0; i < 6; ++i) holders.push(hold(s, i, 2.0, order, inside, most));
  while (co_await holders.next()) {
  }
}

TEST(semaphore, NeverMorePermitsOutThanItHasAndServesInOrder) {
  async::event_loop loop;
  async::semaphore s(2);
  std::vector<int> order;
  int most = 0;
  loop.block_on(contend(s, order, most));
  EXPECT_LE(most, 2);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(s.available(), 2u);
}

}  // namespace
}  // namespace fanout::hazards
