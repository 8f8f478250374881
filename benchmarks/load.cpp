// load/...: the open-loop matrix (docs/design.md section 5). Items arrive at an offered rate (a
// seeded Poisson process) until `seconds` have passed or `max_items` have arrived, whichever
// comes first; each strategy with an open-loop form admits them as they come, from the one
// precise arrival source (harness/strategies/open_loop.hpp), and latency is charged from the
// intended arrival (wrk2's correction of coordinated omission), with the uncorrected figure
// beside it. Each repetition draws its own seed. The rates bracket each strategy's capacity,
// with finer steps near it (docs/design.md section 6).
//   load/<strategy>/rate:<per s>/seconds:<s>/max_items:<n>/workload:<wait|mixed>/ms:<L>/<params>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "benchmarks/calibration.hpp"
#include "benchmarks/family.hpp"
#include "benchmarks/iterate.hpp"
#include "benchmarks/names.hpp"
#include "benchmarks/profiles.hpp"
#include "benchmarks/scenario.hpp"
#include "harness/measure/bounds.hpp"
#include "harness/measure/stats.hpp"
#include "harness/strategies/registry.hpp"
#include "workloads/mixed.hpp"
#include "workloads/wait.hpp"

namespace fanout::bench {
namespace {

// Repetition k of every load benchmark runs with seed kBaseSeed + k: the three repetitions of a
// rate are three different arrival paths and latency draws, and the strategies of one
// repetition share them.
constexpr std::uint64_t kBaseSeed = 1;

// The arrival window's caps in each profile: at least one of them is reached.
struct window {
  double seconds;
  std::size_t max_items;
};
constexpr window kDefaultWindow{2.0, 2000};
constexpr window kQuickWindow{0.2, 200};

struct load_config {
  double rate = 0;  // offered, per second
  window span;
  strategies::options opt;  // limit, capacity; items is the number of arrivals
  std::size_t workers = 1;
  double budget_ms = 60'000;  // skip when even the strategy's ideal would take longer
};

struct load_totals {
  std::vector<double> corrected, uncorrected;
  double achieved = 0;
  std::size_t queued = 0;

