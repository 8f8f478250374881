#pragma once
// The ideal (physical) bound of a fan-out: what no strategy can beat on this machine
// (docs/design.md section 3). Pure functions of the configuration.
//
//   double t = list_schedule_ms({10, 10, 10}, /*slots=*/2);                  // 20
//   double ideal = ideal_ms(waits, /*compute_ms=*/1.5, {.slots = 10, .compute_threads = 2}, 2);
#include <algorithm>
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

// How much of a fan-out runs at once, and how its items compute.
struct schedule_shape {
  std::size_t slots;            // items in flight at most
  std::size_t compute_threads;  // threads that can run CPU parts at the same time
  bool nested = false;          // one item's computation may itself use every core
};

// Items started in input order on the shape's slots, each taking its wait plus its computation,
// and no faster than the total computation spread over the threads that can compute. With
// nested parallelism one item alone may use every core.
inline double ideal_ms(const std::vector<double>& waits_ms, double compute_ms,
                       const schedule_shape& sh, std::size_t cores) {
  const std::size_t items = waits_ms.size();
  const std::size_t compute_par =
      sh.nested ? cores : std::max<std::size_t>(1, std::min({cores, sh.compute_threads, items}));
  const double per_item_compute = sh.nested ? compute_ms / static_cast<double>(cores) : compute_ms;
  std::vector<double> durations(items);
  for (std::size_t i = 0; i < items; ++i) durations[i] = waits_ms[i] + per_item_compute;
  const double total_compute = compute_ms * static_cast<double>(items);
  return std::max(list_schedule_ms(durations, sh.slots),
                  total_compute / static_cast<double>(compute_par));
}

}  // namespace fanout::measure
