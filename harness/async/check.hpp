#pragma once
// Error checks at the boundaries of the async layer.
//
//   FANOUT_CHECK(n > 0, "items must be positive");   // internal invariant: prints file:line, aborts
//   uv_check(uv_timer_init(loop, &t), "uv_timer_init");  // libuv call: throws uv_error
#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace fanout::async {

// A libuv call failed: carries libuv's error name and message, e.g. "uv_thread_create: EAGAIN
// (resource temporarily unavailable)".
class uv_error : public std::runtime_error {
 public:
  uv_error(const char* what, int code)
      : std::runtime_error(std::string(what) + ": " + uv_err_name(code) + " (" + uv_strerror(code) +
                           ")"),
        code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

inline int uv_check(int rc, const char* what) {
  if (rc < 0) throw uv_error(what, rc);
  return rc;
}

}  // namespace fanout::async

// An invariant of the suite's own code does not hold: this is a bug, not bad input, so the
// process stops where it is instead of unwinding through half-updated state.
#define FANOUT_CHECK(cond, msg)                                                        \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: check failed: %s: %s\n", __FILE__, __LINE__, #cond, \
                   msg);                                                               \
      std::abort();                                                                    \
    }                                                                                  \
  } while (false)
