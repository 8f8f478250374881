#pragma once
// The one benchmark iteration loop of every family: one Google Benchmark iteration is one
// complete, verified run, timed by hand from its `start` to its `end` (docs/design.md section 3).
//
//   std::int64_t n = iterate(state,
//       [&] { return Strategy::run(w, opt, res); },          // one run: has .start and .end
//       [&](const auto& b) { return verify(b, want); },       // what is wrong ("" if nothing)
//       [&](const auto& b) { fold(b); });                     // into the family's counters
//
// A run that is wrong (a lost or corrupted item, a deadlock) stops the benchmark with
// SkipWithError: it is an error, never a figure. Returns the iterations recorded.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/measure/process.hpp"
#include "harness/measure/time.hpp"

namespace fanout::bench {

template <class Run, class Check, class Record>
std::int64_t iterate(benchmark::State& state, Run&& run, Check&& check, Record&& record) {
  std::int64_t recorded = 0;
  for (auto _ : state) {
    auto r = run();
    if (const std::string err = check(r); !err.empty()) {
      state.SkipWithError(err.c_str());
      return 0;
    }
    state.SetIterationTime(measure::seconds(r.end - r.start));
    record(r);
    benchmark::DoNotOptimize(r);
    ++recorded;
  }
  return recorded;
}

// Peak resident memory growth across a run: the allocator's free memory handed back and the
// kernel's peak mark reset at `start()`, the growth read by `growth()`.
class memory_probe {
 public:
  void start() {
    measure::release_free_memory();
    measure::peak_rss_reset();
    base_ = measure::current_rss_bytes();
  }
  std::size_t growth() const {
    const std::size_t peak = measure::peak_rss_bytes();
    return peak > base_ ? peak - base_ : 0;
  }

 private:
  std::size_t base_ = 0;
};

}  // namespace fanout::bench
