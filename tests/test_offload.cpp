// Tests for harness/async/offload.hpp and harness/async/arena_pool.hpp: with a compute pool the
// function runs on another thread and the coroutine resumes on its loop's thread; without one it
// runs inline on the loop thread; an exception in the function reaches the awaiter; a frame
// cancelled while its part runs on the pool is freed safely. Starts TBB threads: label `tbb`.
#include <gtest/gtest.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "harness/async/arena_pool.hpp"
#include "harness/async/event_loop.hpp"
#include "harness/async/futures_unordered.hpp"
#include "harness/async/offload.hpp"
#include "harness/async/sleep.hpp"
#include "harness/async/task.hpp"

namespace fanout::async {
namespace {

task<void> settle() { co_await sleep_for(2.0); }

struct threads_seen {
  std::thread::id before;
  std::thread::id inside;
  std::thread::id after;
};

task<threads_seen> record_threads() {
  threads_seen seen;
  seen.before = std::this_thread::get_id();
  seen.inside = co_await offload([] { return std::this_thread::get_id(); });
  seen.after = std::this_thread::get_id();
  co_return seen;
}

TEST(Offload, WithAPoolRunsElsewhereAndResumesOnTheLoopThread) {
  tbb::task_arena arena(2, 0);
  arena_pool pool(arena);
  event_loop loop;
  const std::thread::id loop_thread = std::this_thread::get_id();
  for (int round = 0; round < 5; ++round) {
    const threads_seen seen = loop.block_on(record_threads(), &pool);
    EXPECT_EQ(seen.before, loop_thread);
    EXPECT_NE(seen.inside, loop_thread);
    EXPECT_EQ(seen.after, loop_thread);
  }
}

TEST(Offload, WithoutAPoolRunsInlineOnTheLoopThread) {
  event_loop loop;
  const std::thread::id loop_thread = std::this_thread::get_id();
  const threads_seen seen = loop.block_on(record_threads());
  EXPECT_EQ(seen.before, loop_thread);
  EXPECT_EQ(seen.inside, loop_thread);
  EXPECT_EQ(seen.after, loop_thread);
}

task<int> offload_throwing() {
  co_return co_await offload([]() -> int { throw std::runtime_error("offloaded failure"); });
}

TEST(Offload, ExceptionReachesTheAwaiter) {
  tbb::task_arena arena(2, 0);
  arena_pool pool(arena);
  for (const bool with_pool : {false, true}) {
    SCOPED_TRACE(with_pool);
    event_loop loop;
    try {
      loop.block_on(offload_throwing(), with_pool ? &pool : nullptr);
      ADD_FAILURE() << "the exception was lost";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "offloaded failure");
    }
  }
}

TEST(Offload, ValueAndMoveOnlyResults) {
  tbb::task_arena arena(2, 0);
  arena_pool pool(arena);
  event_loop loop;
  auto body = []() -> task<std::string> {
    std::vector<int> data(1000);
    for (int i = 0; i < 1000; ++i) data[i] = i;
    const long sum = co_await offload([&data] {
      long s = 0;
      for (int v : data) s += v;
      return s;
    });
    auto owned = co_await offload([] { return std::make_unique<std::string>("moved"); });
    co_return *owned + " " + std::to_string(sum);
  };
  EXPECT_EQ(loop.block_on(body(), &pool), "moved 499500");
}

// Many children of a poll-driven set offload at once: every part runs on the pool, every
// child resumes on the loop thread, and each gets its own result.
TEST(Offload, ManyChildrenOfASet) {
  constexpr int kChildren = 32;
  tbb::task_arena arena(2, 0);
  arena_pool pool(arena);
  event_loop loop;
  const std::thread::id loop_thread = std::this_thread::get_id();
  std::atomic<int> on_loop_thread{0};
  int resumed_elsewhere = 0;
  auto child = [&](int i) -> task<int> {
    co_await sleep_for(static_cast<double>(i % 3));
    const int v = co_await offload([&on_loop_thread, loop_thread, i] {
      if (std::this_thread::get_id() == loop_thread) on_loop_thread.fetch_add(1);
      return i * i;
    });
    if (std::this_thread::get_id() != loop_thread) ++resumed_elsewhere;
    co_return v;
  };
  auto consume = [&]() -> task<long> {
    futures_unordered<int> set;
    for (int i = 0; i < kChildren; ++i) set.push(child(i));
    long sum = 0;
    int n = 0;
    while (auto done = co_await set.next()) {
      EXPECT_EQ(done->get(), static_cast<int>(done->id * done->id));
      sum += done->get();
      ++n;
    }
    EXPECT_EQ(n, kChildren);
    co_return sum;
  };
  long want = 0;
  for (int i = 0; i < kChildren; ++i) want += i * i;
  EXPECT_EQ(loop.block_on(consume(), &pool), want);
  EXPECT_EQ(on_loop_thread.load(), 0);
  EXPECT_EQ(resumed_elsewhere, 0);
}

// Waits 1 ms, says it is done, returns 2.
task<int> quick(std::atomic<bool>* done) {
  co_await sleep_for(1.0);
  done->store(true);
  co_return 2;
}

// A child cancelled while its part still runs on the pool: the frame waits for the part before
// it is freed, the part's pending wake-up is dropped, and nothing resumes afterwards. The part
// runs on only once the quick child has finished, so the quick child is first however the host
// schedules the two.
TEST(Offload, CancelledWhileThePartRuns) {
  tbb::task_arena arena(2, 0);
  arena_pool pool(arena);
  std::atomic<bool> part_started{false};
  std::atomic<bool> part_finished{false};
  std::atomic<bool> quick_done{false};
  bool resumed_after_part = false;
  {
    event_loop loop;
    auto slow = [&]() -> task<int> {
      const int v = co_await offload([&] {
        part_started.store(true);
        while (!quick_done.load()) std::this_thread::yield();
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        part_finished.store(true);
        return 1;
      });
      resumed_after_part = true;
      co_return v;
    };
    auto consume = [&]() -> task<int> {
      futures_unordered<int> set;
      set.push(slow());
      set.push(quick(&quick_done));
      auto first = co_await set.next();
      co_return first->get();  // the set is destroyed while `slow` waits for the pool
    };
    EXPECT_EQ(loop.block_on(consume(), &pool), 2);
    EXPECT_TRUE(part_finished.load());  // the destructor waited for the part
    EXPECT_FALSE(resumed_after_part);
    loop.block_on(settle());  // a stale wake-up, were one left, would run now
  }
  EXPECT_TRUE(part_started.load());
  EXPECT_FALSE(resumed_after_part);
}

}  // namespace
}  // namespace fanout::async
