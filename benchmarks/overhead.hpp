#pragma once
#include <cstddef>

#include "benchmarks/cli.hpp"

namespace fanout::bench {

// Registers overhead/... for the profile.
void register_overhead(profile prof, std::size_t cores);

}  // namespace fanout::bench
