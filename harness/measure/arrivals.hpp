#pragma once
// Open-loop arrivals: when each item is meant to arrive, at a constant rate or as a seeded
// Poisson process, for a given duration or number of items, whichever ends first; the seeds of
// one run; and the achieved rate (docs/design.md section 5).
//
//   per_call_seed seeds(1);  seeds.next();           // 1, then 2, 3, ...: one per repetition
//   open_seeds s = open_seeds::of(/*run_seed=*/7);   // independent arrival and latency streams
//   arrivals a = arrivals::poisson(/*per_second=*/1000, /*seconds=*/2, s.arrivals, 2000);
//   a.offsets[i];   // item i arrives this long after the run starts
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/measure/hash.hpp"
#include "harness/measure/time.hpp"

namespace fanout::measure {

struct arrivals {
  std::vector<clock::duration> offsets;  // non-decreasing
  double rate = 0;                       // offered items per second

  static arrivals constant(double per_second, double seconds) {
    check(per_second, seconds);
    arrivals a;
    a.rate = per_second;
    const auto n = static_cast<std::size_t>(std::llround(per_second * seconds));
    for (std::size_t i = 0; i < n; ++i)
      a.offsets.push_back(at(static_cast<double>(i) / per_second));
    return a;
  }

  // Exponential gaps from the suite's seeded hash: the same arrivals on every machine. The
  // process stops at `seconds` or at `max_items` arrivals, whichever comes first.
  static arrivals poisson(double per_second, double seconds, std::uint64_t seed,
                          std::size_t max_items = std::numeric_limits<std::size_t>::max()) {
    check(per_second, seconds);
    arrivals a;
    a.rate = per_second;
    double t = 0;
    for (std::size_t i = 0; i < max_items; ++i) {
      const double u = open_unit(item_hash(seed, i));
      t += -std::log(u) / per_second;
      if (t >= seconds) break;
      a.offsets.push_back(at(t));
    }
    return a;
  }

  // The intended arrival times of a run that starts at `start`.
  std::vector<clock::time_point> from(clock::time_point start) const {
    std::vector<clock::time_point> out;
    out.reserve(offsets.size());
    for (auto d : offsets) out.push_back(start + d);
    return out;
  }

 private:
  static clock::duration at(double seconds) { return from_ms(seconds * 1000.0); }
  static void check(double per_second, double seconds) {
    if (!(per_second > 0) || !(seconds > 0) || !std::isfinite(per_second * seconds)) {
      throw std::invalid_argument("bad arrivals: rate " + std::to_string(per_second) + "/s for " +
                                  std::to_string(seconds) + " s: both must be positive and finite");
    }
  }
};

// The seeds of one open-loop run, drawn from its run seed as two separate streams: the arrival
// gaps and the items' latencies (the workload's seed) must not be one stream, or item i's gap
// and its latency would come from the same uniform draw.
struct open_seeds {
  std::uint64_t arrivals;
  std::uint64_t latencies;
  static constexpr open_seeds of(std::uint64_t run_seed) {
    return {item_hash(run_seed, 0), item_hash(run_seed, 1)};
  }
};

// The run seed of each call of one benchmark: base, base + 1, ... Google Benchmark calls a
// benchmark's function once per repetition, so each repetition draws its own arrivals and
// latencies. Copies share the count (a registered benchmark's callable may be copied).
class per_call_seed {
 public:
  explicit per_call_seed(std::uint64_t base)
      : base_(base), calls_(std::make_shared<std::atomic<std::uint64_t>>(0)) {}
  std::uint64_t next() const { return base_ + calls_->fetch_add(1); }

 private:
  std::uint64_t base_;
  std::shared_ptr<std::atomic<std::uint64_t>> calls_;
};

// The achieved rate of an open-loop run, in items per second, over its arrival window: the gaps
// between its n items (n - 1) divided by the arrival window (first to last intended arrival), or
// by the delivery window (first to last result received) when the results took longer to come
// out than the items took to arrive. A strategy that keeps up delivers as items arrive, shifted
// by its latency, and achieves the offered rate; one that saturates spreads its results out and
// achieves its capacity. Unlike items / (time to the last result), one item's latency does not
// lower it: at 2,000 items and 100,000/s, a 10 ms wait would halve that figure. 0 for n < 2.
inline double achieved_per_second(std::size_t n, clock::duration arrival_window,
                                  clock::duration delivery_window) {
  const double window = seconds(std::max(arrival_window, delivery_window));
  return n < 2 || !(window > 0) ? 0.0 : static_cast<double>(n - 1) / window;
}

}  // namespace fanout::measure
