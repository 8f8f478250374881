// frame_arena: frames of tasks made on a loop come from its arena, go back to it from any
// thread, and outlive it safely; the arena returns its blocks once every frame is freed.
#include <gtest/gtest.h>

#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "harness/async/event_loop.hpp"
#include "harness/async/frame_arena.hpp"
#include "harness/async/futures_unordered.hpp"
#include "harness/async/sleep.hpp"
#include "harness/async/task.hpp"

namespace fanout::async {
namespace {

task<int> value(int v) { co_return v; }

task<int> waits(int v) {
  co_await sleep_for(1);
  co_return v;
}

TEST(FrameArena, KeepsOneBlockOnceEveryFrameIsFreed) {
  event_loop loop;
  const int sum = loop.block_on([]() -> task<int> {
    futures_unordered<int> set;
    for (int i = 0; i < 10'000; ++i) set.push(waits(i));  // many blocks of frames
    int total = 0;
    while (auto r = co_await set.next()) total += r->get();
    co_return total;
  }());
  EXPECT_EQ(sum, 10'000 * 9'999 / 2);
  EXPECT_EQ(loop.arena()->held_bytes(), frame_arena::kBlockSize);
}

// 40,000 frames are more than kHugeSize of them: past it the frames come from regions of huge
// pages, half are freed on another thread (their owner found by masking, as in a heap block),
// and once all are freed and collected the arena holds its first block again.
TEST(FrameArena, FramesPastTheHugeSizeComeFromHugeRegions) {
  event_loop loop;
  std::vector<task<int>> made;
  loop.block_on([&]() -> task<void> {
    for (int i = 0; i < 40'000; ++i) made.push_back(value(i));
    co_return;
  }());
  EXPECT_GT(loop.arena()->held_bytes(), frame_arena::kHugeSize);
  std::thread([&] { made.resize(20'000); }).join();  // the second half, freed remotely
  const int sum = loop.block_on([&]() -> task<int> {
    int total = 0;
    for (std::size_t i = 0; i < 100; ++i) total += co_await std::move(made[i]);
    made.clear();  // the rest of the first half, freed on the loop without being run
    co_return total;
  }());
  EXPECT_EQ(sum, 4950);
  // A frame made and freed on the loop (the root's frame is the shared arena's: it is made
  // before block_on) collects the remote frees.
  EXPECT_EQ(loop.block_on([]() -> task<int> { co_return co_await value(7); }()), 7);
  EXPECT_EQ(loop.arena()->held_bytes(), frame_arena::kBlockSize);
}

TEST(FrameArena, SizesAboveTheLargestClassComeFromTheHeap) {
  void* p = frame_arena::allocate(frame_arena::kMaxSize + 1);
  frame_arena::deallocate(p, frame_arena::kMaxSize + 1);
  void* q = frame_arena::allocate(frame_arena::kMaxSize);
  frame_arena::deallocate(q, frame_arena::kMaxSize);
}

TEST(FrameArena, AFrameFreedOnAnotherThreadIsReused) {
  event_loop loop;
  std::vector<task<int>> made;
  loop.block_on([&]() -> task<void> {
    for (int i = 0; i < 100; ++i) made.push_back(value(i));
    co_return;
  }());
  std::thread([&] { made.clear(); }).join();  // freed remotely: to the owner's locked list
  const int v = loop.block_on([]() -> task<int> {
    std::vector<task<int>> again;
    for (int i = 0; i < 100; ++i) again.push_back(value(i));  // collects the remote frees
    int total = 0;
    for (auto& t : again) total += co_await std::move(t);
    co_return total;
  }());
  EXPECT_EQ(v, 4950);
  EXPECT_EQ(loop.arena()->held_bytes(), frame_arena::kBlockSize);
}

TEST(FrameArena, FramesOutliveTheirLoop) {
  std::vector<task<int>> made;
  {
    event_loop loop;
    loop.block_on([&]() -> task<void> {
      for (int i = 0; i < 3; ++i) made.push_back(value(i));
      co_return;
    }());
  }  // the arena is handed over to its frames
  event_loop other;
  EXPECT_EQ(other.block_on(std::move(made[1])), 1);
  made.clear();  // the last frees the abandoned arena (ASan's leak check sees it)
}

TEST(FrameArena, ThreadsWithoutALoopShareOneArena) {
  // Loops are made and closed one at a time: libuv, not built for ThreadSanitizer, opens and
  // closes their descriptors unseen, and TSan would take a number reused by two threads for a
  // race. The frames, the subject here, are made and freed on all four threads at once.
  std::mutex loops;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&loops] {
      std::optional<event_loop> loop;
      {
        std::lock_guard lock(loops);
        loop.emplace();
      }
      for (int i = 0; i < 1000; ++i) {
        task<int> made = value(i);  // no loop runs here: the shared arena, under its lock
        EXPECT_EQ(loop->block_on(std::move(made)), i);
      }
      std::lock_guard lock(loops);
      loop.reset();
    });
  }
  for (auto& t : threads) t.join();
}

}  // namespace
}  // namespace fanout::async
