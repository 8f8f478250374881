#pragma once
// The chapter's closing warning, reproduced: a buffered stream whose consumer awaits other work
// in its loop body starves the stream's children (docs/design.md section 4), and the fixes,
// measured on the same items.
//
//   buffered_stream_config cfg;                    // the reference point (docs/design.md section 4)
//   hazard_run r = run_buffered_stream(buffered_stream_variant::naive_buffered, cfg, loop, rt);
//   r.timeouts;                                    // most of the 20 items
//
// Each item is a request with two waits, as over a keep-alive connection: a variable first
// wait, then a fixed second one. The child is poll-driven, so after its first wait it resumes
// (and starts the second) only when the consumer polls the stream; if that gap exceeds the
// idle timeout, the server would have closed the connection: the item times out.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/async/event_loop.hpp"
#include "harness/async/runtime.hpp"
#include "harness/async/sleep.hpp"

namespace fanout::hazards {

using clock = std::chrono::steady_clock;

struct buffered_stream_config {
  std::size_t items = 20;
  std::size_t limit = 5;
  double first_min_ms = 10;  // the first wait of item i: uniform in [min, max], seeded
  double first_max_ms = 49;
  double second_ms = 10;
  double body_ms = 100;  // W: what the consumer awaits for each result it receives
  double idle_timeout_ms = 50;
  std::size_t capacity = 1;  // the channel fix's capacity
  std::uint64_t seed = 1;

  double first_ms(std::size_t i) const;
};

enum class buffered_stream_variant {
  naive_buffered,          // `.buffered(limit)`, the body in the consumer's loop
  naive_buffer_unordered,  // `.buffer_unordered(limit)`, the body in the consumer's loop
  spawn,                   // children spawned on the runtime: they progress on their own
  channel,                 // a spawned producer drives the stream into a channel of `capacity`
  body_in_future,          // the body moved into the buffered future
  select,                  // the consumer polls the stream and a set of running bodies at once
};
const char* name(buffered_stream_variant v);
inline constexpr buffered_stream_variant kBufferedStreamVariants[] = {
    buffered_stream_variant::naive_buffered, buffered_stream_variant::naive_buffer_unordered,
    buffered_stream_variant::spawn,          buffered_stream_variant::channel,
    buffered_stream_variant::body_in_future, buffered_stream_variant::select};

// What one run of a hazard gives: per item, the poll delay between its first wait ending and
// its second starting, and how many exceeded the idle timeout.
struct hazard_run {
  std::vector<double> gap_ms;  // by item index
  std::size_t received = 0;    // results the consumer got
  std::size_t timeouts = 0;
  clock::time_point start{}, end{};
  bool deadlocked = false;  // permit_deadlock: the watchdog fired
};

hazard_run run_buffered_stream(buffered_stream_variant v, const buffered_stream_config& cfg,
                               async::event_loop& loop, async::runtime& rt);

// The physical bound for a variant: the items on `limit` slots, plus the bodies, which the
// consumer runs one at a time (naive, spawn, channel), all at once (select), or inside the
// slots (body_in_future).
double buffered_stream_ideal_ms(buffered_stream_variant v, const buffered_stream_config& cfg);

}  // namespace fanout::hazards
