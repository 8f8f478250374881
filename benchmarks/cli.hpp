#pragma once
// The suite's own flags of bm_fanout, taken out of argv before Google Benchmark sees the rest.
//
//   bm_fanout --fanout_profile=quick --fanout_label=laptop --benchmark_out=x.json
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "benchmarks/profiles.hpp"

namespace fanout::bench {

struct cli {
  profile prof = profile::standard;
  std::string label = "unlabelled";
  std::string git_commit;
  std::string out;              // the JSON file; "-": stdout; none when empty
  std::size_t repetitions = 0;  // > 0: exactly this many of every benchmark
  double budget_s = 840;        // the default profile's adaptive rounds stop here
  std::size_t items = 0;        // > 0: the fan-out family once per pair, at this many items
  bool list = false;            // --benchmark_list_tests (left for Google Benchmark too)
  std::string scenario;         // a scenario's lines (benchmarks/scenario.hpp): run it alone
};

inline constexpr const char* kUsage =
    "usage: bm_fanout [--fanout_profile=quick|default] [--fanout_label=NAME]\n"
    "                 [--fanout_commit=SHA] [--benchmark_out=FILE.json]\n"
    "                 [--benchmark_repetitions=N] [--fanout_budget_s=SECONDS]\n"
    "                 [--fanout_scenario=FILE] [--fanout_items=N]\n"
    "                 [--benchmark_* flags of Google Benchmark]";

[[noreturn]] inline void usage_error(const std::string& message) {
  std::fprintf(stderr, "bm_fanout: %s\n%s\n", message.c_str(), kUsage);
  std::exit(2);
}

// A whole number from 1 to `most` (or, for a budget, any positive number), or a usage error.
inline double number(std::string_view text, const char* flag, double most) {
  const std::string t(text);
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (t.empty() || *end != '\0' || !(v >= 1) || v > most) {
    usage_error("bad " + std::string(flag) + " \"" + t + "\": expected a number from 1 to " +
                std::to_string(static_cast<long long>(most)));
  }
  return v;
}

// The labels run_all.sh accepts: they name folders, and the JSON and figures carry them.
inline bool valid_label(std::string_view label) {
  auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  };
  return !label.empty() && label.size() <= 64 && std::all_of(label.begin(), label.end(), ok);
}

// Removes the --fanout_* flags from argv, and the repetition and output flags of Google
// Benchmark, which the rounds take over (benchmarks/rounds.hpp); exits with status 2 on a bad
// one.
inline cli parse_cli(int& argc, char** argv) {
  cli out;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&](std::string_view key) -> std::string_view { return arg.substr(key.size()); };
    if (arg.rfind("--fanout_profile=", 0) == 0) {
      const std::string_view v = value("--fanout_profile=");
      if (v == "quick") {
        out.prof = profile::quick;
      } else if (v == "default") {
        out.prof = profile::standard;
      } else {
        usage_error("bad profile \"" + std::string(v) + "\": expected quick or default");
      }
    } else if (arg.rfind("--fanout_label=", 0) == 0) {
      out.label = value("--fanout_label=");
      if (!valid_label(out.label)) {
        usage_error("bad --fanout_label: use 1 to 64 letters, digits, '.', '_' or '-'");
      }
    } else if (arg.rfind("--fanout_commit=", 0) == 0) {
      out.git_commit = value("--fanout_commit=");
    } else if (arg.rfind("--fanout_scenario=", 0) == 0) {
      out.scenario = value("--fanout_scenario=");
      if (out.scenario.empty()) usage_error("empty --fanout_scenario");
    } else if (arg.rfind("--fanout_budget_s=", 0) == 0) {
      out.budget_s = number(value("--fanout_budget_s="), "--fanout_budget_s", 1e6);
    } else if (arg.rfind("--fanout_items=", 0) == 0) {
      const double n = number(value("--fanout_items="), "--fanout_items", 1e6);
      if (n != std::floor(n)) usage_error("--fanout_items takes a whole number");
      out.items = static_cast<std::size_t>(n);
    } else if (arg.rfind("--benchmark_repetitions=", 0) == 0) {
      const double n = number(value("--benchmark_repetitions="), "--benchmark_repetitions", 999);
      if (n != std::floor(n)) usage_error("--benchmark_repetitions takes a whole number");
      out.repetitions = static_cast<std::size_t>(n);
    } else if (arg.rfind("--benchmark_out=", 0) == 0) {
      out.out = value("--benchmark_out=");
      if (out.out.empty()) usage_error("empty --benchmark_out");
    } else if (arg.rfind("--benchmark_format=", 0) == 0) {
      // Google Benchmark would print each round apart: the rounds print the JSON once.
      if (value("--benchmark_format=") == "json") {
        out.out.assign(1, '-');  // stdout
      } else if (value("--benchmark_format=") != "console") {
        usage_error("the formats are console and json");
      }
    } else if (arg.rfind("--benchmark_out_format=", 0) == 0) {
      if (value("--benchmark_out_format=") != "json") usage_error("the output format is json");
    } else if (arg == "--benchmark_list_tests" || arg == "--benchmark_list_tests=true") {
      out.list = true;
      argv[kept++] = argv[i];
    } else if (arg.rfind("--fanout", 0) == 0) {
      usage_error("unknown flag \"" + std::string(arg) + "\"");
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  return out;
}

}  // namespace fanout::bench
