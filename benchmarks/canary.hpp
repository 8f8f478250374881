#pragma once
// The canary beside every repetition (harness/measure/speed.hpp, docs/design.md section 3): one
// transcode segment on each core at once, each on a thread pinned to its core and timed in that
// thread's CPU time, outside the benchmark's own window: the core's speed, not what else the
// scheduler ran there. The slowest core's time is the canary's: a fan-out over every core is as
// slow as its slowest one.
//
//   calibrate_canary();                        // once, before the first round
//   double before = canary_ms();               // beside each repetition
//   ... the repetition ...
//   double slowdown = canary_slowdown(std::max(before, canary_ms()));
#include <cstddef>
#include <string>

namespace fanout::bench {

// Starts the run's reference with `samples` canaries, over every CPU of the affinity mask.
void calibrate_canary(std::size_t samples = 20);

// One canary's time in ms; every canary also joins the reference.
double canary_ms();

// How much slower than the run's reference speed a canary of `ms` ran (1.0: at speed).
double canary_slowdown(double ms);

// What the context says of the canary: its work, reference, limit and samples, as JSON.
std::string canary_json();

}  // namespace fanout::bench
