#pragma once
// Open-loop arrivals: when each item is meant to arrive, at a constant rate or as a seeded
// Poisson process, for a given duration.
//
//   arrivals a = arrivals::poisson(/*per_second=*/1000, /*seconds=*/0.5, /*seed=*/1);
//   a.offsets[i];   // item i arrives this long after the run starts
#include <chrono>
#include <cmath>
#include <cstdint>
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

  // Exponential gaps from the suite's seeded hash: the same arrivals on every machine.
  static arrivals poisson(double per_second, double seconds, std::uint64_t seed) {
    check(per_second, seconds);
    arrivals a;
    a.rate = per_second;
    double t = 0;
    for (std::size_t i = 0;; ++i) {
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

}  // namespace fanout::measure
