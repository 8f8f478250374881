// scenario/...: the fan-out of one scenario file (docs/design.md section 10), every selected
// strategy at each of its sizes, limits and worker counts, through the fan-out body of
// benchmarks/fanout.hpp; and its open-loop rates through benchmarks/load.cpp.
//   scenario/<strategy>/items:<n>/<limit, capacity, workers>/<latency>/frames:<f>/height:<h>
#include "benchmarks/scenario.hpp"

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include "benchmarks/fanout.hpp"
#include "benchmarks/names.hpp"
#include "benchmarks/profiles.hpp"
#include "harness/strategies/registry.hpp"

namespace fanout::bench {
namespace {

template <class T>
std::vector<T> values_of(std::istringstream& in) {
  std::vector<T> out;
  for (T v; in >> v;) out.push_back(v);
  return out;
}

void check_strategies(const scenario_spec& s) {
  const std::vector<strategies::traits> all = strategies::all_traits();
  std::string accepted;
  for (const auto& t : all) accepted.append(accepted.empty() ? "" : ", ").append(t.name);
  for (const std::string& name : s.strategies) {
    if (std::none_of(all.begin(), all.end(), [&](const auto& t) { return t.name == name; })) {
      throw scenario_error("scenario " + s.source + ": key 'strategies': unknown strategy \"" +
                           name + "\"; accepted: " + accepted);
    }
  }
}

void read_line(scenario_spec& s, const std::string& key, std::istringstream& in) {
  if (key == "source") {
    std::getline(in >> std::ws, s.source);
  } else if (key == "json") {
    std::getline(in >> std::ws, s.json);
  } else if (key == "latency") {
    in >> s.latency;
  } else if (key == "latency_values") {
    s.latency_values = values_of<double>(in);
  } else if (key == "compute_ms") {
    in >> s.compute_ms;
  } else if (key == "frames") {
    in >> s.frames;
  } else if (key == "order") {
    std::string order;
    in >> order;
    if (order == "compute_then_wait") s.order = workloads::scenario_order::compute_then_wait;
  } else if (key == "items" || key == "limits" || key == "workers") {
    auto& list = key == "items" ? s.items : key == "limits" ? s.limits : s.workers;
    list = values_of<std::size_t>(in);
  } else if (key == "strategies") {
    s.strategies = values_of<std::string>(in);
  } else if (key == "rates") {
    s.rates = values_of<double>(in);
  } else if (key == "ci_target") {
    in >> s.ci_target;
  } else {
    throw scenario_error("unknown key \"" + key + "\"");
  }
}

// The fastest of 15 transcodes of `p`, in ms: a lower bound of its cost, as calibrate's. Five
// were too few: a slow spell of the host over all of them sized a 3 ms item at 2.2 ms.
double transcode_ms(const workloads::transcode_params& p) {
  double best = 1e300;
  for (std::uint64_t k = 0; k < 15; ++k) {
    const auto t0 = measure::clock::now();
    benchmark::DoNotOptimize(workloads::transcode_segment(p, k + 1));
    best = std::min(best, measure::ms(measure::clock::now() - t0));
  }
  return best;
}

// A transcode of about `ms`: frames after the first (intra-coded, cheaper) cost alike, so the
// frame count follows from the cost of one and of five frames; below one frame, fewer rows.
workloads::transcode_params sized_transcode(double ms) {
  workloads::transcode_params p;
  p.frames = 1;
  const double first = transcode_ms(p);
  p.frames = 5;
  const double next = std::max(1e-6, (transcode_ms(p) - first) / 4);
  if (ms <= first) {
    const int rows = workloads::macroblock_rows(p);
    p.frames = 1;
    p.height = workloads::kTranscodeMacroblock *
               std::clamp(static_cast<int>(std::lround(rows * ms / first)), 1, rows);
    return p;
  }
  p.frames = std::clamp(1 + static_cast<int>(std::lround((ms - first) / next)), 1,
                        workloads::kTranscodeMaxFrames);
  return p;
}

template <strategies::strategy S>
void add(const workloads::scenario_workload& w, const fanout_config& cfg) {
  const param_list params = strategy_params(S::info, cfg.opt, cfg.workers);
  const std::string label = std::string("scenario/") + S::info.name;
  fanout_config keyed = cfg;
  keyed.key =
      label + "/items:" + std::to_string(cfg.opt.items) + name_segments(params) + w.name_params();
  auto* b = register_timed(keyed.key, label, [w, cfg = keyed, params](benchmark::State& state) {
    run_fanout<S>(state, w, cfg);
    if (state.error_occurred()) return;
    counter_set c(state, kScenario);
    c.params(params);
    c.params(w.param_counters());
  });
  // Fan-outs without waits take a few ms: average 100 ms of them per repetition, as cpu's.
  if (!w.samples && w.latency.max_ms() == 0) b->MinTime(0.1);
}

// One strategy at every size of the scenario, and at every limit and worker count it takes.
template <strategies::strategy S>
void add_all(const workloads::scenario_workload& w, const scenario_spec& s,
             const std::vector<std::size_t>& workers) {
  const std::vector<std::size_t> once{0};
  fanout_config cfg;
  cfg.budget_ms = kDefaultBudgetMs;
  for (std::size_t n : s.items) {
    for (std::size_t limit : S::info.limit ? s.limits : once) {
      for (std::size_t pool : S::info.workers ? workers : std::vector{workers.back()}) {
        cfg.opt = {.items = n, .limit = limit ? limit : 1, .capacity = 1};
        cfg.workers = pool;
        add<S>(w, cfg);
      }
    }
  }
}

}  // namespace

scenario_spec read_scenario(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw scenario_error(path + ": cannot read the scenario");
  scenario_spec s;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    std::istringstream in(line);
    std::string key;
    if (!(in >> key)) continue;
    try {
      read_line(s, key, in);
    } catch (const scenario_error& e) {
      throw scenario_error(path + ":" + std::to_string(number) + ": " + e.what());
    }
  }
  if (s.items.empty()) throw scenario_error(path + ": no items");
  if (s.limits.empty()) s.limits = {10};
  check_strategies(s);
  return s;
}

bool selected(const scenario_spec& s, std::string_view strategy) {
  return s.strategies.empty() ||
         std::find(s.strategies.begin(), s.strategies.end(), strategy) != s.strategies.end();
}

workloads::scenario_workload scenario_workload_of(const scenario_spec& s) {
  workloads::scenario_workload w;
  w.order = s.order;
  if (s.latency_values.empty()) {
    w.latency = workloads::latency_dist::parse(s.latency);
  } else {
    w.samples = std::make_shared<const std::vector<double>>(s.latency_values);
  }
  if (s.frames > 0) {
    w.computes = true;
    w.params.frames = s.frames;
  } else if (s.compute_ms > 0) {
    w.computes = true;
    w.params = sized_transcode(s.compute_ms);
  }
  return w;
}

void register_scenario(const scenario_spec& s, std::size_t cores) {
  const workloads::scenario_workload w = scenario_workload_of(s);
  std::vector<std::size_t> workers = s.workers.empty() ? std::vector{cores} : s.workers;
  strategies::for_each_strategy([&]<strategies::strategy S>() {
    if (selected(s, S::info.name)) add_all<S>(w, s, workers);
  });
  if (!s.rates.empty()) register_scenario_load(w, s, workers.back());
}

}  // namespace fanout::bench
