#pragma once
// Blocking the loop: CPU-bound items run inline on the event loop, beside wait items that share
// it, and every wait behind a transcode is late. The fix is `offload`: the same coroutines, the
// transcodes awaited on a TBB arena.
//
//   blocking_loop_workload w;   // every 4th item a transcode, the others 10 ms requests
//   auto b = strategies::futures_unordered::run(w, {.items = 64}, res);   // the hazard
//   auto f = strategies::offload::run(w, {.items = 64}, res);             // the fix
#include <cstddef>
#include <cstdint>

#include "workloads/cpu.hpp"
#include "workloads/wait.hpp"

namespace fanout::hazards {

using clock = std::chrono::steady_clock;

struct blocking_loop_workload {
  workloads::wait_workload wait;
  workloads::cpu_workload cpu;
  std::size_t cpu_every = 4;  // item i is a transcode when i % cpu_every == 0

  struct result {
    std::uint64_t checksum = 0;
    clock::time_point done{};
  };

  bool is_cpu(std::size_t i) const { return i % cpu_every == 0; }
  std::uint64_t compute(std::size_t i) const { return is_cpu(i) ? cpu.compute(i) : wait.compute(i); }
  double wait_ms(std::size_t i) const { return is_cpu(i) ? 0.0 : wait.wait_ms(i); }

  result run_blocking(std::size_t i) const {
    if (is_cpu(i)) {
      const auto r = cpu.run_blocking(i);
      return {r.checksum, r.done};
    }
    const auto r = wait.run_blocking(i);
    return {r.checksum, r.done};
  }
  async::task<result> run_async(std::size_t i) const {
    if (is_cpu(i)) {
      const auto r = co_await cpu.run_async(i);
      co_return result{r.checksum, r.done};
    }
    const auto r = co_await wait.run_async(i);
    co_return result{r.checksum, r.done};
  }
};

}  // namespace fanout::hazards
