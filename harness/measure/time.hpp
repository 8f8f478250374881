#pragma once
// The suite's one clock and its one conversion to and from milliseconds.
//
//   clock::time_point t0 = clock::now();
//   double took = ms(clock::now() - t0);      // fractional milliseconds
//   clock::duration d = from_ms(2.5);         // 2.5 ms, rounded to the clock's tick
#include <chrono>

namespace fanout::measure {

using clock = std::chrono::steady_clock;

template <class Rep, class Period>
constexpr double ms(std::chrono::duration<Rep, Period> d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

template <class Rep, class Period>
constexpr double seconds(std::chrono::duration<Rep, Period> d) {
  return std::chrono::duration<double>(d).count();
}

constexpr clock::duration from_ms(double ms) {
  return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double, std::milli>(ms));
}

// Milliseconds since the clock's epoch: what a deadline is compared against.
inline double ms_since_epoch(clock::time_point t) { return ms(t.time_since_epoch()); }

}  // namespace fanout::measure
