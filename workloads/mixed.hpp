#pragma once
// The `mixed` workload: a request, then a short transcode of what it fetched; the case real
// services have. The wait runs on the loop; the transcode is awaited through `offload` (inline
// on the loop unless the strategy provides a compute pool).
//
//   mixed_workload w;   // a 10 ms request, then a one-frame transcode
//   mixed_workload::result r = w.run_blocking(0);
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/async/offload.hpp"
#include "harness/async/sleep.hpp"
#include "harness/async/task.hpp"
#include "workloads/latency.hpp"
#include "workloads/transcode.hpp"
#include "workloads/wait.hpp"
#include "workloads/workload.hpp"

namespace fanout::workloads {

// A short transcode: one QCIF frame, roughly a quarter of a default cpu item.
inline transcode_params short_transcode() {
  transcode_params p;
  p.frames = 1;
  return p;
}

struct mixed_workload {
  static constexpr const char* name = "mixed";
  latency_dist latency = latency_dist::parse("fixed:10");
  transcode_params params = short_transcode();
  std::uint64_t seed = 1;

  // The frames appear in the name only where they differ from the default's one.
  std::string name_params() const {
    return latency_name(latency) +
           (params.frames == 1 ? "" : "/frames:" + std::to_string(params.frames));
  }
  param_list param_counters() const {
    param_list out = latency_counters(latency);
    out.emplace_back("frames", static_cast<double>(params.frames));
    return out;
  }
  static std::size_t quick_items(std::size_t) { return 32; }

  struct result {
    double latency_ms = 0;
    transcode_stats stats;
    std::uint64_t checksum = 0;
    clock::time_point done{};   // when the transcode of the response finished
    clock::time_point due{};    // the request's deadline (the timer's own is a few ns later)
    clock::time_point fired{};  // when its timer fired
  };

  double latency_ms(std::size_t index) const { return latency.sample_ms(seed, index); }
  double wait_ms(std::size_t index) const { return latency_ms(index); }
  // The item's CPU part alone (parse and transcode), returning the result's checksum: the
  // reference that every strategy's results are verified against.
  std::uint64_t compute(std::size_t index) const {
    return transcode_segment(params, response_seed(index)).checksum;
  }

  result run_blocking(std::size_t index) const {
    const double ms = latency_ms(index);
    const clock::time_point due = clock::now() + measure::from_ms(ms);
    const clock::time_point fired = blocking_sleep(ms);
    return finish(ms, transcode_segment(params, response_seed(index)), due, fired);
  }

  async::task<result> run_async(std::size_t index) const {
    const double ms = latency_ms(index);
    const clock::time_point due = clock::now() + measure::from_ms(ms);
    const clock::time_point fired = co_await async::sleep_for(ms);
    const std::uint64_t fetched = response_seed(index);
    co_return finish(
        ms, co_await async::offload([this, fetched] { return transcode_segment(params, fetched); }),
        due, fired);
  }

 private:
  // What the request fetched seeds the frames to transcode.
  std::uint64_t response_seed(std::size_t index) const { return parse_response(seed, index); }
  static result finish(double ms, const transcode_stats& s, clock::time_point due,
                       clock::time_point fired) {
    return {ms, s, s.checksum, clock::now(), due, fired};
  }
};

}  // namespace fanout::workloads
