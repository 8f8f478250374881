// The hazard benchmarks (docs/design.md section 4), each hazard registered beside its fixes;
// each body runs a hazard or its fix and reports what went wrong and by how much:
//   hazard/buffered_stream/<variant>/...   hazard/permit_deadlock/<variant>/...
//   hazard/blocking_loop/<strategy>/...    hazard/thread_exhaustion/threads/items:N
//   hazard/fd_exhaustion/<variant>/...
#include <string.h>

#include <string>
#include <vector>

#include "benchmarks/calibration.hpp"
#include "benchmarks/family.hpp"
#include "benchmarks/iterate.hpp"
#include "benchmarks/names.hpp"
#include "benchmarks/profiles.hpp"
#include "harness/hazards/blocking_loop.hpp"
#include "harness/hazards/buffered_stream.hpp"
#include "harness/hazards/fd_exhaustion.hpp"
#include "harness/hazards/permit_deadlock.hpp"
#include "harness/measure/process.hpp"
#include "harness/measure/stats.hpp"
#include "harness/strategies/buffer_unordered.hpp"
#include "harness/strategies/futures_unordered.hpp"
#include "harness/strategies/offload.hpp"
#include "harness/strategies/threads.hpp"

namespace fanout::bench {
namespace {

using namespace fanout::hazards;

std::string no_loss(const hazard_run& r, std::size_t items) {
  if (r.received == items) return {};
  return "lost items: " + std::to_string(r.received) + " of " + std::to_string(items) + " results";
}

void bm_buffered_stream(benchmark::State& state, buffered_stream_variant v,
                        const buffered_stream_config& cfg, std::size_t workers) {
  async::event_loop loop;
  async::runtime rt(workers);
  std::vector<double> gaps;
  double timeouts = 0, makespan_ms = 0;
  const std::int64_t n = iterate(
      state, [&] { return run_buffered_stream(v, cfg, loop, rt); },
      [&](const hazard_run& r) { return no_loss(r, cfg.items); },
      [&](const hazard_run& r) {
        makespan_ms += measure::ms(r.end - r.start);
        timeouts += static_cast<double>(r.timeouts);
        gaps.insert(gaps.end(), r.gap_ms.begin(), r.gap_ms.end());
      },
      warm_up::none);
  if (n == 0) return;
  const double ideal = buffered_stream_ideal_ms(v, cfg);
  counter_set c(state, kHazard);
  c.metric("timeouts", timeouts / static_cast<double>(n));
  c.metric("late_ms_p99", measure::percentile(gaps, 0.99));
  c.metric("late_ms_max", gaps.empty() ? 0.0 : gaps.back());
  c.metric("ideal_ms", ideal);
  c.metric("efficiency", ideal / (makespan_ms / static_cast<double>(n)));
  c.params({{"items", cfg.items},
            {"limit", cfg.limit},
            {"body_ms", cfg.body_ms},
            {"idle_timeout_ms", cfg.idle_timeout_ms}});
  if (v == buffered_stream_variant::channel) c.param("capacity", static_cast<double>(cfg.capacity));
}

void bm_permit_deadlock(benchmark::State& state, permit_deadlock_variant v,
                        const permit_deadlock_config& cfg, std::size_t workers) {
  async::event_loop loop;
  async::runtime rt(workers);
  auto deadlock = [&](const hazard_run& r) -> std::string {
    if (!r.deadlocked) return no_loss(r, cfg.items);
    return "deadlock: the watchdog stopped the fan-out after " +
           std::to_string(static_cast<int>(cfg.watchdog_ms)) + " ms with " +
           std::to_string(r.received) + " of " + std::to_string(cfg.items) +
           " results; the consumer's body waits for a permit that only an unpolled child can "
           "release";
  };
  if (iterate(
          state, [&] { return run_permit_deadlock(v, cfg, loop, rt); }, deadlock,
          [](const hazard_run&) {}, warm_up::none) == 0) {
    return;
  }
  counter_set(state, kHazard)
      .params({{"items", cfg.items}, {"limit", cfg.limit}, {"permits", cfg.permits}});
}

// The wait items' latency when CPU items share their loop, under `S` (futures_unordered:
// inline, the hazard; offload: the fix).
template <strategies::strategy S>
void bm_blocking_loop(benchmark::State& state, const blocking_loop_workload& w, std::size_t items,
                      std::size_t workers) {
  strategies::owned_resources built(workers);
  strategies::resources res = built.view();
  const std::uint64_t want = reference_checksum(w, items);
  std::vector<double> wait_latency, wait_late;
  auto record = [&](const auto& b) {
    for (std::size_t i = 0; i < items; ++i) {
      if (w.is_cpu(i)) continue;
      wait_latency.push_back(measure::ms(b.items[i].received - b.start));
      wait_late.push_back(measure::ms(b.items[i].received - b.items[i].completed));
    }
  };
  if (iterate(
          state, [&] { return S::run(w, {.items = items}, res); },
          [&](const auto& b) { return verify(b, want); }, record, warm_up::none) == 0) {
    return;
  }
  counter_set c(state, kHazard);
  const double latency = w.wait.latency.median_ms();
  c.metric("wait_p50_ms", measure::percentile(wait_latency, 0.50));
  c.metric("wait_p99_ms", measure::percentile(wait_latency, 0.99));
  c.metric("late_ms_p99", measure::percentile(wait_late, 0.99));
  c.metric("inflation", measure::percentile(wait_latency, 0.99) / latency);
  c.params({{"items", items},
            {"cpu_items", (items + w.cpu_every - 1) / w.cpu_every},
            {"latency_ms", latency},
            {"workers", workers}});
}

// A thread per item at sizes where the OS says no: what happens is the result, failures
// included (never a crash, never a skip).
void bm_thread_exhaustion(benchmark::State& state, const workloads::wait_workload& w,
                          std::size_t items) {
  async::event_loop loop;
  strategies::resources res{loop};
  memory_probe memory;
  double growth = 0;
  auto run = [&] {
    memory.start();
    auto b = strategies::threads::run(w, {.items = items}, res);
    growth = memory.growth();
    return b;
  };
  auto record = [&](const auto& b) {
    const std::size_t failed_items = items - b.succeeded();
    counter_set c(state, kHazard);
    c.param("items", static_cast<double>(items));
    c.metric("threads_created", static_cast<double>(b.max_in_flight));
    c.metric("items_failed", static_cast<double>(failed_items));
    c.metric("failure_errno", static_cast<double>(b.failure_errno));
    c.metric("rss_peak_growth_bytes", growth);
    std::string label = b.failure.empty() ? "all threads created" : b.failure;
    if (failed_items > 0 && b.failure.empty()) label += "; items failed: " + b.first_error();
    state.SetLabel(label);
  };
  iterate(
      state, run, [](const auto&) { return std::string(); }, record, warm_up::none);
}

// The naive variant's failure as its error entry: the errno of the first refused connection and
// the connections opened before it (and in all), then the first item error.
std::string fd_failure(const std::string& err, const workloads::net_stats& st,
                       const fd_exhaustion_config& cfg) {
  if (err.empty() || st.first_errno == 0) return err;
  const char* name = strerrorname_np(st.first_errno);
  return std::string(name ? name : "?") + " (errno " + std::to_string(st.first_errno) +
         ") at an open-file limit of " + std::to_string(cfg.fd_limit) + ": " +
         std::to_string(st.opened_before_failure) +
         " connections opened before the first failure, " + std::to_string(st.opened) +
         " in all; " + err;
}

// A connection per item past the open-file limit, and the fixes that bound the connections.
template <strategies::strategy S>
void run_fd_exhaustion(benchmark::State& state, fd_exhaustion_variant v,
                       const fd_exhaustion_config& cfg, std::size_t workers) {
  strategies::owned_resources built(workers);
  strategies::resources res = built.view();
  const workloads::net_workload w = fd_exhaustion_workload(v, cfg).start();
  const std::uint64_t want = reference_checksum(w, cfg.items);
  std::vector<double> latency;
  const fd_limit lowered(cfg.fd_limit);  // after the loops and the server, which it would refuse
  auto record = [&](const auto& b) {
    for (const auto& it : b.items) latency.push_back(measure::ms(it.received - b.start));
  };
  const strategies::options opt{.items = cfg.items, .limit = cfg.bound};
  if (iterate(
          state, [&] { return S::run(w, opt, res); },
          [&](const auto& b) { return fd_failure(verify(b, want), w.stats(), cfg); }, record,
          warm_up::none) == 0) {
    return;
  }
  counter_set c(state, kHazard);
  c.metric("p99_ms", measure::percentile(latency, 0.99));
  c.metric("connections_opened", static_cast<double>(w.stats().opened));
  c.params({{"items", cfg.items}, {"fd_limit", cfg.fd_limit}, {"latency_ms", 10}});
  if (v != fd_exhaustion_variant::naive) c.param("limit", static_cast<double>(cfg.bound));
}

// The fan-out, then the descriptors: every one it opened is closed again, or it is an error.
template <strategies::strategy S>
void bm_fd_exhaustion(benchmark::State& state, fd_exhaustion_variant v,
                      const fd_exhaustion_config& cfg, std::size_t workers) {
  async::open_process_globals();
  const std::size_t before = measure::open_fds();
  run_fd_exhaustion<S>(state, v, cfg, workers);
  const std::size_t after = measure::open_fds();
  if (after != before && !state.error_occurred()) {
    const std::string leak = "descriptor leak: " + std::to_string(before) + " open before, " +
                             std::to_string(after) + " after";
    state.SkipWithError(leak.c_str());
  }
}

// One iteration, and no warm-up: a hazard's figures are what a reproduced failure does
// (timeouts, a deadlock's watchdog, a refused thread), which a warm-up run would only repeat.
benchmark::internal::Benchmark* hazard(const std::string& name, const std::string& label,
                                       auto body) {
  return register_timed(name, label, body)->Iterations(1);
}

void add_buffered_stream(buffered_stream_variant v, const buffered_stream_config& cfg,
                         std::size_t cores) {
  std::string name = std::string("hazard/buffered_stream/") + hazards::name(v) +
                     "/items:" + std::to_string(cfg.items) + "/limit:" + std::to_string(cfg.limit) +
                     "/body_ms:" + num(cfg.body_ms);
  if (v == buffered_stream_variant::channel) name += "/capacity:" + std::to_string(cfg.capacity);
  hazard(name, "hazard/buffered_stream",
         [v, cfg, cores](benchmark::State& s) { bm_buffered_stream(s, v, cfg, cores); });
}

void register_buffered_stream(profile prof, std::size_t cores) {
  buffered_stream_config cfg;  // the reference point: 20 items, limit 5, 10-49 + 10 ms, W 100
  const std::vector<double> bodies =
      prof == profile::quick ? std::vector<double>{100} : std::vector<double>{0, 10, 50, 100};
  const std::vector<std::size_t> capacities = prof == profile::quick
                                                  ? std::vector<std::size_t>{1, cfg.items}
                                                  : std::vector<std::size_t>{1, 5, cfg.items};
  for (double body : bodies) {
    cfg.body_ms = body;
    for (buffered_stream_variant v : kBufferedStreamVariants) {
      if (v != buffered_stream_variant::channel) {
        add_buffered_stream(v, cfg, cores);
        continue;
      }
      for (std::size_t capacity : capacities) {
        cfg.capacity = capacity;
        add_buffered_stream(v, cfg, cores);
      }
    }
  }
}

void register_permit_deadlock(std::size_t cores) {
  const permit_deadlock_config cfg;
  for (permit_deadlock_variant v : kPermitDeadlockVariants) {
    const std::string name = std::string("hazard/permit_deadlock/") + hazards::name(v) +
                             "/items:" + std::to_string(cfg.items) +
                             "/limit:" + std::to_string(cfg.limit) +
                             "/permits:" + std::to_string(cfg.permits);
    hazard(name, "hazard/permit_deadlock",
           [v, cfg, cores](benchmark::State& s) { bm_permit_deadlock(s, v, cfg, cores); });
  }
}

template <strategies::strategy S>
void add_blocking_loop(const blocking_loop_workload& w, std::size_t items, std::size_t cores) {
  const std::string params = "/items:" + std::to_string(items) +
                             "/cpu_every:" + std::to_string(w.cpu_every) +
                             "/workers:" + std::to_string(cores) + "/ms:10";
  hazard("hazard/blocking_loop/" + std::string(S::info.name) + params, "hazard/blocking_loop",
         [w, items, cores](benchmark::State& s) { bm_blocking_loop<S>(s, w, items, cores); });
}

void register_thread_exhaustion(profile prof) {
  const workloads::wait_workload w;
  const std::vector<std::size_t> sizes = prof == profile::quick
                                             ? std::vector<std::size_t>{10'000}
                                             : std::vector<std::size_t>{10'000, 100'000, 1'000'000};
  for (std::size_t n : sizes) {
    // The label carries the outcome (created, or errno and count), so none is set here.
    hazard("hazard/thread_exhaustion/threads/items:" + std::to_string(n) + "/ms:10", "",
           [w, n](benchmark::State& s) { bm_thread_exhaustion(s, w, n); })
        ->Repetitions(1);
  }
}

template <strategies::strategy S>
void add_fd_exhaustion(fd_exhaustion_variant v, const fd_exhaustion_config& cfg,
                       std::size_t cores) {
  std::string name = std::string("hazard/fd_exhaustion/") + hazards::name(v) +
                     "/items:" + std::to_string(cfg.items);
  if (v != fd_exhaustion_variant::naive) name += "/limit:" + std::to_string(cfg.bound);
  name += "/fd_limit:" + std::to_string(cfg.fd_limit) + "/ms:10";
  hazard(name, "hazard/fd_exhaustion",
         [v, cfg, cores](benchmark::State& s) { bm_fd_exhaustion<S>(s, v, cfg, cores); });
}

void register_fd_exhaustion(std::size_t cores) {
  const fd_exhaustion_config cfg;
  add_fd_exhaustion<strategies::futures_unordered>(fd_exhaustion_variant::naive, cfg, cores);
  add_fd_exhaustion<strategies::buffer_unordered>(fd_exhaustion_variant::buffer_unordered, cfg,
                                                  cores);
  add_fd_exhaustion<strategies::futures_unordered>(fd_exhaustion_variant::pool, cfg, cores);
}

}  // namespace

void register_hazards(profile prof, std::size_t cores) {
  register_buffered_stream(prof, cores);
  register_permit_deadlock(cores);
  const blocking_loop_workload w;
  const std::size_t items = prof == profile::quick ? 32 : 128;
  add_blocking_loop<strategies::futures_unordered>(w, items, cores);
  add_blocking_loop<strategies::offload>(w, items, cores);
  register_thread_exhaustion(prof);
  register_fd_exhaustion(cores);
}

}  // namespace fanout::bench
