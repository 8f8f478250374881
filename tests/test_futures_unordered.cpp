// Tests for harness/async/futures_unordered.hpp and harness/async/buffered.hpp (the poll-driven
// sets of harness/async/poll_set.hpp): completion order, input order, the in-flight limit
// (instrumented), the poll-driven property itself, cancellation, borrowing, and a set far larger
// than one chunk of child slots.
//
// Everything runs on one loop, so the order of events is fixed by the timers' deadlines; no test
// asserts on a duration.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/async/buffered.hpp"
#include "harness/async/event_loop.hpp"
#include "harness/async/futures_unordered.hpp"
#include "harness/async/sleep.hpp"
#include "harness/async/task.hpp"
#include "retry_stalled.hpp"

namespace fanout::async {
namespace {

task<int> after(double ms, int v) {
  co_await sleep_for(ms);
  co_return v;
}

// Children that are running (started, not yet finished), and the most ever at once.
struct concurrency {
  int running = 0;
  int max_running = 0;
  int started = 0;
  int past_sleep = 0;
  int destroyed = 0;
};

// Counts the frame's destruction, whether the child finished or was cancelled.
struct frame_guard {
  concurrency* c;
  ~frame_guard() { ++c->destroyed; }
};

task<int> counted(concurrency* c, double ms, int v) {
  frame_guard guard{c};
  ++c->started;
  c->max_running = std::max(c->max_running, ++c->running);
  co_await sleep_for(ms);
  ++c->past_sleep;
  --c->running;
  co_return v;
}

template <class Set>
task<std::vector<std::size_t>> ids_in_yield_order(Set& set) {
  std::vector<std::size_t> ids;
  while (auto done = co_await set.next()) {
    EXPECT_TRUE(done->ok());
    EXPECT_EQ(done->get(), static_cast<int>(done->id));
    ids.push_back(done->id);
  }
  co_return ids;
}

TEST(FuturesUnordered, EmptySetEndsAtOnce) {
  event_loop loop;
  auto consume = []() -> task<bool> {
    futures_unordered<int> set;
    EXPECT_TRUE(set.empty());
    co_return !(co_await set.next()).has_value();
  };
  EXPECT_TRUE(loop.block_on(consume()));
}

TEST(FuturesUnordered, YieldsInCompletionOrder) {
  auto run = [] {
    event_loop loop;
    auto consume = []() -> task<std::vector<std::size_t>> {
      futures_unordered<int> set;
      for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(set.push(after(10.0 * (5 - i), i)), static_cast<std::size_t>(i));
      }
      EXPECT_EQ(set.size(), 5u);
      co_return co_await ids_in_yield_order(set);
    };
    return loop.block_on(consume());
  };
  const std::vector<std::size_t> want{4, 3, 2, 1, 0};
  EXPECT_EQ(testing::retried_until(run, want), want);
}

TEST(FuturesUnordered, ThrowingChildIsItsOutcome) {
  event_loop loop;
  auto fail_after = [](double ms) -> task<int> {
    co_await sleep_for(ms);
    throw std::runtime_error("child failed");
  };
  auto consume = [&]() -> task<std::vector<outcome<int>>> {
    futures_unordered<int> set;
    set.push(after(1.0, 0));
    set.push(fail_after(2.0));
    set.push(after(3.0, 2));
    std::vector<outcome<int>> outs;
    while (auto done = co_await set.next()) outs.push_back(std::move(*done));
    co_return outs;
  };
  std::vector<outcome<int>> outs = loop.block_on(consume());
  ASSERT_EQ(outs.size(), 3u);
  EXPECT_EQ(outs[0].id, 0u);
  EXPECT_EQ(outs[0].get(), 0);
  EXPECT_EQ(outs[1].id, 1u);
  EXPECT_FALSE(outs[1].ok());
  EXPECT_EQ(describe(outs[1].error), "child failed");
  EXPECT_EQ(outs[2].id, 2u);
  EXPECT_EQ(outs[2].get(), 2);
}

// The poll-driven property (docs/design.md section 1): a child whose timer has fired while the
// consumer is busy elsewhere is not resumed until the consumer calls next().
std::vector<std::string> busy_consumer_log(bool* fired_before_next) {
  event_loop loop;
  std::vector<std::string> log;
  clock::time_point b_fired{};
  clock::time_point next_called{};
  auto child = [&](std::string name, double ms) -> task<int> {
    const clock::time_point fired = co_await sleep_for(ms);
    if (name == "B") b_fired = fired;
    log.push_back(name + " resumed");
    co_return 0;
  };
  auto consume = [&]() -> task<void> {
    futures_unordered<int> set;
    set.push(child("A", 1.0));
    set.push(child("B", 5.0));
    const auto first = co_await set.next();  // starts both; A finishes first
    EXPECT_EQ(first->id, 0u);
    log.push_back("consumer busy");
    co_await sleep_for(30.0);  // busy elsewhere, not in next(): B's timer fires meanwhile
    next_called = clock::now();
    log.push_back("consumer calls next");
    const auto second = co_await set.next();
    EXPECT_EQ(second->id, 1u);
    EXPECT_FALSE((co_await set.next()).has_value());
  };
  loop.block_on(consume());
  *fired_before_next = b_fired < next_called;
  return log;
}

TEST(FuturesUnordered, PollDrivenChildWaitsForNext) {
  bool fired_before_next = false;
  EXPECT_EQ(
      busy_consumer_log(&fired_before_next),
      (std::vector<std::string>{"A resumed", "consumer busy", "consumer calls next", "B resumed"}));
  EXPECT_TRUE(fired_before_next);  // B was ready all along; it waited for the poll
}

// A stream polled from a child of a futures_unordered is itself polled only when the outer
// consumer polls: the inner child's timer fires while the outer consumer is busy, and neither
// the inner child nor its consumer (the outer child) resumes before the outer next().
TEST(FuturesUnordered, NestedSetIsPolledOnlyByItsParent) {
  event_loop loop;
  std::vector<std::string> log;
  auto inner_child = [&log](std::size_t) -> task<int> {
    co_await sleep_for(5.0);
    log.push_back("inner child resumed");
    co_return 1;
  };
  auto outer_child = [&]() -> task<int> {
    auto make = [&inner_child](std::size_t i) { return inner_child(i); };
    buffer_unordered<int, decltype(make)> inner(1, 1, make);
    auto got = co_await inner.next();
    log.push_back("outer child got its inner result");
    co_return got->get() + 1;
  };
  auto consume = [&]() -> task<void> {
    futures_unordered<int> set;
    set.push(after(1.0, 0));
    set.push(outer_child());
    const auto first = co_await set.next();  // starts both; the first finishes first
    EXPECT_EQ(first->id, 0u);
    co_await sleep_for(30.0);  // busy elsewhere: the inner timer fires meanwhile
    log.push_back("outer consumer calls next");
    auto second = co_await set.next();
    EXPECT_EQ(second->id, 1u);
    EXPECT_EQ(second->get(), 2);
  };
  loop.block_on(consume());
  EXPECT_EQ(log, (std::vector<std::string>{"outer consumer calls next", "inner child resumed",
                                           "outer child got its inner result"}));
}

// Children start on the first next() after their push, not at the push.
TEST(FuturesUnordered, ChildrenStartOnNext) {
  event_loop loop;
  concurrency c;
  auto consume = [&]() -> task<void> {
    futures_unordered<int> set;
    set.push(counted(&c, 1.0, 0));
    set.push(counted(&c, 1.0, 1));
    co_await sleep_for(2.0);
    EXPECT_EQ(c.started, 0);
    (void)co_await set.next();
    EXPECT_EQ(c.started, 2);
    (void)co_await set.next();
  };
  loop.block_on(consume());
  EXPECT_EQ(c.destroyed, 2);
}

// Destroying the set cancels the children still waiting; their timers are closed (the loop's
// destructor checks that no handle is left open) and their frames freed (LeakSanitizer).
TEST(FuturesUnordered, DestroyingTheSetCancelsTheChildren) {
  concurrency c;
  {
    event_loop loop;
    auto consume = [&]() -> task<int> {
      futures_unordered<int> set;
      for (int i = 0; i < 4; ++i) set.push(counted(&c, 10'000.0, -1));
      set.push(counted(&c, 1.0, 7));
      auto first = co_await set.next();
      co_return first->get();  // the set and its sleeping children go here
    };
    EXPECT_EQ(loop.block_on(consume()), 7);
    EXPECT_EQ(c.started, 5);
    EXPECT_EQ(c.past_sleep, 1);
    EXPECT_EQ(c.destroyed, 5);
  }
  EXPECT_EQ(c.past_sleep, 1);
}

// A consumer cancelled while parked in next() takes its set and the set's children with it.
TEST(FuturesUnordered, CancelledConsumerCancelsTheChildren) {
  concurrency c;
  event_loop loop;
  auto consume = [&]() -> task<void> {
    futures_unordered<int> set;
    for (int i = 0; i < 3; ++i) set.push(counted(&c, 10'000.0, i));
    (void)co_await set.next();
    ADD_FAILURE() << "next() returned although every child sleeps 10 s";
  };
  task<void> consumer = consume();
  consumer.start(
      loop.root_context(), [](void*) {}, nullptr);
  EXPECT_EQ(c.started, 3);
  consumer.reset();
  EXPECT_EQ(c.destroyed, 3);
  loop.block_on(after(1.0, 0));
  EXPECT_EQ(c.past_sleep, 0);
}

// No spawn, so children may borrow from the caller's frame.
TEST(FuturesUnordered, ChildrenBorrowFromTheCaller) {
  event_loop loop;
  auto fill = [](std::vector<int>& shared, std::size_t i) -> task<int> {
    co_await sleep_for(static_cast<double>(i % 3));
    shared[i] = static_cast<int>(3 * i);
    co_return shared[i] + 1;
  };
  auto consume = [&]() -> task<std::vector<int>> {
    std::vector<int> shared(10, -1);  // a local of the consumer, borrowed by every child
    futures_unordered<int> set;
    for (std::size_t i = 0; i < shared.size(); ++i) set.push(fill(shared, i));
    int sum = 0;
    while (auto done = co_await set.next()) sum += done->get();
    EXPECT_EQ(sum, 3 * 45 + 10);
    co_return shared;
  };
  std::vector<int> want(10);
  for (int i = 0; i < 10; ++i) want[i] = 3 * i;
  EXPECT_EQ(loop.block_on(consume()), want);
}

// ---- buffer_unordered and buffered ----

task<int> ready_id(int v) { co_return v; }

// A hundred thousand children, in many chunks of slots: each is yielded once, with its value.
TEST(FuturesUnordered, ManyChildrenEachYieldedOnce) {
  constexpr int kChildren = 100'000;
  event_loop loop;
  auto consume = [&]() -> task<std::vector<int>> {
    futures_unordered<int> set;
    for (int i = 0; i < kChildren; ++i) set.push(ready_id(i));
    std::vector<int> seen(kChildren, 0);
    while (auto done = co_await set.next()) seen[static_cast<std::size_t>(done->get())] += 1;
    co_return seen;
  };
  const std::vector<int> seen = loop.block_on(consume());
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), kChildren);
}

TEST(BufferUnordered, YieldsInCompletionOrder) {
  auto run = [] {
    event_loop loop;
    auto consume = []() -> task<std::vector<std::size_t>> {
      auto make = [](std::size_t i) {
        return after(10.0 * static_cast<double>(6 - i), static_cast<int>(i));
      };
      buffer_unordered<int, decltype(make)> stream(10, 6, make);
      co_return co_await ids_in_yield_order(stream);
    };
    return loop.block_on(consume());
  };
  const std::vector<std::size_t> want{5, 4, 3, 2, 1, 0};
  EXPECT_EQ(testing::retried_until(run, want), want);
}

TEST(Buffered, YieldsInInputOrder) {
  event_loop loop;
  auto consume = []() -> task<std::vector<std::size_t>> {
    auto make = [](std::size_t i) {
      return after(2.0 * static_cast<double>(6 - i), static_cast<int>(i));
    };
    buffered<int, decltype(make)> stream(3, 6, make);
    co_return co_await ids_in_yield_order(stream);
  };
  EXPECT_EQ(loop.block_on(consume()), (std::vector<std::size_t>{0, 1, 2, 3, 4, 5}));
}

// The limit holds however the consumer behaves: it counts children finished but not yet
// yielded, and the consumer here is busy between polls so that finished children pile up.
template <bool Ordered>
void check_limit(std::size_t limit) {
  SCOPED_TRACE("limit " + std::to_string(limit));
  constexpr std::size_t kItems = 20;
  event_loop loop;
  concurrency c;
  auto consume = [&]() -> task<std::size_t> {
    auto make = [&c](std::size_t i) {
      return counted(&c, static_cast<double>((i * 5) % 4), static_cast<int>(i));
    };
    detail::bounded_stream<int, decltype(make), Ordered> stream(limit, kItems, make);
    std::vector<std::size_t> ids;
    while (auto done = co_await stream.next()) {
      EXPECT_LE(stream.in_flight(), limit);
      EXPECT_EQ(done->get(), static_cast<int>(done->id));
      ids.push_back(done->id);
      if (ids.size() % 3 == 0) co_await sleep_for(2.0);  // busy elsewhere
    }
    std::vector<std::size_t> sorted = ids;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < kItems; ++i) EXPECT_EQ(sorted[i], i);
    if (Ordered) {
      EXPECT_EQ(ids, sorted);
    }
    co_return stream.max_in_flight();
  };
  const std::size_t max_in_flight = loop.block_on(consume());
  EXPECT_LE(max_in_flight, limit);
  EXPECT_LE(c.max_running, static_cast<int>(limit));
  // The first poll fills every slot at once, so the bound is reached, not merely respected.
  EXPECT_EQ(max_in_flight, limit);
  EXPECT_EQ(c.max_running, static_cast<int>(limit));
  EXPECT_EQ(c.started, static_cast<int>(kItems));
  EXPECT_EQ(c.destroyed, static_cast<int>(kItems));
}

TEST(BufferUnordered, InFlightNeverAboveLimit) {
  for (const std::size_t limit : {1u, 2u, 3u, 7u}) check_limit<false>(limit);
}

TEST(Buffered, InFlightNeverAboveLimit) {
  for (const std::size_t limit : {1u, 2u, 3u, 7u}) check_limit<true>(limit);
}

// Head-of-line blocking: children 1 and 2 finish before child 0 (which waits for them), but are
// held back, and since they still count against the limit, child 3 does not start before they
// are yielded.
TEST(Buffered, SlowHeadHoldsBackTheRest) {
  event_loop loop;
  std::vector<std::string> log;
  int finished = 0;
  auto child = [&log, &finished](std::size_t i) -> task<int> {
    log.push_back("start " + std::to_string(i));
    do {
      co_await sleep_for(1.0);
    } while (i == 0 && finished < 2);
    ++finished;
    co_return static_cast<int>(i);
  };
  auto consume = [&]() -> task<void> {
    auto make = [&child](std::size_t i) { return child(i); };
    buffered<int, decltype(make)> stream(3, 6, make);
    while (auto done = co_await stream.next()) log.push_back("got " + std::to_string(done->id));
  };
  loop.block_on(consume());
  EXPECT_EQ(log,
            (std::vector<std::string>{"start 0", "start 1", "start 2", "got 0", "got 1", "got 2",
                                      "start 3", "start 4", "start 5", "got 3", "got 4", "got 5"}));
}

// The poll-driven property holds for the bounded streams too.
TEST(BufferUnordered, PollDrivenChildWaitsForNext) {
  event_loop loop;
  std::vector<std::string> log;
  auto child = [&log](std::size_t i) -> task<int> {
    co_await sleep_for(i == 0 ? 1.0 : 5.0);
    log.push_back("child " + std::to_string(i) + " resumed");
    co_return static_cast<int>(i);
  };
  auto consume = [&]() -> task<void> {
    auto make = [&child](std::size_t i) { return child(i); };
    buffer_unordered<int, decltype(make)> stream(2, 2, make);
    (void)co_await stream.next();
    co_await sleep_for(30.0);
    log.push_back("consumer calls next");
    (void)co_await stream.next();
  };
  loop.block_on(consume());
  EXPECT_EQ(
      log, (std::vector<std::string>{"child 0 resumed", "consumer calls next", "child 1 resumed"}));
}

TEST(Buffered, DestroyingTheStreamCancelsTheChildren) {
  concurrency c;
  {
    event_loop loop;
    auto consume = [&]() -> task<int> {
      auto make = [&c](std::size_t i) {
        return counted(&c, i == 0 ? 1.0 : 10'000.0, static_cast<int>(i));
      };
      buffered<int, decltype(make)> stream(3, 10, make);
      auto first = co_await stream.next();
      co_return first->get();
    };
    EXPECT_EQ(loop.block_on(consume()), 0);
    EXPECT_EQ(c.started, 3);  // items 3..9 were never made
    EXPECT_EQ(c.past_sleep, 1);
    EXPECT_EQ(c.destroyed, 3);
  }
}

}  // namespace
}  // namespace fanout::async
