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
// SkipWithError: it is an error, never a figure. The first repetition of each benchmark runs
// one more iteration first, checked and discarded: the warm-up (a family whose one iteration is
// a long run of its own says `warm_up::none`). Returns the iterations recorded.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "benchmarks/rounds.hpp"
#include "harness/measure/process.hpp"
#include "harness/measure/time.hpp"

namespace fanout::bench {

// Whether a benchmark's first repetition starts with a discarded warm-up iteration.
enum class warm_up { first_repetition, none };

template <class Run, class Check, class Record>
std::int64_t iterate(benchmark::State& state, Run&& run, Check&& check, Record&& record,
                     warm_up warm = warm_up::first_repetition) {
  std::int64_t recorded = 0;
  if (warm == warm_up::first_repetition && first_repetition()) {  // run, checked, not recorded
    const auto r = run();
    if (const std::string err = check(r); !err.empty()) {
      state.SkipWithError(err.c_str());
      return 0;
    }
  }
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
// kernel's peak mark reset at `start()`, the growth in bytes read by `growth()`: NaN when the
// kernel refused the reset, since the peak would then be the whole process's.
class memory_probe {
 public:
  void start() {
    measure::release_free_memory();
    reset_ = measure::peak_rss_reset();
    base_ = measure::current_rss_bytes();
  }
  double growth() const {
    if (!reset_) return NAN;
    const std::size_t peak = measure::peak_rss_bytes();
    return peak > base_ ? static_cast<double>(peak - base_) : 0.0;
  }

 private:
  bool reset_ = false;
  std::size_t base_ = 0;
};

}  // namespace fanout::bench
