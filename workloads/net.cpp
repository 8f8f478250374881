#include "workloads/net.hpp"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <mutex>
#include <optional>
#include <semaphore>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "harness/async/check.hpp"
#include "harness/async/semaphore.hpp"
#include "harness/async/tcp.hpp"
#include "workloads/net_server.hpp"

namespace fanout::workloads {
namespace {

// HTTP field names are case-insensitive; wait's generator varies their case.
bool same_name(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) != lower[i]) return false;
  }
  return true;
}

}  // namespace

std::string net_response(std::uint64_t seed, std::size_t index, std::size_t body_bytes) {
  std::array<char, detail::kResponseCapacity> buffer;
  const std::string_view text(buffer.data(), detail::build_response(seed, index, buffer));
  const std::size_t head_end = text.find("\r\n\r\n");
  const std::string_view body = text.substr(head_end + 4);
  if (body_bytes < body.size()) {
    throw std::invalid_argument("net: body_bytes " + std::to_string(body_bytes) +
                                " is below the generated body of " + std::to_string(body.size()));
  }
  std::string out;
  out.reserve(head_end + 64 + body_bytes);
  std::string_view head = text.substr(0, head_end + 2);  // every line with its CRLF
  while (!head.empty()) {
    const std::string_view line = head.substr(0, head.find("\r\n") + 2);
    head.remove_prefix(line.size());
    const std::size_t colon = line.find(':');
    const std::string_view name = line.substr(0, colon == std::string_view::npos ? 0 : colon);
    if (same_name(name, "content-length")) {
      out.append(name).append(": ").append(std::to_string(body_bytes)).append("\r\n");
    } else {
      out.append(line);
    }
  }
  out.append("\r\n").append(body).append(body_bytes - body.size(), ' ');
  return out;
}

// The server, where to reach it, and the connections the workload's copies share. Pooled async
// connections live on the loop that made them (event_loop::local, keyed by `id`) and close with
// it; pooled blocking sockets live here and close with the session.
class net_session {
 public:
  net_session(const net_workload& w, const net_faults& faults) : id_(next_id_.fetch_add(1)) {
    if (w.pool_max > 0) {
      async_cap_ = std::make_unique<async::semaphore>(w.pool_max);
      blocking_cap_.emplace(static_cast<std::ptrdiff_t>(w.pool_max));
    }
    if (faults.refuse) {
      address_ = closed_port();
      return;
    }
    const bool faulty = faults.fault != async::http_fault::none;
    if (w.server == server_mode::process && !faulty) {
      process_ = std::make_unique<net_server_process>(w);
      address_ = process_->address();
    } else if (w.server == server_mode::thread) {
      server_ = std::make_unique<async::http_server>(net_handler(w, faults));
      address_ = server_->address();
    } else {
      throw std::logic_error("net: faults are injected into the in-thread server only");
    }
  }
  ~net_session() {
    for (int fd : idle_) ::close(fd);
  }
  net_session(const net_session&) = delete;
  net_session& operator=(const net_session&) = delete;

  std::uint64_t id() const { return id_; }
  const sockaddr_in& address() const { return address_; }
  async::semaphore* async_cap() const { return async_cap_.get(); }

  // Blocking form: an idle pooled socket, or -1.
  int take_idle() {
    std::lock_guard lock(mutex_);
    if (idle_.empty()) return -1;
    const int fd = idle_.back();
    idle_.pop_back();
    return fd;
  }
  void give_idle(int fd) {
    std::lock_guard lock(mutex_);
    idle_.push_back(fd);
  }
  // Blocking form, with pool_max: a slot for one connection, waited for at most `timeout_ms`.
  bool acquire_blocking(double timeout_ms) {
    return !blocking_cap_ || blocking_cap_->try_acquire_for(measure::from_ms(timeout_ms));
  }
  void release_blocking() {
    if (blocking_cap_) blocking_cap_->release();
  }

