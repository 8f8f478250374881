#pragma once
// File-descriptor exhaustion: a connection per item, all items at once, and a fan-out larger
// than the process's open-file limit fails with EMFILE (docs/design.md section 4). The fixes
// bound the connections: a bounded fan-out (buffer_unordered with `bound` under the limit), or
// an unbounded fan-out over a keep-alive pool of at most `bound` connections.
//
//   const fd_limit lowered(cfg.fd_limit);                       // for this scope only
//   auto w = fd_exhaustion_workload(fd_exhaustion_variant::naive, cfg).start();
//   auto b = strategies::futures_unordered::run(w, {.items = cfg.items}, res);   // EMFILE
//
// The limit is lowered inside the benchmark (setrlimit on the soft limit), so the failure comes
// quickly and at the same size on every machine, and it is restored when the scope ends.
#include <sys/resource.h>

#include <cerrno>
#include <cstddef>
#include <stdexcept>
#include <system_error>

#include "workloads/net.hpp"

namespace fanout::hazards {

enum class fd_exhaustion_variant {
  naive,             // futures_unordered, conn:per_item: a socket per item, all at once
  buffer_unordered,  // the fix: at most `bound` items, hence connections, in flight
  pool,              // the fix: futures_unordered over a keep-alive pool of `bound` connections
};

inline constexpr fd_exhaustion_variant kFdExhaustionVariants[] = {
    fd_exhaustion_variant::naive, fd_exhaustion_variant::buffer_unordered,
    fd_exhaustion_variant::pool};

inline const char* name(fd_exhaustion_variant v) {
  switch (v) {
    case fd_exhaustion_variant::naive:
      return "naive";
    case fd_exhaustion_variant::buffer_unordered:
      return "buffer_unordered";
    case fd_exhaustion_variant::pool:
      return "pool";
  }
  return "?";
}

struct fd_exhaustion_config {
  std::size_t items = 1000;    // each holds a descriptor here at once (the server has its own)
  std::size_t fd_limit = 256;  // the soft RLIMIT_NOFILE during the run
  std::size_t bound = 64;      // the fixes' connections in flight, well under the limit
};

// The net workload a variant runs (10 ms requests, 1 KiB bodies), not yet started.
inline workloads::net_workload fd_exhaustion_workload(fd_exhaustion_variant v,
                                                      const fd_exhaustion_config& cfg) {
  workloads::net_workload w;
  if (v == fd_exhaustion_variant::pool) {
    w.conn = workloads::conn_policy::pool;
    w.pool_max = cfg.bound;
  }
  return w;
}

// Lowers the soft limit on open files for its lifetime, then restores it.
class fd_limit {
 public:
  explicit fd_limit(std::size_t soft) {
    if (getrlimit(RLIMIT_NOFILE, &saved_) != 0) throw_errno("getrlimit");
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(soft);
    if (setrlimit(RLIMIT_NOFILE, &lowered) != 0) throw_errno("setrlimit");
  }
  ~fd_limit() { setrlimit(RLIMIT_NOFILE, &saved_); }
  fd_limit(const fd_limit&) = delete;
  fd_limit& operator=(const fd_limit&) = delete;

 private:
  [[noreturn]] static void throw_errno(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
  }
  rlimit saved_{};
};

}  // namespace fanout::hazards
