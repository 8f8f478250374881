#pragma once
// precise_timer: a one-shot timer of the steady clock to the microsecond, the one arrival source
// of the open loop (docs/design.md section 5). It is a Linux timerfd on CLOCK_MONOTONIC, the
// clock that std::chrono::steady_clock reads, armed for an absolute time, so it never fires
// before its deadline and, unlike a libuv timer, does not round it up to a millisecond.
//
//   precise_timer t;
//   t.sleep_until(clock::now() + 250us);   // blocking form: threads, tbb_task_group
//   t.arm(deadline); poll t.fd();          // loop form: event_loop::add_precise_timer_at
//
// A thread blocked in sleep_until wakes from the kernel's high-resolution timer, without the
// timer slack that nanosleep (and so std::this_thread::sleep_until) adds to its deadline.
#include <chrono>

namespace fanout::async {

class precise_timer {
 public:
  using clock = std::chrono::steady_clock;

  precise_timer();  // throws std::system_error when the kernel refuses a timerfd
  ~precise_timer();
  precise_timer(const precise_timer&) = delete;
  precise_timer& operator=(const precise_timer&) = delete;

  // The descriptor, readable once the armed deadline has passed (for a loop to poll).
  int fd() const noexcept { return fd_; }
  // Fires at `deadline`, replacing any earlier arming; a deadline already past fires at once.
  void arm(clock::time_point deadline);
  void disarm();
  // Consumes a pending expiry, if any, without blocking (after the loop saw the fd readable).
  void clear() noexcept;
  // Blocks the calling thread until `deadline`; returns at once when it has already passed.
  void sleep_until(clock::time_point deadline);

 private:
  int fd_ = -1;
};

}  // namespace fanout::async
