#pragma once
// The loop's millisecond tick: when a deadline is due on libuv's clock, and waits counted by the
// tick they are due at (docs/design.md sections 2 and 8).
//
//   std::uint64_t due = due_tick(deadline_ms, uv_now(loop));   // rounded up, never before now
//   tick_buckets b;  b.add(due, deadline_ms);                   // one count per due tick
//   tick_buckets::fired f = b.take_due(uv_now(loop));           // every wait due by then
//
// libuv's clock counts whole milliseconds of the same monotonic clock as the steady clock and is
// never ahead of it, so a wait whose tick is reached has reached its deadline.
#include <cstddef>
#include <cstdint>
#include <map>

namespace fanout::measure {

// The first tick at or after `deadline_ms` (milliseconds since the clock's epoch), given the
// loop's clock `now_ms`: a deadline already past is due now.
inline std::uint64_t due_tick(double deadline_ms, std::uint64_t now_ms) {
  const double ahead = deadline_ms - static_cast<double>(now_ms);
  if (!(ahead > 0)) return now_ms;
  const auto whole = static_cast<std::uint64_t>(ahead);
  return now_ms + whole + (static_cast<double>(whole) < ahead ? 1 : 0);
}

// Waits bucketed by due tick: a count and the latest deadline per tick, no state per wait. A
// burst of waits arrives in tick order, so adding to the newest bucket is O(1).
class tick_buckets {
 public:
  struct fired {
    std::size_t count = 0;
    double latest_deadline_ms = 0;  // of the waits taken: they may complete from then on
  };

  void add(std::uint64_t due, double deadline_ms) {
    fired& f = !by_tick_.empty() && by_tick_.rbegin()->first == due ? by_tick_.rbegin()->second
                                                                    : by_tick_[due];
    f.count += 1;
    if (deadline_ms > f.latest_deadline_ms) f.latest_deadline_ms = deadline_ms;
  }
  bool empty() const noexcept { return by_tick_.empty(); }
  std::size_t buckets() const noexcept { return by_tick_.size(); }
  // The earliest tick with a wait; only when not empty().
  std::uint64_t next_due() const { return by_tick_.begin()->first; }

  // Removes every bucket due at or before `now` and returns what they held.
  fired take_due(std::uint64_t now) {
    fired out;
    while (!by_tick_.empty() && by_tick_.begin()->first <= now) {
      const fired& f = by_tick_.begin()->second;
      out.count += f.count;
      if (f.latest_deadline_ms > out.latest_deadline_ms)
        out.latest_deadline_ms = f.latest_deadline_ms;
      by_tick_.erase(by_tick_.begin());
    }
    return out;
  }

 private:
  std::map<std::uint64_t, fired> by_tick_;
};

}  // namespace fanout::measure
