#include "benchmarks/rounds.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <stdexcept>
#include <tuple>

#include "benchmarks/canary.hpp"
#include "harness/measure/context.hpp"
#include "harness/measure/speed.hpp"
#include "harness/measure/stats.hpp"

namespace fanout::bench {
namespace {

using Run = benchmark::BenchmarkReporter::Run;

// Others' CPU (and steal) from which a benchmark's timings count as disturbed, in cores.
constexpr double kNoiseThresholdCores = 0.25;
// What one window's reading of the machine's counters may be off by, in core-seconds: they
// count in hundredths of a second, on ticks of their own.
constexpr double kCounterResolutionS = 0.02;

// One benchmark's repetitions so far.
struct bench_record {
  std::vector<Run> runs;
  std::vector<double> times;  // each at-speed repetition's makespan (real time per iteration)
  std::size_t set_aside = 0;  // repetitions beside which the canary ran slowed
  bool failed = false;        // an error or a skip: never repeated
  measure::noise_sample noise;
  std::size_t windows = 0;
  double mean_wall_s() const { return windows ? noise.wall_s / static_cast<double>(windows) : 0; }
};

// Whether a benchmark's pooled windows show the threshold crossed by more than the counters'
// resolution could fake: short windows are judged only when the excess is unmistakable.
bool disturbed(const bench_record& rec) {
  const measure::noise_sample& n = rec.noise;
  const double excess = n.others_s + n.steal_s - kNoiseThresholdCores * n.wall_s;
  return excess > kCounterResolutionS * std::sqrt(static_cast<double>(rec.windows));
}

struct round_state {
  std::size_t round = 0;
  std::set<std::string> active;  // past the first round: the benchmarks that run
  std::map<std::string, bench_record> benches;
  std::string current;  // the benchmark whose body runs now
};
round_state& rounds() {
  static round_state s;
  return s;
}

// Whether the canary beside a run saw the machine slowed (benchmarks/canary.hpp) while the run
// computed: the run is kept in the JSON with its `slowdown`, but its time neither counts towards
// the repetitions nor narrows the interval. A run that mostly waits is never set aside.
bool slowed(const Run& r) {
  const auto it = r.counters.find("slowdown");
  const bool computes = r.cpu_accumulated_time >= measure::kMinCpuShare * r.real_accumulated_time;
  return computes && it != r.counters.end() && it->second.value > measure::kSlowdownLimit;
}

// Forwards the runs of each round to the console, drops those that sat the round out, and
// keeps the rest, numbering each benchmark's repetitions.
class round_reporter final : public benchmark::BenchmarkReporter {
 public:
  // `display`: where each round's runs are shown; none when the JSON goes to stdout.
  explicit round_reporter(benchmark::BenchmarkReporter* display) : display_(display) {}
  bool ReportContext(const Context& c) override {
    if (context_) return true;
    context_.emplace(c);
    return display_ ? display_->ReportContext(c) : true;
  }
  void ReportRuns(const std::vector<Run>& runs) override {
    std::vector<Run> kept;
    for (Run r : runs) {
      if (r.run_type != Run::RT_Iteration) continue;
      if (r.error_occurred && r.error_message == kNotThisRound) continue;
      bench_record& rec = rounds().benches[r.run_name.function_name];
      r.repetition_index = static_cast<std::int64_t>(rec.runs.size());
      r.statistics = nullptr;  // points into this round's instances, gone after it
      if (r.error_occurred) {
        rec.failed = true;
      } else if (slowed(r)) {
        ++rec.set_aside;
      } else {
        rec.times.push_back(r.GetAdjustedRealTime());
      }
      rec.runs.push_back(r);
      kept.push_back(r);
    }
    if (!kept.empty() && display_) display_->ReportRuns(kept);
  }
  void Finalize() override {}
  const Context* context() const { return context_ ? &*context_ : nullptr; }

