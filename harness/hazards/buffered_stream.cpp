#include "harness/hazards/buffered_stream.hpp"

#include <algorithm>

#include "harness/async/buffered.hpp"
#include "harness/async/channel.hpp"
#include "harness/async/futures_unordered.hpp"
#include "harness/async/join_set.hpp"
#include "harness/measure/bounds.hpp"
#include "workloads/latency.hpp"
#include "harness/measure/hash.hpp"
#include "harness/measure/time.hpp"

namespace fanout::hazards {
namespace {

using async::task;

struct report {
  std::size_t index;
  double gap_ms;
};

// One request: the first wait, then, once polled again, the second.
task<report> request(const buffered_stream_config& cfg, std::size_t i) {
  const clock::time_point fired = co_await async::sleep_for(cfg.first_ms(i));
  const double gap = measure::ms(clock::now() - fired);  // resumed only now: the poll delay
  co_await async::sleep_for(cfg.second_ms);
  co_return report{i, gap};
}

// The spawn fix: the request runs as its own task on the runtime; the stream awaits its handle.
task<report> spawned(const buffered_stream_config& cfg, std::size_t i, async::runtime& rt) {
  async::join_set<report> handle(rt);
  handle.spawn(request(cfg, i));
  auto done = co_await handle.join_next();
  co_return std::move(done->get());
}

task<report> with_body(const buffered_stream_config& cfg, std::size_t i) {
  report r = co_await request(cfg, i);
  co_await async::sleep_for(cfg.body_ms);
  co_return r;
}

struct recorder {
  hazard_run& run;
  const buffered_stream_config& cfg;
  void operator()(const report& r) const {
    run.gap_ms[r.index] = r.gap_ms;
    run.timeouts += r.gap_ms > cfg.idle_timeout_ms;
    ++run.received;
  }
};

// `while let Some(r) = stream.next().await { body(r).await }` over any stream.
template <class Stream>
task<void> consume_with_body(Stream& stream, recorder rec, double body_ms) {
  while (auto r = co_await stream.next()) {
    rec(r->get());
    co_await async::sleep_for(body_ms);
  }
}

template <template <class, class> class Stream, class Make>
task<void> naive(const buffered_stream_config& cfg, recorder rec, Make make) {
  Stream<report, Make> stream(cfg.limit, cfg.items, make);
  co_await consume_with_body(stream, rec, cfg.body_ms);
}

task<void> produce(const buffered_stream_config& cfg, async::sender<report> tx) {
  auto make = [&cfg](std::size_t i) { return request(cfg, i); };
  async::buffered<report, decltype(make)> stream(cfg.limit, cfg.items, make);
  while (auto r = co_await stream.next()) {
    if (!co_await tx.send(r->get())) co_return;
  }
}

task<void> through_channel(const buffered_stream_config& cfg, recorder rec, async::runtime& rt) {
  auto [tx, rx] = async::make_channel<report>(cfg.capacity);
  rt.spawn(produce(cfg, tx));
  tx = {};
  while (auto r = co_await rx.recv()) {
    rec(*r);
    co_await async::sleep_for(cfg.body_ms);
  }
}

task<void> body_inside(const buffered_stream_config& cfg, recorder rec) {
  auto make = [&cfg](std::size_t i) { return with_body(cfg, i); };
  async::buffered<report, decltype(make)> stream(cfg.limit, cfg.items, make);
  while (auto r = co_await stream.next()) rec(r->get());
}

// `select!` over the stream and the running bodies, as one poll-driven group: the driver child
// pulls the stream and pushes a body per result; polling the group polls both.
task<int> body_of(double ms) {
  co_await async::sleep_for(ms);
  co_return 0;
}
template <class Stream>
task<int> drive(Stream& stream, async::futures_unordered<int>& bodies, recorder rec, double ms) {
  while (auto r = co_await stream.next()) {
    rec(r->get());
    bodies.push(body_of(ms));
  }
  co_return 0;
}
task<void> selecting(const buffered_stream_config& cfg, recorder rec) {
  auto make = [&cfg](std::size_t i) { return request(cfg, i); };
  async::buffered<report, decltype(make)> stream(cfg.limit, cfg.items, make);
  async::futures_unordered<int> group;
  group.push(drive(stream, group, rec, cfg.body_ms));
  while (co_await group.next()) {
  }
}

}  // namespace

double buffered_stream_config::first_ms(std::size_t i) const {
  const double u = measure::open_unit(measure::item_hash(seed, i));
  return first_min_ms + (first_max_ms - first_min_ms) * u;
}

const char* name(buffered_stream_variant v) {
  switch (v) {
    case buffered_stream_variant::naive_buffered: return "naive_buffered";
    case buffered_stream_variant::naive_buffer_unordered: return "naive_buffer_unordered";
    case buffered_stream_variant::spawn: return "spawn";
    case buffered_stream_variant::channel: return "channel";
    case buffered_stream_variant::body_in_future: return "body_in_future";
    case buffered_stream_variant::select: return "select";
  }
  return "unknown";
}

hazard_run run_buffered_stream(buffered_stream_variant v, const buffered_stream_config& cfg,
                               async::event_loop& loop, async::runtime& rt) {
  hazard_run run;
  run.gap_ms.assign(cfg.items, 0.0);
  const recorder rec{run, cfg};
  auto plain = [&cfg](std::size_t i) { return request(cfg, i); };
  auto spawning = [&cfg, &rt](std::size_t i) { return spawned(cfg, i, rt); };
  run.start = clock::now();
  switch (v) {
    case buffered_stream_variant::naive_buffered:
      loop.block_on(naive<async::buffered>(cfg, rec, plain));
      break;
    case buffered_stream_variant::naive_buffer_unordered:
      loop.block_on(naive<async::buffer_unordered>(cfg, rec, plain));
      break;
    case buffered_stream_variant::spawn:
      loop.block_on(naive<async::buffered>(cfg, rec, spawning));
      break;
    case buffered_stream_variant::channel:
      loop.block_on(through_channel(cfg, rec, rt));
      break;
    case buffered_stream_variant::body_in_future:
      loop.block_on(body_inside(cfg, rec));
      break;
    case buffered_stream_variant::select:
      loop.block_on(selecting(cfg, rec));
      break;
  }
  run.end = clock::now();
  return run;
}

double buffered_stream_ideal_ms(buffered_stream_variant v, const buffered_stream_config& cfg) {
  std::vector<double> requests(cfg.items);
  for (std::size_t i = 0; i < cfg.items; ++i) requests[i] = cfg.first_ms(i) + cfg.second_ms;
  if (requests.empty()) return 0.0;
  switch (v) {
    case buffered_stream_variant::body_in_future: {
      std::vector<double> whole = requests;
      for (double& d : whole) d += cfg.body_ms;
      return measure::list_schedule_ms(whole, cfg.limit);
    }
    case buffered_stream_variant::select:
      return measure::list_schedule_ms(requests, cfg.limit) + cfg.body_ms;
    default: {
      // One body at a time, none before the first result.
      const double first = *std::min_element(requests.begin(), requests.end());
      return std::max(measure::list_schedule_ms(requests, cfg.limit),
                      first + static_cast<double>(cfg.items) * cfg.body_ms);
    }
  }
}

}  // namespace fanout::hazards
