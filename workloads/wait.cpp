#include "workloads/wait.hpp"

#include <uv.h>

#include <cmath>

#include "harness/async/check.hpp"
#include "harness/measure/time.hpp"

namespace fanout::workloads {
namespace {

// The calling thread's own loop: the raw libuv loop, one epoll descriptor, nothing else, so
// that a thread per item costs the OS one descriptor per thread and no more.
struct thread_loop {
  uv_loop_t loop{};
  thread_loop() { async::uv_check(uv_loop_init(&loop), "uv_loop_init"); }
  ~thread_loop() { uv_loop_close(&loop); }
};

}  // namespace

clock::time_point blocking_sleep(double ms) {
  thread_local thread_loop own;
  uv_loop_t* loop = &own.loop;
  // The same rounding as async::sleep_for: due no earlier than the deadline on either clock.
  const auto deadline = clock::now() + measure::from_ms(ms > 0 ? ms : 0);
  uv_update_time(loop);
  const double deadline_ms = measure::ms_since_epoch(deadline);
  const double wait = std::ceil(deadline_ms - static_cast<double>(uv_now(loop)));
  uv_timer_t timer;
  clock::time_point fired{};
  timer.data = &fired;
  async::uv_check(uv_timer_init(loop, &timer), "uv_timer_init");
  async::uv_check(uv_timer_start(
                      &timer,
                      [](uv_timer_t* t) { *static_cast<clock::time_point*>(t->data) = clock::now(); },
                      wait > 0 ? static_cast<std::uint64_t>(wait) : 0, 0),
                  "uv_timer_start");
  uv_run(loop, UV_RUN_DEFAULT);  // returns once the timer has fired: it is the only handle
  uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
  uv_run(loop, UV_RUN_DEFAULT);  // runs the close callback, so the timer's memory may go
  return fired;
}

}  // namespace fanout::workloads
