// Tests for harness/async/task.hpp: values, void and exceptions through nested awaits, the
// context handed down from awaiter to awaited task, block_on, and frames that are never run.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "harness/async/event_loop.hpp"
#include "harness/async/sleep.hpp"
#include "harness/async/task.hpp"

namespace fanout::async {
namespace {

// Counts live instances, so that a test can see a frame's locals and parameters destroyed.
struct tracked {
  explicit tracked(int* live) : live_(live) { ++*live_; }
  tracked(const tracked& o) : live_(o.live_) { ++*live_; }
  ~tracked() { --*live_; }
  int* live_;
};

task<int> leaf(int v) { co_return v; }
task<int> middle(int v) { co_return 2 * co_await leaf(v); }
task<int> top(int v) { co_return 1 + co_await middle(v); }

TEST(Task, ValueThroughNestedAwaits) {
  event_loop loop;
  EXPECT_EQ(loop.block_on(top(20)), 41);
}

TEST(Task, ValueAcrossASuspension) {
  event_loop loop;
  auto after_sleep = []() -> task<std::string> {
    co_await sleep_for(1.0);
    co_return std::string("woken");
  };
  auto outer = [&]() -> task<std::string> { co_return co_await after_sleep() + "!"; };
  EXPECT_EQ(loop.block_on(outer()), "woken!");
}

TEST(Task, MoveOnlyValue) {
  event_loop loop;
  auto make = []() -> task<std::unique_ptr<int>> { co_return std::make_unique<int>(7); };
  auto outer = [&]() -> task<int> {
    std::unique_ptr<int> p = co_await make();
    co_return *p;
  };
  EXPECT_EQ(loop.block_on(outer()), 7);
}

TEST(Task, VoidTasksRunInOrder) {
  event_loop loop;
  std::vector<int> events;
  auto step = [&](int i) -> task<void> {
    events.push_back(i);
    co_await sleep_for(0.0);
    events.push_back(10 * i);
  };
  auto outer = [&]() -> task<void> {
    co_await step(1);
    co_await step(2);
    events.push_back(99);
  };
  loop.block_on(outer());
  EXPECT_EQ(events, (std::vector<int>{1, 10, 2, 20, 99}));
}

task<int> thrower(bool suspend_first) {
  if (suspend_first) co_await sleep_for(0.5);
  throw std::runtime_error("leaf failed");
  co_return 0;
}
task<int> pass_through(bool suspend_first) { co_return co_await thrower(suspend_first) + 1; }

TEST(Task, ExceptionPropagatesThroughNestedAwaitsToBlockOn) {
  for (const bool suspend_first : {false, true}) {
    SCOPED_TRACE(suspend_first);
    event_loop loop;
    try {
      loop.block_on(pass_through(suspend_first));
      ADD_FAILURE() << "block_on did not rethrow";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "leaf failed");
    }
  }
}

TEST(Task, ExceptionCanBeCaughtByTheAwaiter) {
  event_loop loop;
  auto recover = [&]() -> task<std::string> {
    try {
      co_await pass_through(true);
    } catch (const std::runtime_error& e) {
      co_return std::string("caught: ") + e.what();
    }
    co_return std::string("not caught");
  };
  EXPECT_EQ(loop.block_on(recover()), "caught: leaf failed");
}

TEST(Task, VoidTaskException) {
  event_loop loop;
  auto fail = []() -> task<void> {
    co_await sleep_for(0.0);
    throw std::logic_error("void failed");
  };
  auto outer = [&]() -> task<void> { co_await fail(); };
  EXPECT_THROW(loop.block_on(outer()), std::logic_error);
}

// Symmetric transfer: a long chain of awaits neither recurses on the stack nor loses values.
task<int> chain(int depth) {
  if (depth == 0) co_return 0;
  co_return 1 + co_await chain(depth - 1);
}

TEST(Task, DeepChainOfAwaits) {
  event_loop loop;
  EXPECT_EQ(loop.block_on(chain(2000)), 2000);
}

TEST(Task, ContextIsHandedDownToAwaitedTasks) {
  event_loop loop;
  auto inner = []() -> task<context> { co_return co_await current_context{}; };
  auto outer = [&]() -> task<std::pair<context, context>> {
    const context mine = co_await current_context{};
    const context child = co_await inner();
    co_return std::pair{mine, child};
  };
  const auto [mine, child] = loop.block_on(outer());
  EXPECT_EQ(mine.loop, &loop);
  EXPECT_EQ(mine.on_wake, resume_waker::instance());
  EXPECT_EQ(mine.loop->pool(), nullptr);
  EXPECT_EQ(child.loop, mine.loop);
  EXPECT_EQ(child.on_wake, mine.on_wake);
}

// The compute pool is the loop's while a block_on that was handed it runs, and only then.
TEST(Task, ThePoolIsTheLoopsForTheBlockOnThatWasHandedIt) {
  struct inline_pool final : compute_pool {
    void submit(void (*fn)(void*), void* arg) override { fn(arg); }
  } pool;
  event_loop loop;
  auto seen = []() -> task<compute_pool*> { co_return (co_await current_context{}).loop->pool(); };
  EXPECT_EQ(loop.block_on(seen(), &pool), &pool);
  EXPECT_EQ(loop.pool(), nullptr);
  EXPECT_EQ(loop.block_on(seen()), nullptr);
}

TEST(Task, IsLazy) {
  event_loop loop;
  bool ran = false;
  auto body = [&]() -> task<int> {
    ran = true;
    co_return 5;
  };
  task<int> t = body();
  EXPECT_FALSE(ran);
  EXPECT_TRUE(t.valid());
  EXPECT_FALSE(t.done());
  EXPECT_EQ(loop.block_on(std::move(t)), 5);
  EXPECT_TRUE(ran);
}

task<int> holds(tracked arg, bool* ran) {
  tracked local = arg;
  *ran = true;
  co_return 1;
}

TEST(Task, DestroyingAnUnstartedTaskFreesItsFrame) {
  int live = 0;
  bool ran = false;
  {
    task<int> t = holds(tracked(&live), &ran);
    EXPECT_EQ(live, 1);  // the parameter copy in the frame
  }
  EXPECT_EQ(live, 0);
  EXPECT_FALSE(ran);
}

TEST(Task, MoveAssignmentDestroysThePreviousFrame) {
  int live = 0;
  bool ran = false;
  task<int> t = holds(tracked(&live), &ran);
  task<int> other = holds(tracked(&live), &ran);
  EXPECT_EQ(live, 2);
  t = std::move(other);
  EXPECT_EQ(live, 1);
  EXPECT_FALSE(other.valid());
  t.reset();
  EXPECT_EQ(live, 0);
  EXPECT_FALSE(t.valid());
  EXPECT_FALSE(ran);
}

TEST(Task, FinishedFrameIsFreedWithItsTask) {
  int live = 0;
  bool ran = false;
  {
    event_loop loop;
    EXPECT_EQ(loop.block_on(holds(tracked(&live), &ran)), 1);
    EXPECT_TRUE(ran);
  }
  EXPECT_EQ(live, 0);
}

// block_on must return once its task has finished, wherever in a loop iteration that happens.
// Here the task ends in the timer pass that opens an iteration (its wait fell due while another
// root blocked the loop thread), after which that iteration's poll would otherwise block with
// nothing left to wake it. A hang is a CTest timeout.
TEST(Task, BlockOnReturnsWhenTheTaskEndsAtTheStartOfAnIteration) {
  event_loop loop;
  auto block_loop_thread = []() -> task<void> {
    co_await sleep_for(1.0);
    std::this_thread::sleep_for(std::chrono::milliseconds(6));  // past the other wait's due time
  };
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE(round);
    auto root = [&]() -> task<int> {
      task<void> blocker = block_loop_thread();
      blocker.start(
          co_await current_context{}, [](void*) {}, nullptr);
      co_await sleep_for(3.0);
      co_return round;
    };
    EXPECT_EQ(loop.block_on(root()), round);
  }
}

TEST(Task, StartRunsARootAndCallsOnDone) {
  event_loop loop;
  int done_calls = 0;
  task<int> t = top(1);
  t.start(
      loop.root_context(), [](void* n) { ++*static_cast<int*>(n); }, &done_calls);
  // No suspension point inside: the task has already finished.
  EXPECT_EQ(done_calls, 1);
  EXPECT_TRUE(t.done());
  EXPECT_EQ(t.take(), 3);
}

}  // namespace
}  // namespace fanout::async
