#include "harness/measure/process.hpp"

#include <malloc.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

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

// User and system time of process `pid` (fields 14 and 15 of /proc/PID/stat), in seconds; 0
// once it is gone.
double pid_cpu_seconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(in, text);
  const std::size_t name_end = text.rfind(')');  // the name in parentheses may hold spaces
  if (name_end == std::string::npos) return 0;
  std::istringstream fields(text.substr(name_end + 2));
  std::string skip;
  for (int field = 3; field < 14; ++field) fields >> skip;
  unsigned long long user = 0, system = 0;
  if (!(fields >> user >> system)) return 0;
  return static_cast<double>(user + system) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct helper_registry {
  std::mutex mutex;
  std::vector<int> live;  // guarded by mutex
  double retired_s = 0;   // the CPU time of the removed ones; guarded by mutex
};

helper_registry& helpers() {
  static helper_registry r;
  return r;
}

}  // namespace

void add_helper_process(int pid) {
  std::lock_guard lock(helpers().mutex);
  helpers().live.push_back(pid);
}

void remove_helper_process(int pid) {
  helper_registry& r = helpers();
  std::lock_guard lock(r.mutex);
  const auto it = std::find(r.live.begin(), r.live.end(), pid);
  if (it == r.live.end()) return;
  r.retired_s += pid_cpu_seconds(pid);
  r.live.erase(it);
}

double helper_cpu_seconds() {
  helper_registry& r = helpers();
  std::lock_guard lock(r.mutex);
  double s = r.retired_s;
  for (int pid : r.live) s += pid_cpu_seconds(pid);
  return s;
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::size_t current_rss_bytes() { return status_kb("VmRSS"); }
std::size_t peak_rss_bytes() { return status_kb("VmHWM"); }

void release_free_memory() { malloc_trim(0); }

void keep_freed_memory() {
  // Fixed thresholds also stop glibc's adjusting them. Blocks below 32 MiB (its largest mmap
  // threshold) come from the heap, and the heap is trimmed only by malloc_trim.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
}

bool peak_rss_reset() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

std::vector<int> affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  }
  return cpus;
}

std::size_t available_cores() { return std::max<std::size_t>(affinity_cpus().size(), 1); }

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n > 0 ? n - 1 : 0;
}

}  // namespace fanout::measure
