#include "harness/measure/noise.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "harness/measure/process.hpp"
#include "harness/measure/time.hpp"

namespace fanout::measure {

cpu_counters read_cpu_counters() {
  cpu_counters c;
  c.own_s = process_cpu_seconds() + helper_cpu_seconds();
  std::ifstream in("/proc/stat");
  std::string cpu;
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (USER_HZ ticks);
  // guest time is already counted in user. Interrupts are left out: the ones this process
  // causes (its timers, its wake-ups) are not counted in its own CPU time.
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                     steal = 0;
  if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) ||
      cpu != "cpu") {
    return c;
  }
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  c.busy_s = static_cast<double>(user + nice + system) / hz;
  c.steal_s = static_cast<double>(steal) / hz;
  return c;
}

noise_sample noise_between(const cpu_counters& before, const cpu_counters& after, double wall_s) {
  noise_sample s;
  s.wall_s = wall_s;
  const double own = after.own_s - before.own_s;
  s.others_s = std::max(0.0, (after.busy_s - before.busy_s) - own);
  s.steal_s = std::max(0.0, after.steal_s - before.steal_s);
  return s;
}

namespace {
double wall_now_s() { return seconds(clock::now().time_since_epoch()); }
}  // namespace

noise_window::noise_window() : start_(read_cpu_counters()), start_wall_s_(wall_now_s()) {}

noise_sample noise_window::finish() const {
  return noise_between(start_, read_cpu_counters(), wall_now_s() - start_wall_s_);
}

}  // namespace fanout::measure