 private:
  benchmark::BenchmarkReporter* display_;
  std::optional<Context> context_;
};

// How many repetitions a fixed plan or family gives `name`; 0 when it is adaptive.
std::size_t fixed_count(const repetition_plan& plan, const std::string& name) {
  if (plan.fixed) return plan.fixed;
  for (const auto& [prefix, n] : plan.fixed_families) {
    if (name.rfind(prefix + "/", 0) == 0) return n;
  }
  return 0;
}

// The benchmarks of the next round: those short of their fixed count or of the minimum, and,
// while the budget lasts, those with fewer at-speed repetitions than the minimum (some were set
// aside), then the cheapest of those whose interval is still too wide.
std::set<std::string> next_round(const repetition_plan& plan, double elapsed_s) {
  std::set<std::string> due;
  // (still wider than quoted, cost of a repetition, name): sorted, the order of extra rounds
  std::vector<std::tuple<bool, double, std::string>> extra;
  for (const auto& [name, rec] : rounds().benches) {
    const std::size_t n = rec.runs.size(), at_speed = rec.times.size();
    if (rec.failed) continue;
    if (const std::size_t fixed = fixed_count(plan, name)) {
      if (n < fixed) due.insert(name);
    } else if (n < plan.min) {
      due.insert(name);
    } else if (n >= plan.max) {
      continue;
    } else if (at_speed < plan.min) {
      extra.emplace_back(false, rec.mean_wall_s(), name);
    } else if (const double width = measure::relative_half_width(rec.times);
               width > plan.ci_target) {
      extra.emplace_back(width <= plan.ci_quoted, rec.mean_wall_s(), name);
    }
  }
  std::sort(extra.begin(), extra.end());
  double cost = 0;
  for (const auto& [name, rec] : rounds().benches) {
    if (due.count(name)) cost += rec.mean_wall_s();
  }
  for (const auto& [quoted, wall, name] : extra) {
    if (elapsed_s + cost + wall > plan.budget_s) break;
    cost += wall;
    due.insert(name);
  }
  return due;
}

// The runs of every benchmark, grouped and in registration order, each benchmark's
// repetition count set to how many it had.
std::vector<std::vector<Run>> grouped_runs() {
  std::vector<std::vector<Run>> out;
  for (auto& [name, rec] : rounds().benches) {
    for (Run& r : rec.runs) r.repetitions = static_cast<std::int64_t>(rec.runs.size());
    if (!rec.runs.empty()) out.push_back(rec.runs);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a[0].family_index, a[0].per_family_instance_index) <
           std::make_pair(b[0].family_index, b[0].per_family_instance_index);
  });
  return out;
}

// The benchmarks during which a meaningful part of a core went to other processes or to the
// hypervisor, pooled over their repetitions, as a JSON list for the context; and how many.
std::pair<std::string, std::size_t> noisy_benchmarks() {
  std::string out = "[";
  std::size_t count = 0;
  for (const auto& [name, rec] : rounds().benches) {
    const double others = rec.noise.others_cores(), steal = rec.noise.steal_cores();
    if (rec.runs.empty() || !disturbed(rec)) continue;
    char buf[96];
    std::snprintf(buf, sizeof buf, "\", \"others_cpu\": %.3f, \"steal_cpu\": %.3f}", others, steal);
    out += count++ ? ", {\"name\": \"" : "{\"name\": \"";
    out += name;
    out += buf;
  }
  return {out + "]", count};
}

// What the context says of the run's noise and repetitions, known only once it is over.
void add_closing_context(const repetition_plan& plan) {
  const auto [noisy, count] = noisy_benchmarks();
  benchmark::AddCustomContext("fanout_noisy", noisy);
  char threshold[16];
  std::snprintf(threshold, sizeof threshold, "%.2f", kNoiseThresholdCores);
  benchmark::AddCustomContext("fanout_noise_threshold_cores", threshold);
  benchmark::AddCustomContext("fanout_load_after", measure::load_averages());
  benchmark::AddCustomContext("fanout_repetitions", plan.describe());
  std::size_t set_aside = 0;
  for (const auto& [name, rec] : rounds().benches) set_aside += rec.set_aside;
  std::string canary = canary_json();
  canary.insert(canary.size() - 1, ", \"set_aside\": " + std::to_string(set_aside));
  benchmark::AddCustomContext("fanout_canary", canary);
  if (count) {
    std::fprintf(stderr,
                 "warning: %zu benchmarks ran while other processes or the hypervisor took %.2f "
                 "cores or more (fanout_noisy in the JSON context)\n",
                 count, kNoiseThresholdCores);
  }
  if (set_aside) {
    std::fprintf(stderr,
                 "warning: %zu repetitions ran while a canary beside them took more than %.2f "
                 "times its reference (set aside; fanout_canary in the JSON context)\n",
                 set_aside, measure::kSlowdownLimit);
  }
}

