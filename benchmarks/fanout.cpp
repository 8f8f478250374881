// Every workload through every fan-out strategy: the registrations of the suite's matrix. The
// logic of one benchmark lives in benchmarks/fanout.hpp; this file only says which
// configurations exist and what they are called (docs/design.md sections 5 and 6):
//   <workload>/<strategy>/<param>:<value>/...   e.g. wait/join_set/items:10000/ms:10/workers:2
#include "benchmarks/fanout.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "benchmarks/names.hpp"
#include "benchmarks/profiles.hpp"
#include "harness/strategies/registry.hpp"
#include "workloads/registry.hpp"

namespace fanout::bench {

void fanout_totals::add(fanout_iteration it) {
  ++iterations;
  items = it.latency.size();
  starts.push_back(it.start);
  makespan_ms += it.makespan_ms;
  cpu_s += it.cpu_s;
  p50 += measure::percentile(it.latency, 0.50);
  p90 += measure::percentile(it.latency, 0.90);
  p99 += measure::percentile(it.latency, 0.99);
  max += it.latency.empty() ? 0.0 : it.latency.back();
  poll_p99 += measure::percentile(it.poll_delay, 0.99);
  timer_p99 += it.timer_late.empty() ? NAN : measure::percentile(it.timer_late, 0.99);
  in_flight = std::max(in_flight, it.in_flight);
  growth_per_item.push_back(it.growth_bytes /
                            static_cast<double>(std::max<std::size_t>(1, it.in_flight)));
  for (double ms : it.latency) latency.add(ms);
}

void report_fanout(benchmark::State& state, const fanout_totals& t, const strategies::shape& sh,
                   const ideal_inputs& ideal) {
  counter_set c(state, kFanout);
  const double n = static_cast<double>(t.iterations);
  double ideal_sum = 0;
  for (const auto& start : t.starts) ideal_sum += ideal.of(start);
  std::vector<double> growth = t.growth_per_item;
  const bool unmeasured =
      std::any_of(growth.begin(), growth.end(), [](double g) { return std::isnan(g); });
  c.metric("items_per_second", static_cast<double>(t.items) * n / (t.makespan_ms / 1000.0));
  c.metric("p50_ms", t.p50 / n);
  c.metric("p90_ms", t.p90 / n);
  c.metric("p99_ms", t.p99 / n);
  c.metric("max_ms", t.max / n);
  c.metric("late_ms_p99", t.poll_p99 / n);         // poll delay: received - completed
  c.metric("timer_late_ms_p99", t.timer_p99 / n);  // fired - deadline; NaN without waits
  c.metric("cpu_util", t.cpu_s / (t.makespan_ms / 1000.0));
  c.metric("mem_per_item_bytes", unmeasured ? NAN : measure::percentile(growth, 0.5));
  c.metric("os_threads", static_cast<double>(sh.threads));
  c.metric("ideal_ms", ideal_sum / n);
  c.metric("efficiency", ideal_sum / t.makespan_ms);
  c.metric("in_flight", static_cast<double>(t.in_flight));  // measured: the most at once
  c.metric("compute_ms", ideal.compute_ms);                 // one item's CPU part, its fastest run
  c.metric("cpu_us_per_item", t.cpu_s * 1e6 / (static_cast<double>(t.items) * n));  // process CPU
  c.param("items", static_cast<double>(t.items));
}

namespace {

// `family`: empty for the workload's own name (wait/...), else the sweep's family (regime/...),
// whose names end with the workload they ran: regime/join_set/items:100/.../workload:mixed.
template <strategies::strategy S, class W>
void add(const W& w, const fanout_config& cfg, const std::string& family = {}) {
  const param_list params = strategy_params(S::info, cfg.opt, cfg.workers);
  const std::string label = (family.empty() ? std::string(W::name) : family) + "/" + S::info.name;
  fanout_config keyed = cfg;
  keyed.key = label + "/items:" + std::to_string(cfg.opt.items) + name_segments(params) +
              w.name_params() + (family.empty() ? "" : "/workload:" + std::string(W::name));
  auto* b = register_timed(keyed.key, label, [w, cfg = keyed, params](benchmark::State& state) {
    with_live(state, w, [&](const W& live) { run_fanout<S>(state, live, cfg); });
    if (state.error_occurred()) return;
    counter_set c(state, kFanout);
    c.params(params);
    c.params(w.param_counters());
  });
  // A cpu fan-out takes a few ms: average 100 ms of them per repetition, or one noisy
  // sequential baseline makes every speedup look better than the cores allow.
  if (w.wait_ms(0) == 0) b->MinTime(0.1);
}

bool every(const strategies::traits&) { return true; }
bool takes_workers(const strategies::traits& t) { return t.workers; }
bool takes_limit(const strategies::traits& t) { return t.limit; }

// Registers one configuration of a workload under every strategy that `which` selects.
template <class W>
void add_strategies(const W& w, const fanout_config& cfg,
                    bool (*which)(const strategies::traits&) = every) {
  strategies::for_each_strategy([&]<strategies::strategy S>() {
    if (which(S::info)) add<S>(w, cfg);
  });
}

// cpu: items from 1 to 16 x cores, workers from 1 to cores, small and large items, nested
// parallelism on and off.
void default_sweep(const workloads::cpu_workload& cpu, std::size_t cores, fanout_config cfg) {
  for (std::size_t n : {std::size_t{1}, cores, 4 * cores, 16 * cores}) {
    cfg.opt.items = n;
    add_strategies(cpu, cfg);
  }
  cfg.opt.items = 4 * cores;
  for (std::size_t workers : worker_counts(cores)) {
    if (workers == cores) continue;  // already in the items sweep
    cfg.workers = workers;
    add_strategies(cpu, cfg, takes_workers);
  }
  cfg.workers = cores;
  for (int frames : {1, 16}) {
    workloads::cpu_workload sized;
    sized.params.frames = frames;
    add_strategies(sized, cfg);
  }
  workloads::cpu_workload nested;
  nested.params.nested = true;
  for (std::size_t n : {std::size_t{1}, cores}) {
    cfg.opt.items = n;
    add_strategies(nested, cfg);
  }
}

// mixed: items and workers.
void default_sweep(const workloads::mixed_workload& mixed, std::size_t cores, fanout_config cfg) {
  for (std::size_t n : {10, 100, 1000}) {
    cfg.opt.items = n;
    cfg.workers = cores;
    add_strategies(mixed, cfg);
    if (cores == 1) continue;
    cfg.workers = 1;  // only the strategies whose names carry the worker count
    add_strategies(mixed, cfg, takes_workers);
  }
}

// wait: items from 1 to 100,000 in decades, the limit of the bounded strategies from 1 to
// 1,000, the workers of the runtime and of TBB, and a long tail.
void default_sweep(const workloads::wait_workload& wait, std::size_t cores, fanout_config cfg) {
  for (std::size_t n = 1; n <= 100'000; n *= 10) {
    cfg.opt.items = n;
    add_strategies(wait, cfg);
  }
  cfg.opt.items = 200;
  for (std::size_t limit : {1, 3, 10, 30, 100, 300, 1000}) {
    cfg.opt.limit = limit;
    add_strategies(wait, cfg, takes_limit);
  }
  cfg.opt.limit = 100;
  // At a size where a TBB worker per wait still fits the budget with one worker.
  cfg.opt.items = 100;
  for (std::size_t workers : worker_counts(cores)) {
    if (workers == cores) continue;  // already in the items sweep
    cfg.workers = workers;
    add_strategies(wait, cfg, takes_workers);
  }
  cfg.workers = cores;
  const workloads::wait_workload tail{
      .latency = workloads::latency_dist::parse("lognormal:median=10,p99=100")};
  add_strategies(tail, cfg);
  // The limit again under the long tail (with the tail's limit of 100 above, at 100 items),
  // where ordered delivery waits behind a slow item that unordered delivery passes.
  for (std::size_t limit : {10, 30}) {
    cfg.opt.limit = limit;
    add_strategies(tail, cfg, takes_limit);
  }
  cfg.opt.limit = 100;
}

// The regime map's sweep (docs/design.md section 6): the compute share of an item from 0 to
// 100% (a 1 ms wait alone; a 1 ms wait then 1, 3 or 9 one-frame transcodes; a transcode alone)
// by items per fan-out, through the strategies that win somewhere (tests/python and the report
// show which): sequential, the loop alone, the runtime, the loop with a compute pool, and TBB.
// Its cost is capped by work, not time, so that it is the same sweep on every machine: at most
// kRegimeFrames frames of transcoding per fan-out, and waits beyond the budget are skipped.
constexpr std::size_t kRegimeFrames = 320;
constexpr double kRegimeBudgetMs = 500;
constexpr std::size_t kRegimeItems[] = {10, 32, 100, 1000, 10'000, 100'000};

bool regime_strategy(const strategies::traits& t) {
  for (const char* name :
       {"sequential", "futures_unordered", "join_set", "offload", "tbb_task_group"}) {
    if (t.name == std::string_view(name)) return true;
  }
  return false;
}

template <class W>
void regime_column(const W& w, std::size_t frames, fanout_config cfg) {
  for (std::size_t n : kRegimeItems) {
    if (n * frames > kRegimeFrames) break;
    cfg.opt.items = n;
    strategies::for_each_strategy([&]<strategies::strategy S>() {
      if (regime_strategy(S::info)) add<S>(w, cfg, "regime");
    });
  }
}

void regime_sweep(fanout_config cfg) {
  cfg.budget_ms = kRegimeBudgetMs;
  const auto one_ms = workloads::latency_dist::parse("fixed:1");
  regime_column(workloads::wait_workload{.latency = one_ms}, 0, cfg);
  for (int frames : {1, 3, 9}) {
    workloads::mixed_workload mixed;
    mixed.latency = one_ms;
    mixed.params.frames = frames;
    regime_column(mixed, static_cast<std::size_t>(frames), cfg);
  }
  workloads::cpu_workload cpu;
  cpu.params.frames = 1;
  regime_column(cpu, 1, cfg);
}

// net: 10 and 1,000 items (1 KiB bodies, 10 ms), each connection policy; wait's timer-simulated
// twins are in wait's sweep. 100 items would add 3 s per round: sequential and the TBB
// strategies wait them out one (or two) at a time.
void default_sweep(const workloads::net_workload& net, std::size_t, fanout_config cfg) {
  for (workloads::conn_policy conn :
       {workloads::conn_policy::per_item, workloads::conn_policy::pool}) {
    workloads::net_workload w = net;
    w.conn = conn;
    for (std::size_t n : {10, 1000}) {
      cfg.opt.items = n;
      add_strategies(w, cfg);
    }
  }
}

// A workload without a sweep of its own: every strategy at its quick size and at four times it.
template <class W>
void default_sweep(const W& w, std::size_t cores, fanout_config cfg) {
  for (std::size_t n : {W::quick_items(cores), 4 * W::quick_items(cores)}) {
    cfg.opt.items = n;
    add_strategies(w, cfg);
  }
}

}  // namespace

void register_fanout(profile prof, std::size_t cores, std::size_t items) {
  fanout_config cfg;
  cfg.workers = cores;
  if (prof == profile::quick || items > 0) {
    // Every (workload, strategy) pair once, at a small size or at `items`.
    cfg.opt = {.items = 0, .limit = 10, .capacity = 1};
    workloads::for_each_workload([&]<class W>() {
      cfg.opt.items = items > 0 ? items : W::quick_items(cores);
      add_strategies(W{}, cfg);
    });
    // net's other connection policy: a keep-alive pool.
    add_strategies(workloads::net_workload{.conn = workloads::conn_policy::pool}, cfg);
    return;
  }
  // Sweeps that show what matters, sized by the machine's cores. A configuration whose ideal
  // alone exceeds the per-benchmark budget is registered anyway and skipped with the reason,
  // so that the report lists it.
  cfg.budget_ms = kDefaultBudgetMs;
  cfg.opt = {.items = 1, .limit = 100, .capacity = 1};
  workloads::for_each_workload([&]<class W>() { default_sweep(W{}, cores, cfg); });
  regime_sweep(cfg);
}

}  // namespace fanout::bench
