#pragma once
// What else ran while a benchmark did (docs/design.md section 3): the CPU that other processes
// used and the time the hypervisor stole, over one window of the benchmark's own wall time.
//
//   noise_window w;                 // starts now
//   ... one repetition ...
//   noise_sample s = w.finish();    // s.others_cores: 0.9 means most of a core went elsewhere
//
// The machine's counters (/proc/stat) tick at 100 Hz while the process's own CPU time is
// exact, so one short window may read a few hundredths of a core-second off either way: pool
// windows (add them up) before judging a benchmark.
namespace fanout::measure {

// Seconds since boot of busy CPU time (user, nice, system: processes' own) and of steal, summed
// over every CPU of the machine; the process's own CPU time. Zeros where /proc cannot be read.
struct cpu_counters {
  double busy_s = 0, steal_s = 0, own_s = 0;
};
cpu_counters read_cpu_counters();

// One window, or several added up.
struct noise_sample {
  double wall_s = 0;
  double others_s = 0;  // core-seconds that other processes ran (never below 0)
  double steal_s = 0;   // core-seconds stolen from this machine's CPUs
  double others_cores() const { return wall_s > 0 ? others_s / wall_s : 0; }
  double steal_cores() const { return wall_s > 0 ? steal_s / wall_s : 0; }
  noise_sample& operator+=(const noise_sample& o) {
    wall_s += o.wall_s;
    others_s += o.others_s;
    steal_s += o.steal_s;
    return *this;
  }
};

// The difference of two readings over `wall_s` seconds.
noise_sample noise_between(const cpu_counters& before, const cpu_counters& after, double wall_s);

class noise_window {
 public:
  noise_window();
  noise_sample finish() const;

 private:
  cpu_counters start_;
  double start_wall_s_;
};

}  // namespace fanout::measure
