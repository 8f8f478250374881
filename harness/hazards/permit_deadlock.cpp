#include "harness/hazards/permit_deadlock.hpp"

#include "harness/async/buffered.hpp"
#include "harness/async/join_set.hpp"
#include "harness/async/semaphore.hpp"

namespace fanout::hazards {
namespace {

using async::task;

task<std::size_t> hold(async::semaphore& pool, double ms, std::size_t i) {
  auto permit = co_await pool.acquire();
  co_await async::sleep_for(ms);
  co_return i;
}

task<std::size_t> spawned(async::semaphore& pool, double ms, std::size_t i, async::runtime& rt) {
  async::join_set<std::size_t> handle(rt);
  handle.spawn(hold(pool, ms, i));
  auto done = co_await handle.join_next();
  co_return done->get();
}

task<std::size_t> with_body(async::semaphore& pool, const permit_deadlock_config& cfg,
                            std::size_t i) {
  co_await hold(pool, cfg.hold_ms, i);
  co_return co_await hold(pool, cfg.body_ms, i);
}

template <class Make>
task<void> consume(const permit_deadlock_config& cfg, async::semaphore& pool, Make make,
                   bool body_in_loop, std::size_t& received) {
  async::buffered<std::size_t, Make> stream(cfg.limit, cfg.items, make);
  while (auto r = co_await stream.next()) {
    r->get();
    ++received;
    if (body_in_loop) co_await hold(pool, cfg.body_ms, 0);
  }
}

}  // namespace

const char* name(permit_deadlock_variant v) {
  switch (v) {
    case permit_deadlock_variant::naive: return "naive";
    case permit_deadlock_variant::spawn: return "spawn";
    case permit_deadlock_variant::body_in_future: return "body_in_future";
  }
  return "unknown";
}

hazard_run run_permit_deadlock(permit_deadlock_variant v, const permit_deadlock_config& cfg,
                               async::event_loop& loop, async::runtime& rt) {
  hazard_run run;
  async::semaphore pool(cfg.permits);
  auto plain = [&](std::size_t i) { return hold(pool, cfg.hold_ms, i); };
  auto spawning = [&](std::size_t i) { return spawned(pool, cfg.hold_ms, i, rt); };
  auto whole = [&](std::size_t i) { return with_body(pool, cfg, i); };
  run.start = clock::now();
  bool finished = false;
  switch (v) {
    case permit_deadlock_variant::naive:
      finished = loop.block_on_for(consume(cfg, pool, plain, true, run.received), cfg.watchdog_ms);
      break;
    case permit_deadlock_variant::spawn:
      finished =
          loop.block_on_for(consume(cfg, pool, spawning, true, run.received), cfg.watchdog_ms);
      break;
    case permit_deadlock_variant::body_in_future:
      finished = loop.block_on_for(consume(cfg, pool, whole, false, run.received), cfg.watchdog_ms);
      break;
  }
  run.end = clock::now();
  run.deadlocked = !finished;
  return run;
}

}  // namespace fanout::hazards
