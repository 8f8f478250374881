// Tests for harness/async/join_set.hpp (and the runtime under it): completion order, a failed
// task as that task's outcome, cancellation when the set is destroyed (fast, and leaking nothing
// under LeakSanitizer), the same results whatever the number of workers, and batched spawns:
// each task started once and in spawn order per worker under concurrent spawners, started
// without the consumer joining, freed when the set goes before they were posted, and a set far
// larger than one chunk of entries; tasks that end in one worker turn handed back together.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "harness/async/event_loop.hpp"
#include "harness/async/join_set.hpp"
#include "harness/async/runtime.hpp"
#include "harness/async/sleep.hpp"
#include "harness/async/task.hpp"
#include "retry_stalled.hpp"

namespace fanout::async {
namespace {

const std::size_t kWorkerCounts[] = {1, 2, 8};

task<int> after(double ms, int v) {
  co_await sleep_for(ms);
  co_return v;
}

template <class T>
task<std::vector<outcome<T>>> join_all(join_set<T>& set) {
  std::vector<outcome<T>> out;
  while (auto done = co_await set.join_next()) out.push_back(std::move(*done));
  co_return out;
}

TEST(JoinSet, EmptySetEndsAtOnce) {
  event_loop loop;
  runtime rt(1);
  auto consume = [&]() -> task<bool> {
    join_set<int> set(rt);
    co_return !(co_await set.join_next()).has_value();
  };
  EXPECT_TRUE(loop.block_on(consume()));
}

// Decreasing latencies, 20 ms apart, come back reversed (a try that the host stalled for longer
// than that, on a worker or between spawns, is made again: tests/retry_stalled.hpp).
TEST(JoinSet, ResultsInCompletionOrder) {
  constexpr int kItems = 5;
  for (const std::size_t workers : kWorkerCounts) {
    SCOPED_TRACE(workers);
    auto run = [workers] {
      event_loop loop;
      runtime rt(workers);
      auto consume = [&]() -> task<std::vector<std::size_t>> {
        join_set<int> set(rt);
        for (int i = 0; i < kItems; ++i) {
          EXPECT_EQ(set.spawn(after(20.0 * (kItems - i), i)), static_cast<std::size_t>(i));
        }
        EXPECT_EQ(set.size(), static_cast<std::size_t>(kItems));
        std::vector<std::size_t> ids;
        while (auto done = co_await set.join_next()) {
          EXPECT_TRUE(done->ok());
          EXPECT_EQ(done->get(), static_cast<int>(done->id));
          ids.push_back(done->id);
        }
        EXPECT_EQ(set.size(), 0u);
        co_return ids;
      };
      return loop.block_on(consume());
    };
    const std::vector<std::size_t> want{4, 3, 2, 1, 0};
    EXPECT_EQ(testing::retried_until(run, want), want);
  }
}

task<int> maybe_throw(double ms, int v, bool fail) {
  co_await sleep_for(ms);
  if (fail) throw std::runtime_error("task " + std::to_string(v) + " failed");
  co_return v * 10;
}

TEST(JoinSet, ThrowingTaskSurfacesAsItsOutcome) {
  constexpr int kItems = 6;
  constexpr int kBad = 2;
  event_loop loop;
  runtime rt(2);
  auto consume = [&]() -> task<std::vector<outcome<int>>> {
    join_set<int> set(rt);
    for (int i = 0; i < kItems; ++i) set.spawn(maybe_throw(1.0 + i % 3, i, i == kBad));
    co_return co_await join_all(set);
  };
  std::vector<outcome<int>> outs = loop.block_on(consume());
  ASSERT_EQ(outs.size(), static_cast<std::size_t>(kItems));
  std::sort(outs.begin(), outs.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  for (int i = 0; i < kItems; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(outs[i].id, static_cast<std::size_t>(i));
    if (i == kBad) {
      EXPECT_FALSE(outs[i].ok());
      ASSERT_TRUE(outs[i].error);
      EXPECT_EQ(describe(outs[i].error), "task 2 failed");
      EXPECT_THROW(outs[i].get(), std::runtime_error);
    } else {
      EXPECT_TRUE(outs[i].ok());
      EXPECT_FALSE(outs[i].error);
      EXPECT_EQ(outs[i].get(), i * 10);
    }
  }
}

// What a spawned task did, seen from the test thread. The guard lives in the task's frame: its
// destructor runs when the frame is destroyed, finished or cancelled.
struct probe {
  std::atomic<int> started{0};
  std::atomic<int> past_sleep{0};
  std::atomic<int> destroyed{0};
  std::atomic<int> destroyed_on_test_thread{0};
  std::thread::id test_thread = std::this_thread::get_id();
};

struct frame_guard {
  probe* p;
  ~frame_guard() {
    p->destroyed.fetch_add(1);
    if (std::this_thread::get_id() == p->test_thread) p->destroyed_on_test_thread.fetch_add(1);
  }
};

task<int> probed(probe* p, double ms, int v) {
  frame_guard guard{p};
  p->started.fetch_add(1);
  co_await sleep_for(ms);
  p->past_sleep.fetch_add(1);
  co_return v;
}

// Destroying the set cancels the tasks still sleeping: each frame is destroyed on its worker,
// before the destructor returns. The 10 s sleeps make a missing cancellation a CTest timeout.
TEST(JoinSet, DestroyingTheSetCancelsTheRest) {
  constexpr int kQuick = 3;
  constexpr int kSlow = 5;
  for (const std::size_t workers : kWorkerCounts) {
    SCOPED_TRACE(workers);
    probe p;
    event_loop loop;
    runtime rt(workers);
    auto consume = [&]() -> task<int> {
      join_set<int> set(rt);
      for (int i = 0; i < kSlow; ++i) set.spawn(probed(&p, 10'000.0, -1));
      for (int i = 0; i < kQuick; ++i) set.spawn(probed(&p, 1.0, i));
      int sum = 0;
      for (int i = 0; i < kQuick; ++i) {
        auto done = co_await set.join_next();
        sum += done->get();
      }
      EXPECT_EQ(set.size(), static_cast<std::size_t>(kSlow));
      co_return sum;  // ~join_set cancels the slow ones here
    };
    EXPECT_EQ(loop.block_on(consume()), 0 + 1 + 2);
    EXPECT_EQ(p.started.load(), kQuick + kSlow);
    EXPECT_EQ(p.past_sleep.load(), kQuick);  // no cancelled task ever ran past its sleep
    EXPECT_EQ(p.destroyed.load(), kQuick + kSlow);
    EXPECT_EQ(p.destroyed_on_test_thread.load(), 0);  // every frame freed on its worker
  }
}

// The consumer itself is cancelled while it waits in join_next(): destroying its frame
// destroys the set, which cancels every task.
TEST(JoinSet, CancelledConsumerCancelsTheSet) {
  probe p;
  event_loop loop;
  runtime rt(2);
  auto consume = [&]() -> task<void> {
    join_set<int> set(rt);
    for (int i = 0; i < 4; ++i) set.spawn(probed(&p, 10'000.0, i));
    (void)co_await set.join_next();
    ADD_FAILURE() << "join_next() returned although every task sleeps 10 s";
  };
  task<void> consumer = consume();
  consumer.start(
      loop.root_context(), [](void*) {}, nullptr);
  // Let the consumer park (its uv_async_t now exists) and the workers start every task.
  auto wait_started = [&]() -> task<void> {
    while (p.started.load() < 4) co_await sleep_for(1.0);
  };
  loop.block_on(wait_started());
  EXPECT_FALSE(consumer.done());
  consumer.reset();
  EXPECT_EQ(p.destroyed.load(), 4);
  EXPECT_EQ(p.past_sleep.load(), 0);
}

// Results finished but never joined are freed with the set.
TEST(JoinSet, UnjoinedResultsAreFreedWithTheSet) {
  event_loop loop;
  runtime rt(2);
  auto long_string = [](int i) -> task<std::string> {
    co_await sleep_for(0.5);
    co_return std::string(200, static_cast<char>('a' + i));
  };
  auto consume = [&]() -> task<std::string> {
    join_set<std::string> set(rt);
    for (int i = 0; i < 8; ++i) set.spawn(long_string(i));
    auto first = co_await set.join_next();
    co_await sleep_for(20.0);  // the rest finish meanwhile and wait in the set
    co_return first->get();
  };
  EXPECT_EQ(loop.block_on(consume()).size(), 200u);
}

task<int> square_after(std::size_t i) {
  co_await sleep_for(static_cast<double>((i * 7) % 5));
  co_return static_cast<int>(i * i);
}

TEST(JoinSet, SameResultsWithOneTwoAndEightWorkers) {
  constexpr std::size_t kItems = 40;
  std::vector<std::vector<int>> per_worker_count;
  for (const std::size_t workers : kWorkerCounts) {
    SCOPED_TRACE(workers);
    event_loop loop;
    runtime rt(workers);
    EXPECT_EQ(rt.workers(), workers);
    auto consume = [&]() -> task<std::vector<int>> {
      join_set<int> set(rt);
      for (std::size_t i = 0; i < kItems; ++i) set.spawn(square_after(i));
      std::vector<int> by_id(kItems, -1);
      std::size_t joined = 0;
      while (auto done = co_await set.join_next()) {
        EXPECT_EQ(by_id[done->id], -1) << "id " << done->id << " joined twice";
        by_id[done->id] = done->get();
        ++joined;
      }
      EXPECT_EQ(joined, kItems);
      co_return by_id;
    };
    per_worker_count.push_back(loop.block_on(consume()));
  }
  for (std::size_t i = 0; i < kItems; ++i) EXPECT_EQ(per_worker_count[0][i], int(i * i));
  EXPECT_EQ(per_worker_count[0], per_worker_count[1]);
  EXPECT_EQ(per_worker_count[0], per_worker_count[2]);
}

// Detached tasks: the runtime frees them when they end, and cancels the rest when destroyed.
TEST(Runtime, DestroyingTheRuntimeCancelsDetachedTasks) {
  probe p;
  {
    runtime rt(2);
    auto detached = [](probe* pr, double ms) -> task<void> { (void)co_await probed(pr, ms, 0); };
    for (int i = 0; i < 3; ++i) rt.spawn(detached(&p, 10'000.0));
    for (int i = 0; i < 3; ++i) rt.spawn(detached(&p, 0.0));
    while (p.past_sleep.load() < 3 || p.started.load() < 6) std::this_thread::yield();
  }
  EXPECT_EQ(p.started.load(), 6);
  EXPECT_EQ(p.past_sleep.load(), 3);
  EXPECT_EQ(p.destroyed.load(), 6);
}

// Records started by several spawners at once, each through its own spawn_batch: what each
// task logs when it starts, in the order the workers start them.
struct start_log {
  std::mutex mutex;
  std::vector<std::tuple<int, std::size_t, std::thread::id>> starts;  // spawner, rank, thread
  std::atomic<std::size_t> finished{0};
};

task<void> log_start(start_log* log, int spawner, std::size_t rank) {
  std::lock_guard lock(log->mutex);
  log->starts.emplace_back(spawner, rank, std::this_thread::get_id());
  co_return;
}

class logged final : public detail::spawn_record {
 public:
  explicit logged(task<void> t, start_log* log)
      : spawn_record(t.handle(), &t.handle().promise()), task_(std::move(t)), log_(log) {}
  void on_finished(bool) noexcept override {
    task_.reset();
    log_->finished.fetch_add(1);
  }

 private:
  task<void> task_;
  start_log* log_;
};

// Every task starts exactly once, and a worker starts one spawner's tasks in spawn order, with
// batches posted when full, at odd flushes and at the end, from four threads at once.
TEST(Runtime, BatchedSpawnsStartEachTaskOnceInOrderPerWorker) {
  constexpr int kSpawners = 4;
  constexpr std::size_t kPerSpawner = 1000;
  start_log log;
  std::vector<std::vector<std::unique_ptr<logged>>> records(kSpawners);
  for (int s = 0; s < kSpawners; ++s) {
    for (std::size_t i = 0; i < kPerSpawner; ++i) {
      records[s].push_back(std::make_unique<logged>(log_start(&log, s, i), &log));
    }
  }
  {
    runtime rt(3);
    std::vector<std::thread> spawners;
    for (int s = 0; s < kSpawners; ++s) {
      spawners.emplace_back([&rt, &records, s] {
        spawn_batch batch(rt);
        for (std::size_t i = 0; i < kPerSpawner; ++i) {
          batch.add(records[s][i].get());
          if (i % 37 == 0) batch.flush();
        }
        batch.flush();
        EXPECT_TRUE(batch.empty());
      });
    }
    for (std::thread& t : spawners) t.join();
    const std::size_t all = kSpawners * kPerSpawner;
    for (int polls = 0; log.finished.load() < all && polls < 60'000; ++polls) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_EQ(log.finished.load(), all) << "tasks lost";
  }
  std::vector<std::vector<int>> seen(kSpawners, std::vector<int>(kPerSpawner, 0));
  std::map<std::pair<int, std::thread::id>, std::size_t> next_rank;  // per spawner and worker
  for (const auto& [spawner, rank, thread] : log.starts) {
    seen[spawner][rank] += 1;
    auto [it, fresh] = next_rank.try_emplace({spawner, thread}, rank);
    EXPECT_TRUE(fresh || it->second < rank) << "spawner " << spawner << " rank " << rank;
    it->second = rank;
  }
  for (int s = 0; s < kSpawners; ++s) {
    for (std::size_t i = 0; i < kPerSpawner; ++i) EXPECT_EQ(seen[s][i], 1) << s << "/" << i;
  }
}

task<int> mark_started(std::atomic<int>* started) {
  started->fetch_add(1);
  co_return 7;
}

// A task spawned on a loop starts although the consumer never parks in join_next(): far fewer
// tasks than fill a batch are posted when the consumer's turn ends.
TEST(JoinSet, TaskStartsWhileTheConsumerWaitsElsewhere) {
  for (const std::size_t workers : kWorkerCounts) {
    SCOPED_TRACE(workers);
    event_loop loop;
    runtime rt(workers);
    std::atomic<int> started{0};
    auto consume = [&]() -> task<int> {
      join_set<int> set(rt);
      set.spawn(mark_started(&started));
      for (int turns = 0; started.load() == 0 && turns < 30'000; ++turns) co_await sleep_for(1.0);
      EXPECT_EQ(started.load(), 1) << "the spawned task never started";
      auto done = co_await set.join_next();
      co_return done->get();
    };
    EXPECT_EQ(loop.block_on(consume()), 7);
  }
}

task<int> ready_id(int v) { co_return v; }

// A hundred thousand tasks, in many chunks of entries and many full batches: each is joined
// once, with its value.
TEST(JoinSet, ManyTasksEachJoinedOnce) {
  constexpr int kTasks = 100'000;
  event_loop loop;
  runtime rt(2);
  auto consume = [&]() -> task<std::vector<int>> {
    join_set<int> set(rt);
    for (int i = 0; i < kTasks; ++i) set.spawn(ready_id(i));
    std::vector<int> seen(kTasks, 0);
    while (auto done = co_await set.join_next()) {
      EXPECT_EQ(done->id, static_cast<std::size_t>(done->get()));
      seen[done->id] += 1;
    }
    co_return seen;
  };
  const std::vector<int> seen = loop.block_on(consume());
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), kTasks);
}

// Counts its destruction once, wherever it was moved: as a coroutine's parameter it lives in
// the frame from its making, so it counts frames that never started too.
struct frame_token {
  std::atomic<int>* freed;
  explicit frame_token(std::atomic<int>* f) noexcept : freed(f) {}
  frame_token(frame_token&& o) noexcept : freed(std::exchange(o.freed, nullptr)) {}
  ~frame_token() {
    if (freed != nullptr) freed->fetch_add(1);
  }
};

task<int> held(frame_token, probe* p, double ms) { co_return co_await probed(p, ms, 0); }

// A set destroyed in the turn that spawned into it: tasks already posted (full batches) are
// cancelled on their workers, those still batched are freed unstarted; every frame goes.
TEST(JoinSet, DestroyedBeforeItsBatchesArePosted) {
  constexpr int kTasks = 3 * static_cast<int>(spawn_batch::kMaxPerWorker) + 5;
  for (const std::size_t workers : kWorkerCounts) {
    SCOPED_TRACE(workers);
    probe p;
    std::atomic<int> frames_freed{0};
    event_loop loop;
    runtime rt(workers);
    auto consume = [&]() -> task<int> {
      join_set<int> set(rt);
      for (int i = 0; i < kTasks; ++i) set.spawn(held(frame_token(&frames_freed), &p, 10'000.0));
      EXPECT_EQ(set.size(), static_cast<std::size_t>(kTasks));
      co_return 0;
    };
    EXPECT_EQ(loop.block_on(consume()), 0);
    EXPECT_EQ(frames_freed.load(), kTasks);
    EXPECT_EQ(p.destroyed.load(), p.started.load());  // every task that started was cancelled
    EXPECT_EQ(p.past_sleep.load(), 0);
  }
}

task<int> at_once(frame_token) { co_return 1; }

// Tasks that end as soon as they start wait in their worker's stage until the worker's loop
// turn ends. A set destroyed while they may still be there, or on their way to the consumer,
// waits for them and frees every frame; one joined to the end yields each exactly once.
TEST(JoinSet, TasksEndingInOneWorkerTurnAreHandedBackTogether) {
  constexpr int kTasks = 10 * static_cast<int>(spawn_batch::kMaxPerWorker);
  for (const std::size_t workers : kWorkerCounts) {
    SCOPED_TRACE(workers);
    std::atomic<int> frames_freed{0};
    event_loop loop;
    runtime rt(workers);
    auto abandon = [&]() -> task<int> {
      join_set<int> set(rt);
      for (int i = 0; i < kTasks; ++i) set.spawn(at_once(frame_token(&frames_freed)));
      co_await sleep_for(0.0);  // the spawns are posted; the workers finish them meanwhile
      co_return static_cast<int>(set.size());
    };
    EXPECT_EQ(loop.block_on(abandon()), kTasks);
    EXPECT_EQ(frames_freed.exchange(0), kTasks);
    auto join_all = [&]() -> task<int> {
      join_set<int> set(rt);
      for (int i = 0; i < kTasks; ++i) set.spawn(at_once(frame_token(&frames_freed)));
      int sum = 0;
      while (auto r = co_await set.join_next()) sum += r->get();
      co_return sum;
    };
    EXPECT_EQ(loop.block_on(join_all()), kTasks);
    EXPECT_EQ(frames_freed.load(), kTasks);
  }
}

}  // namespace
}  // namespace fanout::async
