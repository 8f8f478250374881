// fanout_net_server LATENCY SEED BODY_BYTES: the net workload's HTTP server as a program
// (workloads/net_server.hpp starts it). It listens on 127.0.0.1, writes its port and a newline
// to stdout, serves until its stdin reaches end of file, and exits 0; on any failure it writes
// one line to stderr and exits 1.
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <string>

#include "harness/async/http_server.hpp"
#include "workloads/net.hpp"

namespace {

// As many descriptors as the hard limit allows: one per connection the client opens.
void raise_open_file_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

int serve(char** argv) {
  fanout::workloads::net_workload w;
  w.latency = fanout::workloads::latency_dist::parse(argv[1]);
  w.seed = std::stoull(argv[2]);
  w.body_bytes = std::stoull(argv[3]);
  raise_open_file_limit();
  const fanout::async::http_server server(fanout::workloads::net_handler(w, {}));
  if (std::printf("%u\n", static_cast<unsigned>(ntohs(server.address().sin_port))) < 0 ||
      std::fflush(stdout) != 0) {
    return 1;
  }
  char c = 0;
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n == 0 || (n < 0 && errno != EINTR)) return 0;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: fanout_net_server LATENCY SEED BODY_BYTES\n");
    return 2;
  }
  try {
    return serve(argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fanout_net_server: %s\n", e.what());
    return 1;
  }
}
