#pragma once
#include <cstddef>

#include "benchmarks/cli.hpp"

namespace fanout::bench {

// Registers hazard/... (DESIGN section 4) for the profile.
void register_hazards(profile prof, std::size_t cores);

}  // namespace fanout::bench