  // A socket was made for a connection (it counts as opened even if the connect then fails).
  void opened() { opened_.fetch_add(1, std::memory_order_relaxed); }
  // A connection failed with `err`; `made_socket`: after its socket was made.
  void failed(int err, bool made_socket) {
    if (!made_socket) opened_.fetch_sub(1, std::memory_order_relaxed);
    int none = 0;
    if (first_errno_.compare_exchange_strong(none, err)) before_failure_ = opened_.load();
  }
  net_stats stats() const { return {opened_.load(), first_errno_.load(), before_failure_.load()}; }

 private:
  // A loopback port where nothing listens: bound, read back, closed.
  static sockaddr_in closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      throw std::system_error(errno, std::generic_category(), "net: closed port");
    }
    ::close(fd);
    return a;
  }

  static inline std::atomic<std::uint64_t> next_id_{1};
  std::uint64_t id_;
  sockaddr_in address_{};
  std::unique_ptr<async::http_server> server_;
  std::unique_ptr<net_server_process> process_;
  std::mutex mutex_;
  std::vector<int> idle_;  // guarded by mutex_
  std::unique_ptr<async::semaphore> async_cap_;
  std::optional<std::counting_semaphore<INT_MAX>> blocking_cap_;
  std::atomic<std::size_t> opened_{0}, before_failure_{0};
  std::atomic<int> first_errno_{0};
};

async::http_handler net_handler(const net_workload& w, const net_faults& faults) {
  return [seed = w.seed, bytes = w.body_bytes, latency = w.latency, faults](std::size_t i) {
    async::http_reply r{.delay_ms = latency.sample_ms(seed, i),
                        .bytes = net_response(seed, i, bytes)};
    if (i == faults.item) r.fault = faults.fault;
    return r;
  };
}

std::string net_workload::name_params() const {
  std::string out = latency_name(latency) + "/body:" + std::to_string(body_bytes) +
                    (conn == conn_policy::pool ? "/conn:pool" : "/conn:per_item");
  if (pool_max > 0) out += "/pool_max:" + std::to_string(pool_max);
  return out;
}

param_list net_workload::param_counters() const {
  param_list out = latency_counters(latency);
  out.emplace_back("body_bytes", static_cast<double>(body_bytes));
  out.emplace_back("conn_pool", conn == conn_policy::pool ? 1.0 : 0.0);
  return out;
}

net_workload net_workload::start(net_faults faults) const {
  net_workload live = *this;
  live.session = std::make_shared<net_session>(*this, faults);
  return live;
}

net_stats net_workload::stats() const { return session ? session->stats() : net_stats{}; }

sockaddr_in net_workload::server_address() const {
  return session ? session->address() : sockaddr_in{};
}

std::uint64_t net_workload::compute(std::size_t index) const {
  return detail::parse_http_response(net_response(seed, index, body_bytes)).checksum;
}

namespace {

[[noreturn]] void fail(const char* what, int err) {
  throw std::system_error(err, std::generic_category(), what);
}

net_session& live(const net_workload& w) {
  if (!w.session) throw std::logic_error("net workload used before start()");
  return *w.session;
}

// A blocking socket connected to `to`; every later send and recv waits at most `timeout_ms`.
int blocking_connect(net_session& s, double timeout_ms) {
  s.opened();
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    s.failed(errno, false);
    fail("socket", errno);
  }
  const auto us = static_cast<long>(timeout_ms * 1000);
  const timeval tv{us / 1'000'000, us % 1'000'000};
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // bounds connect() too
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const sockaddr_in& to = s.address();
  int rc = 0;
  do {
    rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int err = errno == EINPROGRESS ? ETIMEDOUT : errno;  // SO_SNDTIMEO ran out
    ::close(fd);
    s.failed(err, true);
    fail("connect", err);
  }
  return fd;
}

