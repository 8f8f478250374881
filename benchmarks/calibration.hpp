#pragma once
// What a benchmark's verification and ideal bound stand on, measured outside the timed region:
// the reference checksum that `sequential` yields, and one item's fastest CPU part
// (docs/design.md section 3).
//
//   calibration cal = calibrate(name, w, items);   // once per process and benchmark
//   std::string err = verify(batch, cal.checksum); // "" when every item is there and right
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "harness/measure/time.hpp"
#include "harness/strategies/strategy.hpp"

namespace fanout::bench {

struct calibration {
  std::uint64_t checksum = 0;
  double compute_ms = 0;
};

// The checksum of the batch that sequential yields, from each item's CPU part alone;
// tests/test_strategies.cpp shows that `sequential` yields exactly this.
template <strategies::workload W>
std::uint64_t reference_checksum(const W& w, std::size_t items) {
  strategies::batch<typename W::result> ref(items);
  for (std::size_t i = 0; i < items; ++i) ref.items[i].value.emplace().checksum = w.compute(i);
  return ref.checksum();
}

// The smallest time the CPU part of one item takes on this thread: a lower bound of its cost,
// so that the ideal stays a bound even on a noisy machine. Items differ a little (a transcode's
// bit estimate depends on the content): they are sampled across the whole range, in at least
// `min_rounds` rounds over it.
template <strategies::workload W>
double min_compute_ms(const W& w, std::size_t items, std::size_t min_rounds) {
  double best = 1e300;
  const std::size_t samples = std::min<std::size_t>(items, 12);
  const std::size_t rounds = std::max<std::size_t>(min_rounds, (12 + samples - 1) / samples);
  for (std::size_t round = 0; round < rounds; ++round) {
    for (std::size_t k = 0; k < samples; ++k) {
      const auto t0 = measure::clock::now();
      benchmark::DoNotOptimize(w.compute(k * items / samples));
      best = std::min(best, measure::ms(measure::clock::now() - t0));
    }
  }
  return best;
}

// The waits of items 0..n-1: what the ideal bound schedules.
template <strategies::workload W>
std::vector<double> waits_of(const W& w, std::size_t items) {
  std::vector<double> out(items);
  for (std::size_t i = 0; i < items; ++i) out[i] = w.wait_ms(i);
  return out;
}

// A cache of numbers per key (a workload configuration: every strategy and repetition of it
// shares one), never of timing resources. The first call samples 6 rounds over the items;
// `fresh` samples 2 more and keeps the fastest run seen. A sample taken while another
// benchmark's threads were winding down runs slow, and an ideal built on it would claim more
// than the physical bound: the minimum over many samples, spread over the run, is robust to it.
template <strategies::workload W>
calibration calibrate(const std::string& key, const W& w, std::size_t items, bool fresh = false) {
  static std::mutex mutex;
  static std::map<std::string, calibration> by_key;
  std::lock_guard lock(mutex);
  auto [it, added] = by_key.try_emplace(key);
  if (added || key.empty()) {
    it->second = {reference_checksum(w, items), items ? min_compute_ms(w, items, 6) : 0};
  } else if (fresh && items) {
    it->second.compute_ms = std::min(it->second.compute_ms, min_compute_ms(w, items, 2));
  }
  return it->second;
}

// What is wrong with a batch: a failed fan-out, an item's error, a lost item or a checksum that
// differs from sequential's. Empty when nothing is.
template <class R>
std::string verify(const strategies::batch<R>& b, std::uint64_t want_checksum) {
  if (!b.failure.empty()) return b.failure;
  if (std::string e = b.first_error(); !e.empty()) return e;
  if (b.succeeded() != b.items.size()) {
    return "lost items: " + std::to_string(b.succeeded()) + " of " +
           std::to_string(b.items.size()) + " results";
  }
  if (b.checksum() != want_checksum) return "checksum differs from sequential's";
  return {};
}

// "skipped: ..." when a configuration's ideal alone exceeds the profile's budget; empty if not.
inline std::string over_budget(const std::string& what, double ideal_ms, double budget_ms) {
  if (ideal_ms <= budget_ms) return {};
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "skipped: %s %.1f s, over this profile's budget of %.1f s per benchmark",
                what.c_str(), ideal_ms / 1000.0, budget_ms / 1000.0);
  return buf;
}

}  // namespace fanout::bench
