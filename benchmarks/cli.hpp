#pragma once
// The suite's own flags of bm_fanout, taken out of argv before Google Benchmark sees the rest.
//
//   bm_fanout --fanout_profile=quick --fanout_label=laptop --benchmark_out=x.json
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
};

inline constexpr const char* kUsage =
    "usage: bm_fanout [--fanout_profile=quick|default] [--fanout_label=NAME]\n"
    "                 [--fanout_commit=SHA] [--benchmark_* flags of Google Benchmark]";

[[noreturn]] inline void usage_error(const std::string& message) {
  std::fprintf(stderr, "bm_fanout: %s\n%s\n", message.c_str(), kUsage);
  std::exit(2);
}

// Removes the --fanout_* flags from argv; exits with status 2 on a bad one.
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
      if (out.label.empty()) usage_error("empty --fanout_label");
    } else if (arg.rfind("--fanout_commit=", 0) == 0) {
      out.git_commit = value("--fanout_commit=");
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
