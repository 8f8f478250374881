#pragma once
// net_server_process: the net workload's HTTP server (harness/async/http_server.hpp) in a
// process of its own, the program `fanout_net_server` (workloads/net_server_main.cpp).
//
//   net_server_process server(w);          // spawned; returns once it listens
//   sockaddr_in to = server.address();      // 127.0.0.1 and the port the child's kernel chose
//   // ... requests ...
//   // ~net_server_process: its stdin closes, it exits, it is reaped
//
// A process of its own has an open-file limit of its own: a fan-out of 10,000 connections
// needs 10,000 descriptors on each side, more than one process may hold here. The client's
// CPU time is then the client's alone, as it would be against a real server; the child's CPU
// time is still counted as the benchmark's own by the noise accounting
// (measure::add_helper_process), not as another process's load. The child exits when its stdin
// reaches end of file, so it never outlives this process, even one that is killed.
#include <netinet/in.h>
#include <sys/types.h>

namespace fanout::workloads {

struct net_workload;

class net_server_process {
 public:
  // Starts the server for `w`'s latency, seed and body size; throws std::runtime_error with
  // the reason when the program cannot be started or does not report its port within 10 s.
  explicit net_server_process(const net_workload& w);
  ~net_server_process();
  net_server_process(const net_server_process&) = delete;
  net_server_process& operator=(const net_server_process&) = delete;

  sockaddr_in address() const { return address_; }
  pid_t pid() const { return pid_; }

 private:
  void stop() noexcept;

  pid_t pid_ = -1;
  int to_child_ = -1;  // the child's stdin: closing it stops the child
  sockaddr_in address_{};
};

}  // namespace fanout::workloads
