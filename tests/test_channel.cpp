// Tests for harness/async/channel.hpp: the capacity bound (instrumented), send waiting while the
// channel is full (order of events), the channel closing only when the last sender is gone, and
// a receiver that is gone (send returns false, nothing crashes or hangs). Cancellation of either
// side while it waits must leak nothing (LeakSanitizer in the asan preset).
#include <gtest/gtest.h>

#include <atomic>
#include <coroutine>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "harness/async/channel.hpp"
#include "harness/async/event_loop.hpp"
#include "harness/async/runtime.hpp"
#include "harness/async/sleep.hpp"
#include "harness/async/task.hpp"

namespace fanout::async {
namespace {

// Suspends and resumes through the loop's message queue: every wake-up posted before (a remote
// wake of a sender) has run by the time this resumes, which orders events without a timer.
struct yield_to_loop {
  bool await_ready() noexcept { return false; }
  template <class P>
  void await_suspend(std::coroutine_handle<P> h) {
    h.promise().ctx.loop->post([](void* a) { std::coroutine_handle<>::from_address(a).resume(); },
                               h.address());
  }
  void await_resume() noexcept {}
};

void ignore_done(void*) {}

task<bool> send_one(sender<int> tx, int v) { co_return co_await tx.send(v); }

// Started as a root whose frame outlives its end: it drops its sender itself, since a
// parameter lives until the frame is destroyed.
task<void> send_one_into(sender<int> tx, int v, std::vector<bool>* results) {
  results->push_back(co_await tx.send(v));
  tx = sender<int>{};
}

TEST(ChannelDeathTest, CapacityZeroIsRejected) {
  EXPECT_DEATH((void)make_channel<int>(0), "capacity of at least 1");
}

// One loop, one producer: the producer fills the channel and then waits; each receive lets
// exactly one more value in. The log is fully determined by the channel's semantics.
TEST(Channel, SendWaitsWhileFull) {
  event_loop loop;
  std::vector<std::string> log;
  auto [tx, rx] = make_channel<int>(1);
  auto producer = [&log](sender<int> mine) -> task<void> {
    for (int i = 1; i <= 3; ++i) {
      const bool ok = co_await mine.send(i);
      log.push_back((ok ? "sent " : "failed ") + std::to_string(i));
    }
    mine = sender<int>{};  // drop it here rather than when the frame is destroyed
    log.push_back("dropped");
  };
  auto consumer = [&]() -> task<void> {
    task<void> p = producer(std::move(tx));
    p.start(co_await current_context{}, &ignore_done, nullptr);
    EXPECT_EQ(log, std::vector<std::string>{"sent 1"});  // waiting to send 2
    co_await sleep_for(5.0);
    EXPECT_EQ(log, std::vector<std::string>{"sent 1"});  // still waiting: the channel is full
    while (auto v = co_await rx.recv()) {
      log.push_back("recv " + std::to_string(*v));
      co_await yield_to_loop{};
    }
    log.push_back("end");
    EXPECT_TRUE(p.done());
  };
  loop.block_on(consumer());
  EXPECT_EQ(log, (std::vector<std::string>{"sent 1", "recv 1", "sent 2", "recv 2", "sent 3",
                                           "dropped", "recv 3", "end"}));
  EXPECT_EQ(rx.max_buffered(), 1u);
}

// One loop: senders that find the channel full queue up; the buffer never exceeds capacity.
TEST(Channel, FullChannelHoldsExactlyItsCapacity) {
  for (const std::size_t cap : {1u, 2u, 8u}) {
    SCOPED_TRACE(cap);
    event_loop loop;
    auto [tx, rx] = make_channel<int>(cap);
    std::vector<bool> results;
    std::vector<task<void>> senders;
    const int n = static_cast<int>(cap) + 5;
    for (int i = 0; i < n; ++i) {
      senders.push_back(send_one_into(tx, i, &results));
      senders.back().start(loop.root_context(), &ignore_done, nullptr);
    }
    EXPECT_EQ(results.size(), cap);  // the rest wait for room
    EXPECT_EQ(rx.max_buffered(), cap);
    tx = sender<int>{};
    auto drain = [&]() -> task<std::vector<int>> {
      std::vector<int> got;
      while (auto v = co_await rx.recv()) got.push_back(*v);
      co_return got;
    };
    std::vector<int> got = loop.block_on(drain());
    for (const task<void>& t : senders) EXPECT_TRUE(t.done());
    std::vector<int> want(n);
    for (int i = 0; i < n; ++i) want[i] = i;
    EXPECT_EQ(got, want);  // waiting senders were admitted in FIFO order
    EXPECT_EQ(results, std::vector<bool>(n, true));
    EXPECT_EQ(rx.max_buffered(), cap);
  }
}

task<void> produce_many(sender<std::pair<int, int>> tx, int producer, int count,
                        std::atomic<int>* failed) {
  for (int k = 0; k < count; ++k) {
    if (!co_await tx.send({producer, k})) failed->fetch_add(1);
    if (k % 16 == 0) co_await sleep_for(0.0);  // interleave with the other producers
  }
}

// Many producers on a runtime, one consumer on the caller's loop.
TEST(Channel, CapacityBoundWithManyProducersOnARuntime) {
  constexpr int kProducers = 12;
  constexpr int kPerProducer = 60;
  for (const std::size_t workers : {1u, 2u, 8u}) {
    for (const std::size_t cap : {1u, 2u, 8u}) {
      SCOPED_TRACE("workers " + std::to_string(workers) + " capacity " + std::to_string(cap));
      event_loop loop;
      runtime rt(workers);
      std::atomic<int> failed{0};
      auto [tx, rx] = make_channel<std::pair<int, int>>(cap);
      for (int p = 0; p < kProducers; ++p) rt.spawn(produce_many(tx, p, kPerProducer, &failed));
      tx = {};
      auto consume = [&]() -> task<std::map<int, std::vector<int>>> {
        std::map<int, std::vector<int>> by_producer;
        int n = 0;
        while (auto v = co_await rx.recv()) {
          by_producer[v->first].push_back(v->second);
          // A slow consumer now and then, so that producers pile up behind a full channel.
          if (++n % 50 == 0) co_await sleep_for(1.0);
        }
        co_return by_producer;
      };
      const auto by_producer = loop.block_on(consume());
      EXPECT_EQ(failed.load(), 0);
      ASSERT_EQ(by_producer.size(), static_cast<std::size_t>(kProducers));
      for (const auto& [p, values] : by_producer) {
        std::vector<int> want(kPerProducer);
        for (int k = 0; k < kPerProducer; ++k) want[k] = k;
        EXPECT_EQ(values, want) << "producer " << p;  // each producer's values in send order
      }
      EXPECT_GE(rx.max_buffered(), 1u);
      EXPECT_LE(rx.max_buffered(), cap);
    }
  }
}

TEST(Channel, BufferedValuesAreDrainedBeforeTheEnd) {
  event_loop loop;
  auto [tx, rx] = make_channel<int>(8);
  for (int i = 1; i <= 3; ++i) EXPECT_TRUE(loop.block_on(send_one(tx, i)));
  tx = sender<int>{};
  auto drain = [&]() -> task<std::vector<std::optional<int>>> {
    std::vector<std::optional<int>> got;
    for (int i = 0; i < 5; ++i) got.push_back(co_await rx.recv());
    co_return got;
  };
  EXPECT_EQ(loop.block_on(drain()),
            (std::vector<std::optional<int>>{1, 2, 3, std::nullopt, std::nullopt}));
}

task<void> send_and_forget(sender<int> tx, int v) { (void)co_await tx.send(v); }

task<void> hold_then_drop(sender<int> tx, std::atomic<int>* seq, std::atomic<int>* drop_at) {
  co_await sleep_for(30.0);
  drop_at->store(seq->fetch_add(1));
  tx = sender<int>{};
}

// The consumer learns that the stream has ended only because the last sender went away: one
// extra sender is kept alive after every value has been sent, and the consumer's end of stream
// must come after that sender is dropped. There is no count-based shortcut to take.
TEST(Channel, ClosesOnlyWhenTheLastSenderIsGone) {
  constexpr int kItems = 20;
  event_loop loop;
  runtime rt(2);
  std::atomic<int> seq{0};
  std::atomic<int> drop_at{-1};
  int all_received_at = -1;
  int end_at = -1;
  auto [tx, rx] = make_channel<int>(1);
  rt.spawn(hold_then_drop(tx, &seq, &drop_at));
  for (int i = 0; i < kItems; ++i) rt.spawn(send_and_forget(tx, i));
  tx = sender<int>{};
  auto consume = [&]() -> task<int> {
    int sum = 0;
    int n = 0;
    while (auto v = co_await rx.recv()) {
      sum += *v;
      if (++n == kItems) all_received_at = seq.fetch_add(1);
    }
    end_at = seq.fetch_add(1);
    co_return sum;
  };
  EXPECT_EQ(loop.block_on(consume()), kItems * (kItems - 1) / 2);
  ASSERT_GE(all_received_at, 0);
  ASSERT_GE(drop_at.load(), 0);
  EXPECT_LT(all_received_at, end_at);
  EXPECT_LT(drop_at.load(), end_at);  // the end of stream followed the drop of the last sender
}

TEST(Channel, SendAfterTheReceiverIsGoneReturnsFalse) {
  event_loop loop;
  auto [tx, rx] = make_channel<int>(2);
  { receiver<int> gone = std::move(rx); }
  EXPECT_FALSE(loop.block_on(send_one(tx, 1)));
  EXPECT_FALSE(loop.block_on(send_one(tx, 2)));  // never buffered, never waits

  // The same from a runtime worker.
  std::promise<bool> sent;  // outlives the runtime, whose worker fulfils it
  runtime rt(1);
  auto from_worker = [](sender<int> s, std::promise<bool>* out) -> task<void> {
    out->set_value(co_await s.send(3));
  };
  rt.spawn(from_worker(tx, &sent));
  EXPECT_FALSE(sent.get_future().get());
}

// A sender waiting for room learns that the receiver is gone: its send returns false.
TEST(Channel, WaitingSenderIsReleasedWhenTheReceiverGoes) {
  event_loop loop;
  auto [tx, rx] = make_channel<int>(1);
  std::optional<receiver<int>> owned(std::move(rx));
  std::vector<bool> results;
  task<void> first = send_one_into(tx, 1, &results);
  task<void> second = send_one_into(tx, 2, &results);
  first.start(loop.root_context(), &ignore_done, nullptr);
  second.start(loop.root_context(), &ignore_done, nullptr);
  EXPECT_EQ(results, std::vector<bool>{true});  // the second waits: the channel is full
  owned.reset();
  loop.block_on([]() -> task<void> { co_await yield_to_loop{}; }());
  EXPECT_TRUE(second.done());
  EXPECT_EQ(results, (std::vector<bool>{true, false}));
}

// A sender cancelled while it waits for room leaves the queue: its value never arrives, and its
// pending wake-up is freed (LeakSanitizer).
TEST(Channel, SenderCancelledWhileWaitingLeavesTheQueue) {
  event_loop loop;
  auto [tx, rx] = make_channel<int>(1);
  EXPECT_TRUE(loop.block_on(send_one(tx, 1)));
  std::vector<bool> results;
  task<void> waiting = send_one_into(tx, 2, &results);
  waiting.start(loop.root_context(), &ignore_done, nullptr);
  EXPECT_FALSE(waiting.done());
  waiting.reset();  // cancel it while it waits
  tx = sender<int>{};
  auto drain = [&]() -> task<std::vector<int>> {
    std::vector<int> got;
    while (auto v = co_await rx.recv()) got.push_back(*v);
    co_return got;
  };
  EXPECT_EQ(loop.block_on(drain()), std::vector<int>{1});
  EXPECT_TRUE(results.empty());
}

task<void> receive_one(receiver<int> rx, bool* got) {
  (void)co_await rx.recv();
  *got = true;
}

// A receiver cancelled while it waits (its frame destroyed, as a set cancels a child): later
// sends return false and dropping the last sender must not signal the departed receiver.
TEST(Channel, ReceiverCancelledWhileWaiting) {
  event_loop loop;
  auto [tx, rx] = make_channel<int>(1);
  bool got = false;
  task<void> waiting = receive_one(std::move(rx), &got);
  waiting.start(loop.root_context(), &ignore_done, nullptr);
  EXPECT_FALSE(waiting.done());
  waiting.reset();  // the receiver is destroyed with the frame
  EXPECT_FALSE(loop.block_on(send_one(tx, 1)));
  tx = sender<int>{};  // the last sender goes
  loop.block_on([]() -> task<void> { co_await sleep_for(1.0); }());
  EXPECT_FALSE(got);
}

}  // namespace
}  // namespace fanout::async
