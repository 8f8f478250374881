#include "workloads/net_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

#include "harness/measure/process.hpp"
#include "workloads/net.hpp"

extern char** environ;

namespace fanout::workloads {
namespace {

// Where the build put the program (CMake passes its path: workloads/CMakeLists.txt).
constexpr const char* kProgram = FANOUT_NET_SERVER_PROGRAM;
constexpr int kStartTimeoutMs = 10'000;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("net: server process: " + what);
}

// A pipe whose ends close on exec; the child's end is moved onto its stdin or stdout.
struct pipe_ends {
  int read = -1, write = -1;
  pipe_ends() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail(std::string("pipe: ") + std::strerror(errno));
    read = fds[0];
    write = fds[1];
  }
};

// The first line the child writes, within the start timeout: its port. "" if none came.
std::string first_line(int fd) {
  std::string line;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kStartTimeoutMs);
  char c = 0;
  while (line.size() < 16) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::max<long long>(0, left.count())));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return "";
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
    line.push_back(c);
  }
  return line;
}

}  // namespace

net_server_process::net_server_process(const net_workload& w) {
  if (::access(kProgram, X_OK) != 0) fail(std::string(kProgram) + ": " + std::strerror(errno));
  pipe_ends in, out;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.write, STDOUT_FILENO);
  const std::string latency = w.latency.spec(), seed = std::to_string(w.seed),
                    bytes = std::to_string(w.body_bytes);
  char* argv[] = {const_cast<char*>(kProgram), const_cast<char*>(latency.c_str()),
                  const_cast<char*>(seed.c_str()), const_cast<char*>(bytes.c_str()), nullptr};
  const int rc = ::posix_spawn(&pid_, kProgram, &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in.read);
  ::close(out.write);
  to_child_ = in.write;
  const std::string port = rc == 0 ? first_line(out.read) : "";
  ::close(out.read);
  if (rc != 0) {
    ::close(to_child_);
    fail(std::string("spawn ") + kProgram + ": " + std::strerror(rc));
  }
  if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos) {
    stop();
    fail("no port reported within " + std::to_string(kStartTimeoutMs / 1000) + " s");
  }
  measure::add_helper_process(pid_);
  address_.sin_family = AF_INET;
  address_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address_.sin_port = htons(static_cast<std::uint16_t>(std::stoul(port)));
}

net_server_process::~net_server_process() {
  measure::remove_helper_process(pid_);
  stop();
}

// Closes the child's stdin, which ends it, and reaps it; one that has not exited within 2 s
// (stuck, or stopped) is killed.
void net_server_process::stop() noexcept {
  ::close(to_child_);
  for (int waited_ms = 0; waited_ms < 2000; waited_ms += 5) {
    if (::waitpid(pid_, nullptr, WNOHANG) != 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

}  // namespace fanout::workloads