  template <class R>
  void add(const strategies::open_batch<R>& b) {
    for (std::size_t i = 0; i < b.items.size(); ++i) {
      corrected.push_back(b.corrected_ms(i));
      uncorrected.push_back(b.uncorrected_ms(i));
    }
    achieved += b.achieved_per_second();
    queued = std::max(queued, b.max_queued());
  }
};

void report_load(benchmark::State& state, load_totals& t, std::int64_t iterations,
                 const load_config& cfg, const strategies::shape& sh, std::size_t items) {
  counter_set c(state, kLoad);
  c.param("offered_per_second", cfg.rate);
  c.metric("achieved_per_second", t.achieved / static_cast<double>(iterations));
  c.metric("p50_ms", measure::percentile(t.corrected, 0.50));
  c.metric("p99_ms", measure::percentile(t.corrected, 0.99));
  c.metric("p999_ms", measure::percentile(t.corrected, 0.999));
  c.metric("max_ms", t.corrected.empty() ? 0.0 : t.corrected.back());
  c.metric("uncorrected_p99_ms", measure::percentile(t.uncorrected, 0.99));
  c.metric("queued_max", static_cast<double>(t.queued));
  c.metric("os_threads", static_cast<double>(sh.threads));
  c.param("items", static_cast<double>(items));
}

// The mean wait of a workload's items: what its slots hold an item for.
template <class W>
double mean_wait_ms(const W& w) {
  constexpr std::size_t kSample = 1000;
  double sum = 0;
  for (std::size_t i = 0; i < kSample; ++i) sum += w.wait_ms(i);
  return sum / kSample;
}

// The strategy's capacity bound, items per second: its slots over the mean time an item holds
// one, and the threads that can compute over one item's CPU part. Infinite when neither binds.
double capacity_bound(const strategies::shape& sh, std::size_t items, double wait_ms,
                      double compute_ms, std::size_t cores) {
  double cap = std::numeric_limits<double>::infinity();
  if (sh.slots < items) cap = 1000.0 * static_cast<double>(sh.slots) / (wait_ms + compute_ms);
  const double threads = static_cast<double>(std::min(sh.compute_threads, cores));
  if (compute_ms > 0) cap = std::min(cap, 1000.0 * threads / compute_ms);
  return cap;
}

// One item's CPU part, calibrated once per workload configuration and run: the registration's
// choice of rates and each repetition's skip stand on the same figure.
template <class W>
calibration item_cost(const W& w) {
  return calibrate("load/" + std::string(W::name) + w.name_params(), w, 12);
}

// A rate past this multiple of the capacity bound only queues: skipped, as past saturation.
constexpr double kPastSaturation = 2.0;

std::string skip_reason(const load_config& cfg, double span_ms, double ideal_ms, double cap) {
  if (cfg.rate > kPastSaturation * cap) {
    std::string why("skipped: past saturation, offered ");
    why.append(std::to_string(std::llround(cfg.rate))).append("/s is over ");
    why.append(num(kPastSaturation));
    why.append("x the capacity bound of ").append(std::to_string(std::llround(cap)));
    return why.append("/s");
  }
  return over_budget("past saturation, the ideal alone takes", std::max(span_ms, ideal_ms),
                     cfg.budget_ms);
}

// One repetition: its own seed, arrivals and latency draws; the reference checksum is shared by
// every strategy and rate with the same items (calibrate caches it under the key).
template <strategies::strategy S, class W>
void run_open_loop(benchmark::State& state, W w, const load_config& cfg, std::uint64_t seed) {
  const measure::open_seeds seeds = measure::open_seeds::of(seed);
  w.seed = seeds.latencies;
  const measure::arrivals arrivals =
      measure::arrivals::poisson(cfg.rate, cfg.span.seconds, seeds.arrivals, cfg.span.max_items);
  strategies::options opt = cfg.opt;
  opt.items = arrivals.offsets.size();
  const strategies::shape sh = S::shape_of(opt, cfg.workers);
  std::string key("load/");
  key.append(W::name).append(w.name_params()).append("/seed:").append(std::to_string(w.seed));
  const calibration cal =
      calibrate(key.append("/items:").append(std::to_string(opt.items)), w, opt.items);
  const double span_ms = opt.items > 0 ? measure::ms(arrivals.offsets.back()) : 0;
  const double ideal =
      measure::ideal_ms(waits_of(w, opt.items), cal.compute_ms, {sh.slots, sh.compute_threads},
                        measure::available_cores());
  // The capacity bound stands on a calibration of the workload alone, shared by every
  // repetition, so that a rate is skipped in all of them or in none.
  const calibration per_item = item_cost(w);
  strategies::options most = cfg.opt;
  most.items = cfg.span.max_items;
  const double cap = capacity_bound(S::shape_of(most, cfg.workers), most.items, mean_wait_ms(w),
                                    per_item.compute_ms, measure::available_cores());
  const std::string skip = skip_reason(cfg, span_ms, ideal, cap);
  if (!skip.empty()) return state.SkipWithError(skip.c_str());

  strategies::owned_resources built(cfg.workers);
  strategies::resources res = built.view();
  load_totals totals;
  const std::int64_t n = iterate(
      state, [&] { return S::run_open(w, arrivals, opt, res); },
      [&](const auto& b) { return verify(b, cal.checksum); }, [&](const auto& b) { totals.add(b); },
      // A run of 2 s or 2,000 arrivals warms up within its first arrivals; a warm-up run would
      // double the family's time.
      warm_up::none);
  if (n > 0) report_load(state, totals, n, cfg, sh, opt.items);
}

template <strategies::strategy S, class W>
void add(const W& w, const load_config& cfg) {
  const param_list params = strategy_params(S::info, cfg.opt, cfg.workers);
  std::string name("load/");
  name.append(S::info.name).append("/rate:").append(std::to_string(std::llround(cfg.rate)));
  name.append("/seconds:").append(num(cfg.span.seconds));
  name.append("/max_items:").append(std::to_string(cfg.span.max_items));
  name.append("/workload:").append(W::name).append(w.name_params()).append(name_segments(params));
  const measure::per_call_seed seeds(kBaseSeed);  // one seed per repetition
  register_timed(name, "load/" + std::string(S::info.name),
                 [w, cfg, params, seeds](benchmark::State& state) {
                   run_open_loop<S>(state, w, cfg, seeds.next());
                   if (state.error_occurred()) return;
                   counter_set c(state, kLoad);
                   c.param("rate", cfg.rate);
                   c.param("seconds", cfg.span.seconds);
                   c.param("max_items", static_cast<double>(cfg.span.max_items));
                   c.params(params);
                 })
      ->Iterations(1);
}

// A rate rounded to three significant digits: a name that reads well and is the same on every
// machine with the same cores.
double round_rate(double r) {
  const double scale = std::pow(10.0, std::floor(std::log10(r)) - 2);
  return std::round(r / scale) * scale;
}

// From this rate up a run stops at `max_items` within half a second; below it a run costs up to
// its whole `seconds`: fewer steps there.
constexpr double kCheapRate = 4000;
// A strategy whose slots bind below this rate shows its capacity under wait alone.
constexpr double kSlotBoundShown = 1000;
// The ladder for a strategy whose slots do not bind (its capacity is its CPU cost per item,
// known only by running it): 1, 1.5, 2, 3, 5 and 7 per decade from a light load up to this per
// core. Its points cost little above kCheapRate, so the steps are fine wherever it saturates.
constexpr double kLadderFrom = 2000;
constexpr double kLadderToPerCore = 500'000;

// The nearest point of the ladder's 1-1.5-2-3-5-7 grid: a capacity estimate that stays the same
// name on machines (and runs) whose costs differ a little.
double snap(double rate) {
  const double decade = std::pow(10.0, std::floor(std::log10(rate)));
  double best = decade;
  for (double k : {1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0}) {
    if (std::abs(std::log(k * decade / rate)) < std::abs(std::log(best / rate))) best = k * decade;
  }
  return best;
}

// The offered rates for a strategy. Where its slots bind, around its capacity bound (slots and
// CPU), finer near it where runs are cheap. Else the ladder, whose steps are fine everywhere;
// its capacity is its cost per item, which only running it shows. Never past kPastSaturation
// times the bound.
std::vector<double> rates_for(double slot_cap, double cap, std::size_t cores) {
  std::vector<double> out;
  if (std::isfinite(slot_cap)) {
    const double est = snap(cap);
    const std::vector<double> steps = est * 0.5 >= kCheapRate
                                          ? std::vector<double>{0.5, 0.7, 0.85, 1.0, 1.15, 1.3}
                                          : std::vector<double>{0.5, 0.9, 1.2};
    for (double k : steps) out.push_back(round_rate(k * est));
    return out;
  }
  const double top = std::min(kLadderToPerCore * static_cast<double>(cores), kPastSaturation * cap);
  for (double decade = 1000; decade <= top; decade *= 10) {
    for (double k : {1.0, 1.5, 2.0, 3.0, 5.0, 7.0}) {
      if (k * decade >= kLadderFrom && k * decade <= top) out.push_back(k * decade);
    }
  }
  return out;
}

// Every strategy with an open-loop form, at its rates. With `slot_bound_too` false, a strategy
// whose slots bind below kSlotBoundShown is left out: its capacity is its slots', which the wait
// sweep shows already.
template <class W>
void sweep(const W& w, window span, std::size_t cores, double budget_ms, bool slot_bound_too) {
  const double compute_ms = item_cost(w).compute_ms;
  strategies::for_each_strategy([&]<strategies::strategy S>() {
    if constexpr (S::info.open_loop) {
      load_config cfg;
      cfg.span = span;
      cfg.opt = {.items = span.max_items, .limit = 100, .capacity = 1};
      cfg.workers = cores;
      cfg.budget_ms = budget_ms;
      const strategies::shape sh = S::shape_of(cfg.opt, cores);
      const double slot_cap = capacity_bound(sh, span.max_items, mean_wait_ms(w), 0, cores);
      if (!slot_bound_too && slot_cap < kSlotBoundShown) return;
      const double cap = capacity_bound(sh, span.max_items, mean_wait_ms(w), compute_ms, cores);
      for (double rate : rates_for(slot_cap, cap, cores)) {
        cfg.rate = rate;
        add<S>(w, cfg);
      }
    }
  });
}

}  // namespace

void register_load(profile prof, std::size_t cores) {
  const workloads::wait_workload wait;
  const workloads::mixed_workload mixed;
  if (prof == profile::quick) {
    strategies::for_each_strategy([&]<strategies::strategy S>() {
      if constexpr (S::info.open_loop) {
        add<S>(wait, {.rate = 1000,
                      .span = kQuickWindow,
                      .opt = {.items = 0, .limit = 100},
                      .workers = cores,
                      .budget_ms = 2000});
      }
    });
    return;
  }
  sweep(wait, kDefaultWindow, cores, 4000, true);
  sweep(mixed, kDefaultWindow, cores, 4000, false);
}

void register_scenario_load(const workloads::scenario_workload& w, const scenario_spec& s,
                            std::size_t workers) {
  strategies::for_each_strategy([&]<strategies::strategy S>() {
    if constexpr (S::info.open_loop) {
      if (!selected(s, S::info.name)) return;
      for (double rate : s.rates) {
        add<S>(w, {.rate = rate,
                   .span = kDefaultWindow,
                   .opt = {.items = kDefaultWindow.max_items, .limit = s.limits.back()},
                   .workers = workers,
                   .budget_ms = 4000});
      }
    }
  });
}

}  // namespace fanout::bench
