// The hazard benchmarks of DESIGN section 4, each hazard registered beside its fixes:
//   hazard/buffered_stream/<variant>/...   hazard/permit_deadlock/<variant>/...
//   hazard/blocking_loop/<strategy>/...    hazard/thread_exhaustion/threads/items:N
#include "benchmarks/hazards.hpp"

#include <string>

#include "benchmarks/names.hpp"
#include "harness/measure/hazard_benchmark.hpp"
#include "harness/strategies/futures_unordered.hpp"
#include "harness/strategies/offload.hpp"

namespace fanout::bench {
namespace {

using namespace fanout::hazards;

benchmark::internal::Benchmark* hazard(const std::string& name, const std::string& label,
                                       auto body) {
  return benchmark::RegisterBenchmark(name.c_str(),
                                      [body, label](benchmark::State& s) {
                                        body(s);
                                        if (s.error_occurred()) return;
                                        if (label.size()) s.SetLabel(label);
                                      })
      ->UseManualTime()
      ->MeasureProcessCPUTime()
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1);
}

void add_buffered_stream(buffered_stream_variant v, const buffered_stream_config& cfg,
                         std::size_t cores) {
  std::string name = std::string("hazard/buffered_stream/") + hazards::name(v) +
                     "/items:" + std::to_string(cfg.items) + "/limit:" + std::to_string(cfg.limit) +
                     "/body_ms:" + num(cfg.body_ms);
  if (v == buffered_stream_variant::channel) name += "/capacity:" + std::to_string(cfg.capacity);
  hazard(name, "hazard/buffered_stream",
         [v, cfg, cores](benchmark::State& s) { measure::bm_buffered_stream(s, v, cfg, cores); });
}

void register_buffered_stream(profile prof, std::size_t cores) {
  buffered_stream_config cfg;  // the reference point: 20 items, limit 5, 10-49 + 10 ms, W 100
  const std::vector<double> bodies =
      prof == profile::quick ? std::vector<double>{100} : std::vector<double>{0, 10, 50, 100};
  const std::vector<std::size_t> capacities =
      prof == profile::quick ? std::vector<std::size_t>{1, cfg.items}
                             : std::vector<std::size_t>{1, 5, cfg.items};
  for (double body : bodies) {
    cfg.body_ms = body;
    for (buffered_stream_variant v : kBufferedStreamVariants) {
      if (v != buffered_stream_variant::channel) {
        add_buffered_stream(v, cfg, cores);
        continue;
      }
      for (std::size_t capacity : capacities) {
        cfg.capacity = capacity;
        add_buffered_stream(v, cfg, cores);
      }
    }
  }
}

void register_permit_deadlock(std::size_t cores) {
  const permit_deadlock_config cfg;
  for (permit_deadlock_variant v : kPermitDeadlockVariants) {
    const std::string name = std::string("hazard/permit_deadlock/") + hazards::name(v) +
                             "/items:" + std::to_string(cfg.items) + "/limit:" +
                             std::to_string(cfg.limit) + "/permits:" + std::to_string(cfg.permits);
    hazard(name, "hazard/permit_deadlock", [v, cfg, cores](benchmark::State& s) {
      measure::bm_permit_deadlock(s, v, cfg, cores);
    });
  }
}

void register_blocking_loop(profile prof, std::size_t cores) {
  blocking_loop_workload w;
  const std::size_t items = prof == profile::quick ? 32 : 128;
  const std::string params = "/items:" + std::to_string(items) +
                             "/cpu_every:" + std::to_string(w.cpu_every) +
                             "/workers:" + std::to_string(cores) + "/ms:10";
  hazard("hazard/blocking_loop/futures_unordered" + params, "hazard/blocking_loop",
         [w, items, cores](benchmark::State& s) {
           measure::bm_blocking_loop<strategies::futures_unordered>(s, w, items, cores);
         });
  hazard("hazard/blocking_loop/offload" + params, "hazard/blocking_loop",
         [w, items, cores](benchmark::State& s) {
           measure::bm_blocking_loop<strategies::offload>(s, w, items, cores);
         });
}

void register_thread_exhaustion(profile prof) {
  const workloads::wait_workload w;
  const std::vector<std::size_t> sizes = prof == profile::quick
                                             ? std::vector<std::size_t>{10'000}
                                             : std::vector<std::size_t>{10'000, 100'000, 1'000'000};
  for (std::size_t n : sizes) {
    // The label carries the outcome (created, or errno and count), so none is set here.
    hazard("hazard/thread_exhaustion/threads/items:" + std::to_string(n) + "/ms:10", "",
           [w, n](benchmark::State& s) { measure::bm_thread_exhaustion(s, w, n); })
        ->Repetitions(1);
  }
}

}  // namespace

void register_hazards(profile prof, std::size_t cores) {
  register_buffered_stream(prof, cores);
  register_permit_deadlock(cores);
  register_blocking_loop(prof, cores);
  register_thread_exhaustion(prof);
}

}  // namespace fanout::bench
