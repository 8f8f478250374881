#pragma once
// The `cpu` workload: one item transcodes one segment of a synthetic video stream.
//
//   cpu_workload w{.params = {}, .seed = 1};
//   cpu_workload::result r = w.run_blocking(7);          // on this thread
//   cpu_workload::result a = loop.block_on(w.run_async(7));  // same stats, as a coroutine
//
// The async form awaits the transcode through `offload`: inline on the loop by default (a Rust
// future computing inside poll), on a TBB arena under the `offload` strategy. Both forms do the
// same work and give the same stats; only `done` (when the computation ended) differs.
#include <cstddef>
#include <cstdint>

#include "harness/async/offload.hpp"
#include "harness/async/sleep.hpp"
#include "harness/async/task.hpp"
#include "workloads/latency.hpp"
#include "workloads/transcode.hpp"
#include "workloads/workload.hpp"

namespace fanout::workloads {

using measure::clock;

struct cpu_workload {
  static constexpr const char* name = "cpu";
  transcode_params params{};
  std::uint64_t seed = 1;

  std::string name_params() const {
    return "/frames:" + std::to_string(params.frames) + "/nested:" + (params.nested ? "1" : "0");
  }
  param_list param_counters() const {
    return {{"frames", static_cast<double>(params.frames)}, {"nested", params.nested ? 1.0 : 0.0}};
  }
  // A few items per core: enough for every strategy to show its parallelism.
  static std::size_t quick_items(std::size_t cores) { return 4 * cores; }

  struct result {
    transcode_stats stats;
    std::uint64_t checksum = 0;
    clock::time_point done{};  // when the transcode finished
  };

  // Each item is a different segment: its own seed, derived from the workload's.
  std::uint64_t item_seed(std::size_t index) const { return detail::item_hash(seed, index); }

  // The item's CPU part alone (all of it, here), returning the result's checksum: the
  // reference that every strategy's results are verified against, and the unit of the ideal
  // bound's computing time.
  // Always single-threaded: nested parallelism gives the same checksum, and the ideal bound
  // divides single-thread work by the cores; timing a nested run instead would time TBB's
  // wake-ups along with it.
  std::uint64_t compute(std::size_t index) const {
    transcode_params single = params;
    single.nested = false;
    return transcode_segment(single, item_seed(index)).checksum;
  }
  double wait_ms(std::size_t) const { return 0.0; }
  // How many parts one item's computation splits into on the cores: its rows, when nested.
  std::size_t parallel_grain() const {
    return params.nested ? static_cast<std::size_t>(macroblock_rows(params)) : 1;
  }

  result run_blocking(std::size_t index) const {
    const transcode_stats s = transcode_segment(params, item_seed(index));
    return {s, s.checksum, clock::now()};
  }

  async::task<result> run_async(std::size_t index) const {
    const transcode_stats s = co_await async::offload(
        [this, index] { return transcode_segment(params, item_seed(index)); });
    co_return result{s, s.checksum, clock::now()};
  }
};

}  // namespace fanout::workloads
