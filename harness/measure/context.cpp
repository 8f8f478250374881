#include "harness/measure/context.hpp"

#include <oneapi/tbb/version.h>
#include <sys/utsname.h>
#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "harness/measure/process.hpp"

// Set by harness/measure/CMakeLists.txt from the configured build.
#ifndef FANOUT_CXX_FLAGS
#define FANOUT_CXX_FLAGS "unknown"
#endif
#ifndef FANOUT_BUILD_TYPE
#define FANOUT_BUILD_TYPE "unknown"
#endif
#ifndef FANOUT_BENCHMARK_VERSION
#define FANOUT_BENCHMARK_VERSION "unknown"
#endif
#ifndef FANOUT_SANITIZE
#define FANOUT_SANITIZE ""
#endif

namespace fanout::measure {
namespace {

std::string read_first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string proc_value(const char* path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto start = line.find_first_not_of(" \t", colon + 1);
    return start == std::string::npos ? "" : line.substr(start);
  }
  return {};
}

std::string kernel() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return std::string(u.sysname) + " " + u.release + " " + u.machine;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace

std::string load_averages() {
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) != 3) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f", load[0], load[1], load[2]);
  return buf;
}

std::vector<std::string> noise_warnings() {
  std::vector<std::string> warnings;
  const std::string governor =
      read_first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  if (!governor.empty() && governor != "performance") {
    warnings.push_back("CPU frequency scaling is on (governor " + governor + ")");
  }
  if (read_first_line("/sys/devices/system/cpu/intel_pstate/no_turbo") == "0" ||
      read_first_line("/sys/devices/system/cpu/cpufreq/boost") == "1") {
    warnings.emplace_back("turbo boost is on: clock speed varies with load and temperature");
  }
  if (std::string(FANOUT_SANITIZE).size()) {
    warnings.push_back(std::string("sanitizer build (") + FANOUT_SANITIZE +
                       "): timings are not representative");
  }
  return warnings;
}

std::vector<std::pair<std::string, std::string>> machine_context(const std::string& label,
                                                                 const std::string& git_commit) {
  const std::string mem_kb = proc_value("/proc/meminfo", "MemTotal");
  return {
      {"fanout_label", label},
      {"fanout_git_commit", git_commit.empty() ? "unknown" : git_commit},
      {"fanout_cpu_model", proc_value("/proc/cpuinfo", "model name")},
      {"fanout_cores", std::to_string(available_cores())},
      {"fanout_memory", mem_kb},
      {"fanout_kernel", kernel()},
      {"fanout_compiler", __VERSION__},
      {"fanout_cxx_flags", FANOUT_CXX_FLAGS},
      {"fanout_build_type", FANOUT_BUILD_TYPE},
      {"fanout_tbb_version", TBB_VERSION_STRING},
      {"fanout_libuv_version", uv_version_string()},
      {"fanout_benchmark_version", FANOUT_BENCHMARK_VERSION},
      // Debian builds libbenchmark without NDEBUG, so Google Benchmark's own
      // "library_build_type" says debug. It describes the library only.
      {"fanout_library_build_type_note",
       "library_build_type describes Debian's libbenchmark (built without NDEBUG), not this "
       "suite; this suite's build type is fanout_build_type"},
      {"fanout_noise_warnings", join(noise_warnings())},
      {"fanout_load_before", load_averages()},
  };
}

}  // namespace fanout::measure
