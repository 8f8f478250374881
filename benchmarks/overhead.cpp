// overhead/...: the suite's own cost against the floor (docs/design.md section 8): two raw C
// baselines with no coroutines, raw libuv (one uv_timer_t per wait) and raw bucketed (one
// uv_timer_t for all waits, bucketed by due millisecond: the floor of a wait fan-out), beside
// the async layer's sets, in the quick and default profiles alike (the default adds a million
// concurrent waits). Every wait has the deadline semantics of the suite's own sleep_for: its
// deadline is taken from the steady clock when it is armed and rounded up to the loop's
// millisecond tick (harness/measure/ticks.hpp). These say how fine a difference the other
// figures can resolve.
#include <uv.h>

#include <algorithm>
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
#include "harness/measure/ticks.hpp"

namespace fanout::bench {
namespace {

using measure::clock;

// What a fan-out of waits or tasks left: how many completed, and how many before their deadline.
struct tally {
  std::size_t done = 0;
  std::size_t early = 0;
};

// One timed fan-out.
struct counted_run {
  clock::time_point start, end;
  tally counts;
};

template <class FanOut>
counted_run time_it(FanOut&& fan_out) {
  counted_run r;
  r.start = clock::now();
  r.counts = tally(fan_out());
  r.end = clock::now();
  return r;
}

// A lost or early wait is an error, never a figure.
auto all_of(std::size_t n, const char* what) {
  return [n, what](const counted_run& r) -> std::string {
    std::string err;
    if (r.counts.early > 0) {
      err.append(std::to_string(r.counts.early)).append(" ").append(what);
      err.append(" completed before their deadline");
    } else if (r.counts.done != n) {
      err.append("lost ").append(what).append(": ").append(std::to_string(r.counts.done));
      err.append(" of ").append(std::to_string(n));
    }
    return err;
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

// A wait's deadline, as sleep_for takes it: `ms` from the moment it is armed.
double deadline_ms(double ms) { return measure::ms_since_epoch(clock::now()) + ms; }

// Raw libuv: n uv_timer_t in one block, as a C program would have them, all started at once,
// each due at the tick of its own deadline; the loop runs until the last one fired. The loop's
// cached clock is brought up to date first: timers armed against a stale clock would be overdue
// when the loop starts, and never wait.
struct raw_timer {
  uv_timer_t handle;
  double deadline_ms;
  tally* counts;
};

tally raw_libuv_fan_out(uv_loop_t* loop, std::size_t n, double ms) {
  tally counts;
  auto timers = std::make_unique_for_overwrite<raw_timer[]>(n);
  uv_update_time(loop);
  const std::uint64_t now = uv_now(loop);
  for (std::size_t i = 0; i < n; ++i) {
    raw_timer& t = timers[i];
    t.deadline_ms = deadline_ms(ms);
    t.counts = &counts;
    async::uv_check(uv_timer_init(loop, &t.handle), "uv_timer_init");
    t.handle.data = &t;
    auto fire = [](uv_timer_t* h) {
      auto* self = static_cast<raw_timer*>(h->data);
      self->counts->done += 1;
      if (measure::ms_since_epoch(clock::now()) < self->deadline_ms) self->counts->early += 1;
      uv_close(reinterpret_cast<uv_handle_t*>(h), nullptr);
    };
    async::uv_check(uv_timer_start(&t.handle, fire, measure::due_tick(t.deadline_ms, now) - now, 0),
                    "uv_timer_start");
  }
  uv_run(loop, UV_RUN_DEFAULT);  // returns once every timer has fired and closed
  return counts;
}

// Raw bucketed, the floor: one uv_timer_t for all n waits, which are counted per due tick
// (measure::tick_buckets); the timer is armed for the earliest non-empty bucket, and a bucket's
// waits complete when its tick is reached. No per-wait state, allocation or heap operation.
struct bucketed_waits {
  uv_timer_t timer;
  measure::tick_buckets buckets;
  tally counts;

  void arm() {
    if (buckets.empty()) return;  // the timer stays stopped, and uv_run returns
    const std::uint64_t now = uv_now(timer.loop);
    const std::uint64_t due = buckets.next_due();
    async::uv_check(uv_timer_start(&timer, &bucketed_waits::on_timer, due > now ? due - now : 0, 0),
                    "uv_timer_start");
  }
  static void on_timer(uv_timer_t* h) {
    auto* self = static_cast<bucketed_waits*>(h->data);
    const measure::tick_buckets::fired f = self->buckets.take_due(uv_now(h->loop));
    self->counts.done += f.count;
    if (measure::ms_since_epoch(clock::now()) < f.latest_deadline_ms) self->counts.early += f.count;
    self->arm();
  }
};

tally raw_bucketed_fan_out(bucketed_waits& w, std::size_t n, double ms) {
  w.counts = {};
  uv_update_time(w.timer.loop);
  const std::uint64_t now = uv_now(w.timer.loop);
  for (std::size_t i = 0; i < n; ++i) {
    const double deadline = deadline_ms(ms);
    w.buckets.add(measure::due_tick(deadline, now), deadline);
  }
  w.arm();
  uv_run(w.timer.loop, UV_RUN_DEFAULT);
  if (!w.buckets.empty()) w.buckets.take_due(UINT64_MAX);  // lost: counted by what is not done
  return w.counts;
}

void bm_raw_libuv_waits(benchmark::State& state, std::size_t n, double ms) {
  uv_loop_t loop;
  async::uv_check(uv_loop_init(&loop), "uv_loop_init");
  measure_waits(state, n, [&] { return raw_libuv_fan_out(&loop, n, ms); });
  uv_loop_close(&loop);
}

void bm_raw_bucketed_waits(benchmark::State& state, std::size_t n, double ms) {
  uv_loop_t loop;
  async::uv_check(uv_loop_init(&loop), "uv_loop_init");
  bucketed_waits w;
  async::uv_check(uv_timer_init(&loop, &w.timer), "uv_timer_init");
  w.timer.data = &w;
  measure_waits(state, n, [&] { return raw_bucketed_fan_out(w, n, ms); });
  uv_close(reinterpret_cast<uv_handle_t*>(&w.timer), nullptr);
  uv_run(&loop, UV_RUN_DEFAULT);
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
  overhead("overhead/raw_bucketed" + waits, "overhead/raw_bucketed",
           [n, ms](benchmark::State& s) { bm_raw_bucketed_waits(s, n, ms); });
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
    // Never more workers than cores (run_all.sh --cpus 1): a worker per core is the question.
    if (workers > std::max<std::size_t>(cores, 1)) continue;
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
