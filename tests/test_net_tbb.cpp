// Tests for workloads/net.hpp under the strategies that run on TBB (label `tbb`; the others are
// in tests/test_net.cpp): see tests/net_checks.hpp.
#include "net_checks.hpp"

namespace fanout::strategies {
namespace {

FANOUT_NET_STRATEGY_TESTS(types_by_tbb<true>)

}  // namespace
}  // namespace fanout::strategies
