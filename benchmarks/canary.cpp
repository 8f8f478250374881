#include "benchmarks/canary.hpp"

#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <thread>
#include <vector>

#include "harness/measure/process.hpp"
#include "harness/measure/speed.hpp"
#include "workloads/transcode.hpp"

namespace fanout::bench {
namespace {

struct canary_state {
  std::vector<int> cpus{-1};  // the affinity mask's CPUs, a canary thread each (-1: anywhere)
  measure::speed_reference reference;
};
canary_state& state() {
  static canary_state s;
  return s;
}

// This thread's own CPU time in ms: what the core's speed gives it, whatever else the scheduler
// ran there meanwhile (that is `others_cpu`'s to see, not the canary's).
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// On `cpu` (-1: anywhere), one segment of the default transcode: its CPU time in ms.
double segment_on(int cpu) {
  if (cpu >= 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pthread_setaffinity_np(pthread_self(), sizeof one, &one);
  }
  const double t0 = thread_cpu_ms();
  benchmark::DoNotOptimize(workloads::transcode_segment({}, /*seed=*/1).checksum);
  return thread_cpu_ms() - t0;
}

}  // namespace

void calibrate_canary(std::size_t samples) {
  state().cpus = measure::affinity_cpus();
  if (state().cpus.empty()) state().cpus.push_back(-1);  // unknown: wherever it is put
  for (std::size_t i = 0; i < samples; ++i) canary_ms();
}

double canary_ms() {
  canary_state& s = state();
  std::vector<double> times(s.cpus.size());
  {
    std::vector<std::jthread> threads;
    threads.reserve(s.cpus.size());
    for (std::size_t k = 0; k < s.cpus.size(); ++k) {
      threads.emplace_back([&times, &s, k] { times[k] = segment_on(s.cpus[k]); });
    }
  }
  const double slowest = *std::max_element(times.begin(), times.end());
  s.reference.add(slowest);
  return slowest;
}

double canary_slowdown(double ms) { return state().reference.slowdown(ms); }

std::string canary_json() {
  const canary_state& s = state();
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "{\"work\": \"one transcode segment (the cpu workload's default item) on each of "
                "%zu cores at once, each thread pinned to its core, in thread CPU time\", "
                "\"reference_ms\": %.4f, \"percentile\": %.2f, \"limit\": %.2f, "
                "\"min_cpu_share\": %.2f, \"samples\": %zu}",
                s.cpus.size(), s.reference.reference_ms(), measure::kReferencePercentile,
                measure::kSlowdownLimit, measure::kMinCpuShare, s.reference.samples());
  return buf;
}

}  // namespace fanout::bench
