#pragma once
// Every strategy of DESIGN section 1, in the order the report lists them.
#include <tuple>

#include "harness/strategies/buffer_unordered.hpp"
#include "harness/strategies/buffered.hpp"
#include "harness/strategies/futures_unordered.hpp"
#include "harness/strategies/join_set.hpp"
#include "harness/strategies/offload.hpp"
#include "harness/strategies/sequential.hpp"
#include "harness/strategies/spawn_channel.hpp"
#include "harness/strategies/tbb_parallel_for.hpp"
#include "harness/strategies/tbb_task_group.hpp"
#include "harness/strategies/threads.hpp"

namespace fanout::strategies {

using all = std::tuple<sequential, threads, spawn_channel, join_set, futures_unordered,
                       buffer_unordered, buffered, tbb_parallel_for, tbb_task_group, offload>;

}  // namespace fanout::strategies
