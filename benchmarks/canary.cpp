#include "benchmarks/canary.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <thread>
#include <vector>

#include "harness/measure/speed.hpp"
#include "harness/measure/time.hpp"
#include "workloads/transcode.hpp"

namespace fanout::bench {
namespace {

struct canary_state {
  std::size_t cores = 1;
  measure::speed_reference reference;
};
canary_state& state() {
  static canary_state s;
  return s;
}

// One segment of the default transcode on this thread, in ms.
double one_segment() {
  const auto t0 = measure::clock::now();
  benchmark::DoNotOptimize(workloads::transcode_segment({}, /*seed=*/1).checksum);
  return measure::ms(measure::clock::now() - t0);
}

}  // namespace

void calibrate_canary(std::size_t cores, std::size_t samples) {
  state().cores = std::max<std::size_t>(cores, 1);
  for (std::size_t i = 0; i < samples; ++i) canary_ms();
}

double canary_ms() {
  canary_state& s = state();
  std::vector<double> times(s.cores);
  std::vector<std::thread> others;
  others.reserve(s.cores - 1);
  for (std::size_t c = 1; c < s.cores; ++c)
    others.emplace_back([&times, c] { times[c] = one_segment(); });
  times[0] = one_segment();
  for (std::thread& t : others) t.join();
  const double slowest = *std::max_element(times.begin(), times.end());
  s.reference.add(slowest);
  return slowest;
}

double canary_slowdown(double ms) { return state().reference.slowdown(ms); }

std::string canary_json() {
  const canary_state& s = state();
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "{\"work\": \"one transcode segment (the cpu workload's default item) on each of "
                "%zu cores at once\", \"reference_ms\": %.4f, \"percentile\": %.2f, "
                "\"limit\": %.2f, \"samples\": %zu}",
                s.cores, s.reference.reference_ms(), measure::kReferencePercentile,
                measure::kSlowdownLimit, s.reference.samples());
  return buf;
}

}  // namespace fanout::bench
