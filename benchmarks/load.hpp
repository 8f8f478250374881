#pragma once
#include <cstddef>

#include "benchmarks/cli.hpp"

namespace fanout::bench {

// Registers load/... (open loop) for the profile.
void register_load(profile prof, std::size_t cores);

}  // namespace fanout::bench
