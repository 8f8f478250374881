// Tests for workloads/net.hpp, harness/async/tcp.hpp and harness/async/http_server.hpp: the
// server listens on 127.0.0.1 only; the response carries the item's checksum in a body of the
// configured size; every strategy that does not run on TBB returns sequential's checksum under
// both connection policies and turns each fault into an item error without hanging (the TBB
// strategies: tests/test_net_tbb.cpp); a silent server is a timeout; a connection per item
// leaves no TIME_WAIT entry on a client port; a fan-out past the open-file limit fails with
// EMFILE as item errors. Every test ends with as many open descriptors as it started with.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <string>

#include "harness/hazards/fd_exhaustion.hpp"
#include "net_checks.hpp"
#include "workloads/net_server.hpp"

namespace fanout::strategies {
namespace {

FANOUT_NET_STRATEGY_TESTS(types_by_tbb<false>)

class Net : public fd_balance {};

// Whether a blocking connect to `to` succeeds.
bool connects(sockaddr_in to) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0;
  ::close(fd);
  return ok;
}

TEST_F(Net, ServerListensOnLoopbackOnly) {
  const async::http_server server([](std::size_t) { return async::http_reply{}; });
  const sockaddr_in at = server.address();
  EXPECT_EQ(at.sin_family, AF_INET);
  EXPECT_EQ(ntohl(at.sin_addr.s_addr), INADDR_LOOPBACK);  // as the kernel reports it
  EXPECT_NE(ntohs(at.sin_port), 0);
  EXPECT_TRUE(connects(at));
  // Another address of this host, on the same port: refused, since the socket is bound to
  // 127.0.0.1 and not to every address.
  sockaddr_in other = at;
  other.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1);  // 127.0.0.2, also routed to lo
  EXPECT_FALSE(connects(other));
}

TEST_F(Net, ResponseBodyHasTheConfiguredSizeAndTheItemsChecksum) {
  for (std::size_t bytes : {1024, 4096, 65536}) {
    const std::string r = workloads::net_response(5, 3, bytes);
    const auto parsed = workloads::detail::parse_http_response(r);
    EXPECT_EQ(parsed.content_length, bytes);
    EXPECT_EQ(async::http_message_length(r), r.size());
    EXPECT_EQ(async::http_message_length(r.substr(0, r.size() - 1)), 0u);
    workloads::net_workload w{.body_bytes = bytes, .seed = 5};
    EXPECT_EQ(w.compute(3), parsed.checksum);
  }
  EXPECT_NE(workloads::net_workload{.body_bytes = 1024}.compute(3),
            workloads::net_workload{.body_bytes = 2048}.compute(3));
  EXPECT_THROW(workloads::net_response(5, 3, 10), std::invalid_argument);
}

// A server that never answers: both forms give up at the timeout, with an error.
TEST_F(Net, SilentServerIsATimeoutInBothForms) {
  const workloads::net_workload w =
      net_tiny(workloads::conn_policy::per_item, 100, workloads::server_mode::thread)
          .start({.fault = async::http_fault::stall});
  EXPECT_THROW(
      {
        try {
          w.run_blocking(0);
        } catch (const std::exception& e) {
          EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos) << e.what();
          throw;
        }
      },
      std::exception);
  owned_resources built(1);
  resources res = built.view();
  const auto b = futures_unordered::run(w, {.items = 1}, res);
  EXPECT_NE(b.items[0].error.find("ETIMEDOUT"), std::string::npos) << b.items[0].error;
}

// Client sockets in TIME_WAIT towards `port` (/proc/net/tcp: state 06, remote port `port`).
std::size_t client_time_waits(unsigned port) {
  std::ifstream tcp("/proc/net/tcp");
  std::string line;
  std::getline(tcp, line);  // header
  std::size_t n = 0;
  while (std::getline(tcp, line)) {
    unsigned local_port = 0, remote_port = 0, state = 0;
    if (std::sscanf(line.c_str(), "%*d: %*8x:%x %*8x:%x %x", &local_port, &remote_port, &state) ==
            3 &&
        state == 0x06 && remote_port == port) {
      ++n;
    }
  }
  return n;
}

TEST_F(Net, ConnectionPerItemLeavesNoClientPortInTimeWait) {
  const workloads::net_workload w = net_tiny(workloads::conn_policy::per_item).start();
  owned_resources built(kNetWorkers);
  resources res = built.view();
  const auto a = futures_unordered::run(w, {.items = 200}, res);
  const auto b = threads::run(w, {.items = 50}, res);
  EXPECT_EQ(a.first_error() + b.first_error(), "");
  EXPECT_EQ(w.stats().opened, 250u);
  // Each client closed with SO_LINGER 0 (a RST), so no ephemeral port waits out TIME_WAIT.
  EXPECT_EQ(client_time_waits(ntohs(w.server_address().sin_port)), 0u);
}

// The benchmarks' server is a process of its own: it listens on loopback only, answers with
// the item's checksum, counts as the benchmark's own CPU, and is gone when it is stopped.
TEST_F(Net, ServerProcessListensOnLoopbackAndEndsWithItsOwner) {
  const workloads::net_workload w = net_tiny(workloads::conn_policy::per_item);
  pid_t pid = -1;
  {
    const workloads::net_server_process server(w);
    pid = server.pid();
    EXPECT_EQ(ntohl(server.address().sin_addr.s_addr), INADDR_LOOPBACK);
    EXPECT_TRUE(connects(server.address()));
    EXPECT_EQ(::kill(pid, 0), 0);  // running
    EXPECT_GE(measure::helper_cpu_seconds(), 0.0);
  }
  errno = 0;
  EXPECT_EQ(::kill(pid, 0), -1);  // exited and reaped: no such process
  EXPECT_EQ(errno, ESRCH);
  const auto started = w.start();
  EXPECT_EQ(started.run_blocking(4).checksum, w.compute(4));
}

// Past the open-file limit, a connection per item fails with EMFILE: item errors, the errno and
// the count recorded, and nothing left open.
TEST_F(Net, FanOutPastTheOpenFileLimitFailsWithEmfile) {
  owned_resources built(1);
  resources res = built.view();
  const workloads::net_workload w = net_tiny(workloads::conn_policy::per_item).start();
  batch<workloads::net_workload::result> b(0);
  {
    const hazards::fd_limit lowered(measure::open_fds() + 40);
    b = futures_unordered::run(w, {.items = 100}, res);
  }
  EXPECT_EQ(w.stats().first_errno, EMFILE);
  EXPECT_LE(w.stats().opened_before_failure, 40u);
  EXPECT_LT(b.succeeded(), 100u);
  bool emfile = false;
  for (const auto& it : b.items) emfile = emfile || it.error.find("EMFILE") != std::string::npos;
  EXPECT_TRUE(emfile) << b.first_error();
}

}  // namespace
}  // namespace fanout::strategies
