#pragma once
// The suite's registries as one line of JSON, for the `fanout_registry` context entry.
#include <string>

namespace fanout::bench {

std::string registry_json();

}  // namespace fanout::bench
