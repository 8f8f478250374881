// overhead/...: the suite's own cost against the floor (docs/design.md section 8): raw libuv
// (one uv_timer_t per wait, the C API, no coroutines) beside the async layer's sets, in the
// quick and default profiles alike (the default adds a million concurrent waits). These say
// how fine a difference the other figures can resolve.
#include <uv.h>

#include <memory>
#include <string>
#include <vector>

#include "benchmarks/family.hpp"
#include "benchmarks/iterate.hpp"
#include "benchmarks/profiles.hpp"
#include "harness/async/check.hpp"
#include "harness/async/futures_unordered.hpp"
#include "harness/async/join_set.hpp"
#include "harness/async/sleep.hpp"

namespace fanout::bench {
namespace {

using measure::clock;

// One timed fan-out of n waits or tasks, and how many of them completed.
struct counted_run {
  clock::time_point start, end;
  std::size_t done = 0;
};

template <class FanOut>
counted_run time_it(FanOut&& fan_out) {
  counted_run r;
  r.start = clock::now();
  r.done = fan_out();
  r.end = clock::now();
  return r;
}

auto all_of(std::size_t n, const char* what) {
  return [n, what](const counted_run& r) -> std::string {
    if (r.done == n) return {};
    return std::string("lost ") + what + ": " + std::to_string(r.done) + " of " + std::to_string(n);
  };
}

async::task<int> one_wait(double ms) {
  co_await async::sleep_for(ms);
  co_return 1;
}
async::task<int> nothing() { co_return 1; }

// Drains a set (futures_unordered: next, join_set: join_next) and counts what it yielded.
template <class Set, class Next>
async::task<std::size_t> drain(Set& set, Next next) {
  std::size_t done = 0;
  while (auto r = co_await next(set)) done += static_cast<std::size_t>(r->get());
  co_return done;
}

// Peak RSS growth per in-flight wait, and the makespan, of one fan-out of `fan_out`.
template <class FanOut>
void measure_waits(benchmark::State& state, std::size_t n, FanOut fan_out) {
  memory_probe memory;
  double bytes = 0;
  auto run = [&] {
    memory.start();
    return time_it(fan_out);
  };
  auto record = [&](const counted_run&) {
    bytes = std::max(bytes, static_cast<double>(memory.growth()) / static_cast<double>(n));
  };
  if (iterate(state, run, all_of(n, "waits"), record) == 0) return;
  counter_set c(state, kOverhead);
  c.metric("bytes_per_wait", bytes);
  c.param("waits", static_cast<double>(n));
}

// Times n empty tasks through a mechanism and reports ns per task.
template <class FanOut>
void measure_per_task(benchmark::State& state, std::size_t n, FanOut fan_out) {
  double total_ms = 0;
  const std::int64_t iterations = iterate(
      state, [&] { return time_it(fan_out); }, all_of(n, "tasks"),
      [&](const counted_run& r) { total_ms += measure::ms(r.end - r.start); });
  if (iterations == 0) return;
  counter_set c(state, kOverhead);
  c.metric("ns_per_task", total_ms * 1e6 / static_cast<double>(n * iterations));
  c.param("tasks", static_cast<double>(n));
}

// The floor: n uv_timer_t, each a heap-allocated handle as a C program would have, started at
// once; the loop runs until the last one fired.
void bm_raw_libuv_waits(benchmark::State& state, std::size_t n, double ms) {
  uv_loop_t loop;
  async::uv_check(uv_loop_init(&loop), "uv_loop_init");
  measure_waits(state, n, [&] {
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

// n tasks made by `make` in one futures_unordered set on one loop, drained.
template <class Make>
std::size_t in_futures_unordered(async::event_loop& loop, std::size_t n, Make make) {
  auto fan_out = [&]() -> async::task<std::size_t> {
    async::futures_unordered<int> set;
    for (std::size_t i = 0; i < n; ++i) set.push(make());
    co_return co_await drain(set, [](auto& s) { return s.next(); });
  };
  return loop.block_on(fan_out());
}

// n tasks made by `make` spawned on a runtime and joined.
template <class Make>
std::size_t in_join_set(async::event_loop& loop, async::runtime& rt, std::size_t n, Make make) {
  auto fan_out = [&]() -> async::task<std::size_t> {
    async::join_set<int> set(rt);
    for (std::size_t i = 0; i < n; ++i) set.spawn(make());
    co_return co_await drain(set, [](auto& s) { return s.join_next(); });
  };
  return loop.block_on(fan_out());
}

benchmark::internal::Benchmark* overhead(const std::string& name, const std::string& label,
                                         auto body) {
  // Warm: enough iterations that first-touch page faults do not dominate a per-task cost.
  return register_timed(name, label, body)->MinTime(0.2);
}

void register_waits(std::size_t n, double ms, std::size_t cores) {
  const std::string waits = "/waits:" + std::to_string(n) + "/ms:10";
  overhead("overhead/raw_libuv" + waits, "overhead/raw_libuv",
           [n, ms](benchmark::State& s) { bm_raw_libuv_waits(s, n, ms); });
  overhead("overhead/futures_unordered" + waits, "overhead/futures_unordered",
           [n, ms](benchmark::State& s) {
             async::event_loop loop;
             measure_waits(s, n, [&] {
               return in_futures_unordered(loop, n, [ms] { return one_wait(ms); });
             });
           });
  overhead("overhead/join_set" + waits + "/workers:" + std::to_string(cores), "overhead/join_set",
           [n, ms, cores](benchmark::State& s) {
             async::event_loop loop;
             async::runtime rt(cores);
             measure_waits(s, n,
                           [&] { return in_join_set(loop, rt, n, [ms] { return one_wait(ms); }); });
             counter_set(s, kOverhead).param("workers", static_cast<double>(cores));
           });
}

}  // namespace

void register_overhead(profile prof, std::size_t cores) {
  std::vector<std::size_t> sizes{10'000, 100'000};
  if (prof == profile::standard) sizes.push_back(1'000'000);
  for (std::size_t n : sizes) register_waits(n, 10, cores);
  const std::size_t tasks = 100'000;
  for (std::size_t workers : {std::size_t{1}, std::size_t{2}}) {
    overhead("overhead/join_set/spawn_join/tasks:" + std::to_string(tasks) +
                 "/workers:" + std::to_string(workers),
             "overhead/join_set", [tasks, workers](benchmark::State& s) {
               async::event_loop loop;
               async::runtime rt(workers);
               measure_per_task(s, tasks, [&] { return in_join_set(loop, rt, tasks, nothing); });
               counter_set(s, kOverhead).param("workers", static_cast<double>(workers));
             });
  }
  overhead("overhead/futures_unordered/push_drain/tasks:" + std::to_string(tasks),
           "overhead/futures_unordered", [tasks](benchmark::State& s) {
             async::event_loop loop;
             measure_per_task(s, tasks, [&] { return in_futures_unordered(loop, tasks, nothing); });
           });
}

}  // namespace fanout::bench
