#include "workloads/wait.hpp"

#include "harness/async/event_loop.hpp"

namespace fanout::workloads {
namespace {

async::task<clock::time_point> sleep_task(double ms) { co_return co_await async::sleep_for(ms); }

}  // namespace

clock::time_point blocking_sleep(double ms) {
  thread_local async::event_loop loop;
  return loop.block_on(sleep_task(ms));
}

}  // namespace fanout::workloads
