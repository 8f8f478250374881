#include "harness/measure/process.hpp"

#include <malloc.h>
#include <sched.h>
#include <time.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace fanout::measure {
namespace {

// A "Name:   1234 kB" line of /proc/self/status, in bytes.
std::size_t status_kb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(key) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return std::stoull(line.substr(prefix.size())) * 1024;
  }
  return 0;
}

}  // namespace

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::size_t current_rss_bytes() { return status_kb("VmRSS"); }
std::size_t peak_rss_bytes() { return status_kb("VmHWM"); }

void release_free_memory() { malloc_trim(0); }

bool peak_rss_reset() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

std::size_t available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  const int n = CPU_COUNT(&set);
  return n > 0 ? static_cast<std::size_t>(n) : 1;
}

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n > 0 ? n - 1 : 0;
}

}  // namespace fanout::measure
