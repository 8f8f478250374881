#include "harness/async/precise_timer.hpp"

#include <poll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace fanout::async {
namespace {

itimerspec at(std::chrono::steady_clock::time_point deadline) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch());
  itimerspec spec{};
  // An all-zero it_value disarms a timerfd: a deadline at the epoch itself fires 1 ns later.
  const std::int64_t n = ns.count() > 0 ? ns.count() : 1;
  spec.it_value.tv_sec = static_cast<time_t>(n / 1'000'000'000);
  spec.it_value.tv_nsec = static_cast<long>(n % 1'000'000'000);
  return spec;
}

void check(int rc, const char* what) {
  if (rc < 0) throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

precise_timer::precise_timer() {
  fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  check(fd_, "timerfd_create");
}

precise_timer::~precise_timer() { close(fd_); }

void precise_timer::arm(clock::time_point deadline) {
  const itimerspec spec = at(deadline);
  check(timerfd_settime(fd_, TFD_TIMER_ABSTIME, &spec, nullptr), "timerfd_settime");
}

void precise_timer::disarm() {
  const itimerspec off{};
  check(timerfd_settime(fd_, 0, &off, nullptr), "timerfd_settime");
}

void precise_timer::clear() noexcept {
  std::uint64_t expirations = 0;
  [[maybe_unused]] const ssize_t n = read(fd_, &expirations, sizeof expirations);
}

void precise_timer::sleep_until(clock::time_point deadline) {
  if (clock::now() >= deadline) return;
  arm(deadline);
  // The descriptor does not block (a loop polls it), so this thread polls it too, with no
  // timeout of its own: the wake-up is the timer's expiry.
  pollfd p{fd_, POLLIN, 0};
  while (poll(&p, 1, -1) < 0) {
    if (errno != EINTR) check(-1, "poll(timerfd)");
  }
  clear();
}

}  // namespace fanout::async