// Closes with SO_LINGER 0: a RST, and no TIME_WAIT entry holding the client's ephemeral port.
void close_reset(int fd) {
  const linger now{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
  ::close(fd);
}

void blocking_send(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write", errno == EAGAIN ? ETIMEDOUT : errno);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Reads one complete response, bounded in time (each recv by SO_RCVTIMEO, all of them by
// `deadline`) and in bytes.
std::string blocking_read(int fd, clock::time_point deadline) {
  constexpr std::size_t kMaxMessage = std::size_t{64} << 20;
  std::string in;
  std::array<char, 16384> chunk;
  while (true) {
    if (const std::size_t n = async::http_message_length(in); n > 0) return in.substr(0, n);
    if (clock::now() > deadline || in.size() > kMaxMessage) fail("read", ETIMEDOUT);
    const ssize_t n = ::recv(fd, chunk.data(), chunk.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("read", errno == EAGAIN ? ETIMEDOUT : errno);
    if (n == 0) {
      throw std::runtime_error("read (after " + std::to_string(in.size()) +
                               " bytes): EOF (end of file)");
    }
    in.append(chunk.data(), static_cast<std::size_t>(n));
  }
}

}  // namespace

net_workload::result net_workload::run_blocking(std::size_t index) const {
  net_session& s = live(*this);
  const bool pooled = conn == conn_policy::pool;
  const double ms = latency_ms(index);
  if (pooled && !s.acquire_blocking(timeout_ms)) fail("pool", ETIMEDOUT);
  int fd = pooled ? s.take_idle() : -1;
  std::string reply;
  try {
    if (fd < 0) fd = blocking_connect(s, timeout_ms);
    blocking_send(fd, async::http_request(index, pooled));
    reply = blocking_read(fd, clock::now() + measure::from_ms(ms + timeout_ms));
  } catch (...) {
    if (fd >= 0) ::close(fd);
    if (pooled) s.release_blocking();
    throw;
  }
  const clock::time_point done = clock::now();
  if (pooled) {
    s.give_idle(fd);
    s.release_blocking();
  } else {
    close_reset(fd);
  }
  return {ms, detail::parse_http_response(reply).checksum, done};
}

namespace {

// The keep-alive connections of one session that are idle on one loop.
struct loop_pool {
  std::vector<async::tcp_stream> idle;
};

}  // namespace

async::task<net_workload::result> net_workload::run_async(std::size_t index) const {
  net_session& s = live(*this);
  const bool pooled = conn == conn_policy::pool;
  const double ms = latency_ms(index);
  async::semaphore::permit slot;
  if (pooled && s.async_cap() != nullptr) slot = co_await s.async_cap()->acquire();
  loop_pool* pool = nullptr;
  async::tcp_stream stream;
  if (pooled) {
    pool = &(co_await async::this_context{}).loop->local<loop_pool>(s.id());
    if (!pool->idle.empty()) {
      stream = std::move(pool->idle.back());
      pool->idle.pop_back();
    }
  }
  if (!stream.open()) {
    s.opened();
    try {
      stream = co_await async::tcp_stream::connect(s.address(), timeout_ms);
    } catch (const async::uv_error& e) {
      // libuv makes the socket inside the connect: these errors mean it made none.
      const bool no_socket =
          e.code() == UV_EMFILE || e.code() == UV_ENFILE || e.code() == UV_ENOBUFS;
      s.failed(-e.code(), !no_socket);
      throw;
    }
  }
  const std::string request = async::http_request(index, pooled);
  co_await stream.write(request, timeout_ms);
  const std::string reply =
      co_await stream.read_until(&async::http_message_length, ms + timeout_ms);
  const clock::time_point done = clock::now();
  if (pooled) {
    pool->idle.push_back(std::move(stream));
  } else {
    stream.close(true);
  }
  co_return result{ms, detail::parse_http_response(reply).checksum, done};
}

}  // namespace fanout::workloads