// Every run as Google Benchmark's JSON.
void print_json(const benchmark::BenchmarkReporter::Context& context, std::ostream& out) {
  benchmark::JSONReporter json;
  json.SetOutputStream(&out);
  json.SetErrorStream(&out);
  json.ReportContext(context);
  for (const auto& runs : grouped_runs()) json.ReportRuns(runs);
  json.Finalize();
}

// Writes the JSON to `path` ("-": stdout) under a temporary name, renamed once complete.
void write_json(const benchmark::BenchmarkReporter::Context& context, const std::string& path) {
  if (path == "-") {
    print_json(context, std::cout);
    return;
  }
  const std::string tmp = path + ".partial";
  {
    std::ofstream f(tmp);
    print_json(context, f);
    errno = 0;
    f.close();  // flushes: a full disk or a file-size limit shows here at the latest
    if (!f) {
      const std::string why = errno ? std::strerror(errno) : "write failed";
      // What was written stays under the temporary name, for a look at how far it got.
      throw std::runtime_error("cannot write " + path + ": " + why + " (what was written is in " +
                               tmp + ")");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + tmp + ": " + std::strerror(errno));
  }
}

}  // namespace

std::string repetition_plan::describe() const {
  if (fixed) return "{\"policy\": \"fixed\", \"n\": " + std::to_string(fixed) + "}";
  std::string out = "{\"policy\": \"adaptive\", \"min\": " + std::to_string(min);
  out += ", \"max\": " + std::to_string(max);
  out += ", \"ci_target\": " + std::to_string(ci_target);
  out += ", \"ci_quoted\": " + std::to_string(ci_quoted);
  out += ", \"budget_s\": " + std::to_string(budget_s) + ", \"fixed_families\": {";
  const char* sep = "";
  for (const auto& [prefix, n] : fixed_families) {
    out += sep;
    out += "\"" + prefix + "\": " + std::to_string(n);
    sep = ", ";
  }
  return out + "}}";
}

bool wanted(const std::string& name) {
  round_state& s = rounds();
  if (s.round > 1 && !s.active.count(name)) return false;
  s.current = name;
  return true;
}

bool first_repetition() {
  const round_state& s = rounds();
  const auto it = s.benches.find(s.current);
  return it == s.benches.end() || it->second.runs.empty();
}

void add_noise(const std::string& name, const measure::noise_sample& sample) {
  bench_record& rec = rounds().benches[name];
  rec.noise += sample;
  ++rec.windows;
}

// Fails before the run, not after it, where the JSON cannot be written.
void check_writable(const std::string& path) {
  if (path.empty() || path == "-") return;
  const std::string tmp = path + ".partial";
  const bool ok = static_cast<bool>(std::ofstream(tmp));
  const std::string why = std::strerror(errno);
  std::remove(tmp.c_str());
  if (!ok) throw std::runtime_error("cannot write " + path + ": " + why);
}

std::size_t run_rounds(const repetition_plan& plan, const std::string& out_path) {
  check_writable(out_path);
  using steady = std::chrono::steady_clock;
  const auto start = steady::now();
  // Colours only on a terminal: run_all.sh reads the log for its progress line.
  benchmark::ConsoleReporter console(isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_Color
                                                           : benchmark::ConsoleReporter::OO_None);
  round_reporter reporter(out_path == "-" ? nullptr : &console);
  std::ostream& log = out_path == "-" ? std::cerr : std::cout;
  round_state& s = rounds();
  calibrate_canary();
  for (s.round = 1;; ++s.round) {
    log << "== round " << s.round << ": "
        << (s.round == 1 ? std::string("every benchmark")
                         : std::to_string(s.active.size()) + " benchmarks")
        << std::endl;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    if (s.benches.empty()) return 0;
    const double elapsed = std::chrono::duration<double>(steady::now() - start).count();
    s.active = next_round(plan, elapsed);
    if (s.active.empty()) break;
  }
  std::size_t ran = 0;
  for (const auto& [name, rec] : s.benches) ran += !rec.runs.empty();
  add_closing_context(plan);
  if (!out_path.empty()) write_json(*reporter.context(), out_path);
  return ran;
}

}  // namespace fanout::bench
