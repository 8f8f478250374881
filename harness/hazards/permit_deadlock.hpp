#pragma once
// The buffered-stream hazard at its worst: children hold permits from a pool smaller than the
// stream's limit, and the consumer's loop body needs a permit too. The naive consumer waits in
// its body for a permit that only an unpolled child can give back: a deadlock, which the
// watchdog turns into an error. The fixes complete.
//
//   permit_deadlock_config cfg;
//   hazard_run r = run_permit_deadlock(permit_deadlock_variant::naive, cfg, loop, rt);
//   r.deadlocked;   // true, after cfg.watchdog_ms
#include <cstddef>

#include "harness/hazards/buffered_stream.hpp"

namespace fanout::hazards {

struct permit_deadlock_config {
  std::size_t items = 10;
  std::size_t limit = 4;
  std::size_t permits = 2;  // fewer than the limit
  double hold_ms = 10;      // each child waits this long holding its permit
  double body_ms = 10;      // the consumer's body waits this long holding a permit
  double watchdog_ms = 2000;
};

enum class permit_deadlock_variant {
  naive,           // `.buffered(limit)`, the body (and its permit) in the consumer's loop
  spawn,           // children spawned: they release their permits on their own
  body_in_future,  // the body moved into the buffered future
};
const char* name(permit_deadlock_variant v);
inline constexpr permit_deadlock_variant kPermitDeadlockVariants[] = {
    permit_deadlock_variant::naive, permit_deadlock_variant::spawn,
    permit_deadlock_variant::body_in_future};

// gap_ms is left empty; received counts the results the consumer got before the end (or the
// watchdog).
hazard_run run_permit_deadlock(permit_deadlock_variant v, const permit_deadlock_config& cfg,
                               async::event_loop& loop, async::runtime& rt);

}  // namespace fanout::hazards
