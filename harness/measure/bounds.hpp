#pragma once
// The ideal (physical) bound of a fan-out: what no strategy can beat on this machine
// (docs/design.md section 3). Pure functions of the configuration.
//
//   double t = list_schedule_ms({10, 10, 10}, /*slots=*/2);                  // 20
//   double ideal = ideal_ms(waits, /*compute_ms=*/1.5, {.slots = 10, .compute_threads = 2}, 2);
//
// Each item waits, then computes. Three bounds hold at once, and the ideal is the largest:
//  - the slots: items start in input order on the first free slot (every bounded strategy
//    admits them so) and hold it for their wait and their computation;
//  - the two stages: an item's computation is released when its own wait ends and runs on the
//    threads that can compute, each item's computation taking one of them (or, nested, a share
//    of every core that its parallel grain allows);
//  - the work: the total computation spread over those threads.
// Every wait ends at a whole millisecond of the monotonic clock, as the loop fires it: the
// `tick` rounds each release up to the first millisecond at or after its deadline.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <queue>
#include <vector>

namespace fanout::measure {

// The makespan of items of the given durations started in input order on `slots` parallel
// slots, each item taking the first free slot: what a bounded strategy (limit k) does at best.
// With slots >= items it is the longest item; with one slot, the sum.
inline double list_schedule_ms(const std::vector<double>& durations, std::size_t slots) {
  if (durations.empty() || slots == 0) return 0.0;
  if (slots >= durations.size()) return *std::max_element(durations.begin(), durations.end());
  std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
  for (std::size_t i = 0; i < slots; ++i) free_at.push(0.0);
  double makespan = 0.0;
  for (double d : durations) {
    const double finish = free_at.top() + d;
    free_at.pop();
    free_at.push(finish);
    makespan = std::max(makespan, finish);
  }
  return makespan;
}

// The makespan of identical jobs of `job_ms` released at `release_ms` on `processors`
// identical processors: each job, in order of release, on the first free processor. For
// identical jobs this order is optimal, so no schedule ends earlier.
inline double release_schedule_ms(std::vector<double> release_ms, double job_ms,
                                  std::size_t processors) {
  if (release_ms.empty() || processors == 0) return 0.0;
  std::sort(release_ms.begin(), release_ms.end());
  std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
  for (std::size_t i = 0; i < processors; ++i) free_at.push(0.0);
  double makespan = 0.0;
  for (double r : release_ms) {
    const double finish = std::max(free_at.top(), r) + job_ms;
    free_at.pop();
    free_at.push(finish);
    makespan = std::max(makespan, finish);
  }
  return makespan;
}

// How much of a fan-out runs at once, and how its items compute.
struct schedule_shape {
  std::size_t slots;            // items in flight at most
  std::size_t compute_threads;  // threads that can run CPU parts at the same time
  std::size_t grain = 1;        // nested parallelism: an item's computation splits into this
                                // many equal parts, each on any core (1: none)
};

// Where the fan-out starts within the loop's millisecond tick: a wait ends on the first whole
// millisecond of the monotonic clock at or after its deadline. `phase_ms` < 0: unknown.
struct tick {
  double phase_ms = -1;  // the fractional millisecond of the start, in [0, 1)
  // When a wait of `wait_ms` started at `start_ms` (from the fan-out's start) ends.
  double end(double start_ms, double wait_ms) const {
    if (phase_ms < 0 || wait_ms <= 0) return start_ms + wait_ms;
    return std::ceil(phase_ms + start_ms + wait_ms) - phase_ms;
  }
};

// Items in input order on the first free of `slots` slots, each holding it for its wait (ended
// on the tick) and then `compute_ms`: list_schedule_ms with the loop's tick.
inline double slot_schedule_ms(const std::vector<double>& waits_ms, double compute_ms,
                               std::size_t slots, tick t) {
  if (waits_ms.empty() || slots == 0) return 0.0;
  std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
  for (std::size_t i = 0; i < std::min(slots, waits_ms.size()); ++i) free_at.push(0.0);
  double makespan = 0.0;
  for (double w : waits_ms) {
    const double finish = t.end(free_at.top(), w) + compute_ms;
    free_at.pop();
    free_at.push(finish);
    makespan = std::max(makespan, finish);
  }
  return makespan;
}

// The ideal makespan: the largest of the three bounds above. `compute_ms` is one item's
// single-thread computation.
inline double ideal_ms(const std::vector<double>& waits_ms, double compute_ms,
                       const schedule_shape& sh, std::size_t cores, tick t = {}) {
  const std::size_t items = waits_ms.size();
  if (items == 0) return 0.0;
  const bool nested = sh.grain > 1;
  const std::size_t threads =
      nested ? cores : std::max<std::size_t>(1, std::min({cores, sh.compute_threads, items}));
  // Nested, one item takes at least its largest share of the grain on every core.
  const double g = static_cast<double>(sh.grain);
  const double per_item =
      nested ? compute_ms * std::ceil(g / static_cast<double>(cores)) / g : compute_ms;
  std::vector<double> released(items);  // with every slot free at the start: the earliest
  for (std::size_t i = 0; i < items; ++i) released[i] = t.end(0.0, waits_ms[i]);
  const double work = compute_ms * static_cast<double>(items) / static_cast<double>(threads);
  const double stages = nested ? 0.0 : release_schedule_ms(released, compute_ms, threads);
  return std::max({slot_schedule_ms(waits_ms, per_item, sh.slots, t), stages, work});
}

}  // namespace fanout::measure
