#pragma once
// The suite's own cost, measured against the floor (issue: overhead at the floor): raw libuv
// (one uv_timer_t per wait, the C API, no coroutines) beside the async layer's strategies.
// These say how fine a difference the other figures can resolve.
//
//   bm_raw_libuv_waits(state, 100'000, 10.0);         // the floor
//   bm_futures_unordered_waits(state, 100'000, 10.0);  // the same waits as coroutines
#include <benchmark/benchmark.h>
#include <uv.h>

#include <chrono>
#include <memory>
#include <vector>

#include "harness/async/buffered.hpp"
#include "harness/async/check.hpp"
#include "harness/async/futures_unordered.hpp"
#include "harness/async/join_set.hpp"
#include "harness/async/sleep.hpp"
#include "harness/measure/process.hpp"

namespace fanout::measure {

namespace overhead_detail {

using clock = std::chrono::steady_clock;

inline double ms_between(clock::time_point a, clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

inline async::task<int> one_wait(double ms) {
  co_await async::sleep_for(ms);
  co_return 1;
}
inline async::task<int> nothing() { co_return 1; }

// Peak RSS growth per in-flight wait, and the makespan, of one fan-out of `run`.
template <class Run>
void measure_waits(benchmark::State& state, std::size_t n, Run run) {
  double bytes = 0;
  for (auto _ : state) {
    release_free_memory();
    peak_rss_reset();
    const std::size_t rss0 = current_rss_bytes();
    const auto t0 = clock::now();
    const std::size_t done = run();
    const auto t1 = clock::now();
    const std::size_t peak = peak_rss_bytes();
    if (done != n) {
      state.SkipWithError(("lost waits: " + std::to_string(done) + " of " + std::to_string(n))
                              .c_str());
      return;
    }
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    bytes = std::max(bytes, static_cast<double>(peak > rss0 ? peak - rss0 : 0) /
                                static_cast<double>(n));
  }
  state.counters["bytes_per_wait"] = bytes;
  state.counters["waits"] = static_cast<double>(n);
}

}  // namespace overhead_detail

// The floor: n uv_timer_t, each a heap-allocated handle as a C program would have, started at
// once; the loop runs until the last one fired.
inline void bm_raw_libuv_waits(benchmark::State& state, std::size_t n, double ms) {
  uv_loop_t loop;
  async::uv_check(uv_loop_init(&loop), "uv_loop_init");
  overhead_detail::measure_waits(state, n, [&] {
    std::size_t fired = 0;
    std::vector<std::unique_ptr<uv_timer_t>> timers(n);
    for (auto& t : timers) {
      t = std::make_unique<uv_timer_t>();
      uv_timer_init(&loop, t.get());
      t->data = &fired;
      uv_timer_start(
          t.get(),
          [](uv_timer_t* h) {
            ++*static_cast<std::size_t*>(h->data);
            uv_close(reinterpret_cast<uv_handle_t*>(h), nullptr);
          },
          static_cast<std::uint64_t>(ms), 0);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    return fired;
  });
  uv_loop_close(&loop);
}

// The same waits as coroutines in one futures_unordered set on one loop.
inline void bm_futures_unordered_waits(benchmark::State& state, std::size_t n, double ms) {
  async::event_loop loop;
  auto fan_out = [&]() -> async::task<std::size_t> {
    async::futures_unordered<int> set;
    for (std::size_t i = 0; i < n; ++i) set.push(overhead_detail::one_wait(ms));
    std::size_t done = 0;
    while (auto r = co_await set.next()) done += static_cast<std::size_t>(r->get());
    co_return done;
  };
  overhead_detail::measure_waits(state, n, [&] { return loop.block_on(fan_out()); });
}

// The same waits spawned on a runtime of `workers` and joined.
inline void bm_join_set_waits(benchmark::State& state, std::size_t n, double ms,
                              std::size_t workers) {
  async::event_loop loop;
  async::runtime rt(workers);
  auto fan_out = [&]() -> async::task<std::size_t> {
    async::join_set<int> set(rt);
    for (std::size_t i = 0; i < n; ++i) set.spawn(overhead_detail::one_wait(ms));
    std::size_t done = 0;
    while (auto r = co_await set.join_next()) done += static_cast<std::size_t>(r->get());
    co_return done;
  };
  overhead_detail::measure_waits(state, n, [&] { return loop.block_on(fan_out()); });
}

namespace overhead_detail {

// Times `fan_out()` (n empty tasks through some mechanism) and reports ns per task.
template <class FanOut>
void measure_per_task(benchmark::State& state, async::event_loop& loop, std::size_t n,
                      FanOut fan_out) {
  double total_ms = 0;
  for (auto _ : state) {
    const auto t0 = clock::now();
    const std::size_t done = loop.block_on(fan_out());
    const auto t1 = clock::now();
    if (done != n) {
      state.SkipWithError(("lost tasks: " + std::to_string(done) + " of " + std::to_string(n))
                              .c_str());
      return;
    }
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    total_ms += ms_between(t0, t1);
  }
  state.counters["ns_per_task"] = total_ms * 1e6 / static_cast<double>(n * state.iterations());
  state.counters["tasks"] = static_cast<double>(n);
}

}  // namespace overhead_detail

// Spawn and join n empty tasks: the runtime's cost per task, in ns.
inline void bm_join_set_spawn_join(benchmark::State& state, std::size_t n, std::size_t workers) {
  async::event_loop loop;
  async::runtime rt(workers);
  overhead_detail::measure_per_task(state, loop, n, [&]() -> async::task<std::size_t> {
    async::join_set<int> set(rt);
    for (std::size_t i = 0; i < n; ++i) set.spawn(overhead_detail::nothing());
    std::size_t done = 0;
    while (auto r = co_await set.join_next()) done += static_cast<std::size_t>(r->get());
    co_return done;
  });
  state.counters["workers"] = static_cast<double>(workers);
}

// Push n ready tasks into a futures_unordered set and drain it: the set's cost per child.
inline void bm_futures_unordered_push_drain(benchmark::State& state, std::size_t n) {
  async::event_loop loop;
  overhead_detail::measure_per_task(state, loop, n, [&]() -> async::task<std::size_t> {
    async::futures_unordered<int> set;
    for (std::size_t i = 0; i < n; ++i) set.push(overhead_detail::nothing());
    std::size_t done = 0;
    while (auto r = co_await set.next()) done += static_cast<std::size_t>(r->get());
    co_return done;
  });
}

}  // namespace fanout::measure
