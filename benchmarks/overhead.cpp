// overhead/...: the async layer's own cost against raw libuv, in the quick and default
// profiles alike (the default adds a million concurrent waits).
#include "benchmarks/overhead.hpp"

#include <string>

#include "harness/measure/overhead_benchmark.hpp"

namespace fanout::bench {
namespace {

benchmark::internal::Benchmark* overhead(const std::string& name, const std::string& label,
                                         auto body) {
  return benchmark::RegisterBenchmark(name.c_str(),
                                      [body, label](benchmark::State& s) {
                                        body(s);
                                        s.SetLabel(label);
                                      })
      ->UseManualTime()
      ->MeasureProcessCPUTime()
      ->Unit(benchmark::kMillisecond)
      // Warm: enough iterations that first-touch page faults do not dominate a per-task cost.
      ->MinTime(0.2);
}

}  // namespace

void register_overhead(profile prof, std::size_t cores) {
  const double ms = 10;
  std::vector<std::size_t> sizes{10'000, 100'000};
  if (prof == profile::standard) sizes.push_back(1'000'000);
  for (std::size_t n : sizes) {
    const std::string waits = "/waits:" + std::to_string(n) + "/ms:10";
    overhead("overhead/raw_libuv" + waits, "overhead/raw_libuv",
             [n, ms](benchmark::State& s) { measure::bm_raw_libuv_waits(s, n, ms); });
    overhead("overhead/futures_unordered" + waits, "overhead/futures_unordered",
             [n, ms](benchmark::State& s) { measure::bm_futures_unordered_waits(s, n, ms); });
    overhead("overhead/join_set" + waits + "/workers:" + std::to_string(cores),
             "overhead/join_set",
             [n, ms, cores](benchmark::State& s) { measure::bm_join_set_waits(s, n, ms, cores); });
  }
  const std::size_t tasks = 100'000;
  for (std::size_t workers : {std::size_t{1}, std::size_t{2}}) {
    overhead("overhead/join_set/spawn_join/tasks:" + std::to_string(tasks) +
                 "/workers:" + std::to_string(workers),
             "overhead/join_set", [tasks, workers](benchmark::State& s) {
               measure::bm_join_set_spawn_join(s, tasks, workers);
             });
  }
  overhead("overhead/futures_unordered/push_drain/tasks:" + std::to_string(tasks),
           "overhead/futures_unordered",
           [tasks](benchmark::State& s) { measure::bm_futures_unordered_push_drain(s, tasks); });
}

}  // namespace fanout::bench
