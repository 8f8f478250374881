#pragma once
// What tests/test_net.cpp and tests/test_net_tbb.cpp check for every strategy on the net
// workload: the reference checksum under both connection policies, and each fault (early close,
// truncation, refusal, silence) as that item's error within its timeout. Every test runs in a
// fixture that counts open descriptors before and after it: they must be equal.
#include <gtest/gtest.h>

#include <cstddef>
#include <string>

#include "harness/async/event_loop.hpp"
#include "harness/measure/process.hpp"
#include "harness/strategies/registry.hpp"
#include "registry_types.hpp"
#include "workloads/net.hpp"

namespace fanout::strategies {

inline constexpr std::size_t kNetItems = 20;
inline constexpr std::size_t kNetWorkers = 2;

// Every descriptor a test opens is closed when it ends.
class fd_balance : public ::testing::Test {
 protected:
  void SetUp() override {
    async::open_process_globals();
    before_ = measure::open_fds();
  }
  void TearDown() override { EXPECT_EQ(measure::open_fds(), before_) << "descriptor leak"; }

 private:
  std::size_t before_ = 0;
};

// The server runs in its own process, as in the benchmarks, unless a test injects faults.
inline workloads::net_workload net_tiny(
    workloads::conn_policy conn, double timeout_ms = 2000,
    workloads::server_mode server = workloads::server_mode::process) {
  return {.latency = workloads::latency_dist::parse("uniform:1-3"),
          .conn = conn,
          .seed = 21,
          .server = server,
          .timeout_ms = timeout_ms};
}

template <workload W>
std::uint64_t net_reference(const W& w, std::size_t n) {
  batch<typename W::result> ref(n);
  for (std::size_t i = 0; i < n; ++i) ref.items[i].value.emplace().checksum = w.compute(i);
  return ref.checksum();
}

// `S` returns sequential's checksum, which is the reference's; a pool connects once under
// sequential and a connection per item connects once per item.
template <class S>
void check_net(workloads::conn_policy conn) {
  const workloads::net_workload w = net_tiny(conn).start();
  owned_resources built(kNetWorkers);
  resources res = built.view();
  const options opt{.items = kNetItems, .limit = 4};
  const auto seq = sequential::run(w, opt, res);
  ASSERT_EQ(seq.first_error(), "");
  ASSERT_EQ(seq.checksum(), net_reference(w, kNetItems));
  const bool pooled = conn == workloads::conn_policy::pool;
  EXPECT_EQ(w.stats().opened, pooled ? 1u : kNetItems);
  const auto b = S::run(w, opt, res);
  EXPECT_EQ(b.failure, "");
  EXPECT_EQ(b.first_error(), "");
  EXPECT_EQ(b.succeeded(), kNetItems);
  EXPECT_EQ(b.checksum(), seq.checksum());
  EXPECT_EQ(w.stats().first_errno, 0);
}

// A fault on item 7 (or a refused port for all) is an item error that names what happened,
// every other item keeps its result, and the run ends without waiting for any timeout.
template <class S>
void check_net_fault(workloads::net_faults faults, const std::string& expected) {
  const workloads::net_workload w =
      net_tiny(workloads::conn_policy::per_item, 2000, workloads::server_mode::thread)
          .start(faults);
  owned_resources built(kNetWorkers);
  resources res = built.view();
  const auto b = S::run(w, {.items = kNetItems, .limit = 4}, res);
  EXPECT_EQ(b.failure, "");
  ASSERT_EQ(b.items.size(), kNetItems);
  for (std::size_t i = 0; i < kNetItems; ++i) {
    const bool hit = faults.refuse || i == faults.item;
    if (hit) {
      EXPECT_FALSE(b.items[i].value) << "item " << i;
      EXPECT_NE(b.items[i].error.find(expected), std::string::npos)
          << "item " << i << ": " << b.items[i].error;
      continue;
    }
    EXPECT_EQ(b.items[i].error, "") << "item " << i;
    ASSERT_TRUE(b.items[i].value) << "item " << i;
    EXPECT_EQ(b.items[i].value->checksum, w.compute(i)) << "item " << i;
  }
  EXPECT_NE(b.first_error(), "");
}

template <class S>
class NetStrategy : public fd_balance {};

}  // namespace fanout::strategies

// The typed tests over the strategies of `types`, for test_net.cpp and test_net_tbb.cpp.
#define FANOUT_NET_STRATEGY_TESTS(types)                                                  \
  TYPED_TEST_SUITE(NetStrategy, types, strategy_name);                                    \
  TYPED_TEST(NetStrategy, PerItemMatchesSequential) {                                     \
    check_net<TypeParam>(workloads::conn_policy::per_item);                               \
  }                                                                                       \
  TYPED_TEST(NetStrategy, PoolMatchesSequential) {                                        \
    check_net<TypeParam>(workloads::conn_policy::pool);                                   \
  }                                                                                       \
  TYPED_TEST(NetStrategy, EarlyCloseIsAnItemError) {                                      \
    check_net_fault<TypeParam>({.fault = async::http_fault::close_early, .item = 7},      \
                               "(after 0 bytes)");                                        \
  }                                                                                       \
  TYPED_TEST(NetStrategy, TruncationIsAnItemError) {                                      \
    check_net_fault<TypeParam>({.fault = async::http_fault::truncate, .item = 7}, "EOF"); \
  }                                                                                       \
  TYPED_TEST(NetStrategy, RefusalIsAnItemError) {                                         \
    check_net_fault<TypeParam>({.refuse = true}, "onnection refused");                    \
  }
