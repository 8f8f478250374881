#pragma once
// tcp_stream: a libuv TCP connection driven by awaitables, each with a timeout: the async form
// of the `net` workload's request (docs/design.md section 2).
//
//   tcp_stream s = co_await tcp_stream::connect(addr, 2000.0);   // ms
//   co_await s.write(request, 2000.0);
//   std::string reply = co_await s.read_until(&http_length, 2000.0);
//
// Every operation fails with a uv_error (ETIMEDOUT, ECONNREFUSED, EMFILE, EOF, ...) instead of
// waiting for ever: a timeout is a node on the loop's shared timer (event_loop::add_timer_at).
// The handle lives in a heap block that libuv frees in its close callback, so a frame destroyed
// mid-operation (a cancellation) closes the connection and leaves nothing behind; libuv then
// completes any pending request with ECANCELED, which finds no waiter.
#include <netinet/in.h>
#include <uv.h>

#include <coroutine>
#include <cstddef>
#include <string>
#include <string_view>

#include "harness/async/context.hpp"
#include "harness/async/event_loop.hpp"

namespace fanout::async {

// How many bytes of `received` make one complete message; 0 while it is incomplete.
using message_length = std::size_t (*)(std::string_view received);

namespace detail {

struct tcp_state;

// What an operation's completion needs: who to wake, and the status it ended with.
struct tcp_waiter {
  detail::timer_node timeout;  // first: the node's address is the waiter's
  tcp_state* state = nullptr;
  waker* on_wake = nullptr;
  std::coroutine_handle<> handle{};
  int status = 1;  // 1: pending; 0: done; < 0: a libuv error

  void arm(context ctx, std::coroutine_handle<> h, double timeout_ms);
  void finish(int rc);  // unlinks the timeout, wakes the coroutine; touches nothing after
  void detach() noexcept;
  void throw_if_failed(const char* what) const;
};

}  // namespace detail

class tcp_stream {
 public:
  tcp_stream() = default;
  explicit tcp_stream(detail::tcp_state* state) noexcept : state_(state) {}
  tcp_stream(tcp_stream&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  tcp_stream& operator=(tcp_stream&& other) noexcept;
  ~tcp_stream() { close(); }

  bool open() const noexcept { return state_ != nullptr; }
  // Loop thread: closes the socket (now) and frees the handle (in libuv's close callback).
  // `reset`: with SO_LINGER 0 (uv_tcp_close_reset), so that the close sends RST and leaves no
  // TIME_WAIT entry holding this side's ephemeral port (docs/design.md section 4).
  void close(bool reset = false) noexcept;

  class connect_op;
  class write_op;
  class read_op;
  static connect_op connect(const sockaddr_in& to, double timeout_ms);
  // `bytes` must stay alive until the write completes or the stream is closed.
  write_op write(std::string_view bytes, double timeout_ms);
  // Reads until `length` says the bytes received so far hold a complete message; returns that
  // message and keeps any bytes after it for the next read. End of stream before a complete
  // message is an error (UV_EOF), whatever was received.
  read_op read_until(message_length length, double timeout_ms);

 private:
  detail::tcp_state* state_ = nullptr;
};

class tcp_stream::connect_op {
 public:
  connect_op(const sockaddr_in& to, double timeout_ms) : to_(to), timeout_ms_(timeout_ms) {}
  connect_op(const connect_op&) = delete;
  ~connect_op();
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    return start(h.promise().ctx, h);
  }
  tcp_stream await_resume();

 private:
  bool start(context ctx, std::coroutine_handle<> h);
  detail::tcp_waiter waiter_;  // first: see tcp_waiter
  sockaddr_in to_;
  double timeout_ms_;
  tcp_stream stream_;
};

class tcp_stream::write_op {
 public:
  write_op(detail::tcp_state* s, std::string_view bytes, double timeout_ms)
      : state_(s), bytes_(bytes), timeout_ms_(timeout_ms) {}
  write_op(const write_op&) = delete;
  ~write_op() { waiter_.detach(); }
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    return start(h.promise().ctx, h);
  }
  void await_resume() const { waiter_.throw_if_failed("write"); }

 private:
  bool start(context ctx, std::coroutine_handle<> h);
  detail::tcp_waiter waiter_;  // first: see tcp_waiter
  detail::tcp_state* state_;
  std::string_view bytes_;
  double timeout_ms_;
};

class tcp_stream::read_op {
 public:
  read_op(detail::tcp_state* s, message_length length, double timeout_ms)
      : state_(s), length_(length), timeout_ms_(timeout_ms) {}
  read_op(const read_op&) = delete;
  ~read_op();
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    return start(h.promise().ctx, h);
  }
  std::string await_resume();

 private:
  bool start(context ctx, std::coroutine_handle<> h);
  detail::tcp_waiter waiter_;  // first: see tcp_waiter
  detail::tcp_state* state_;
  message_length length_;
  double timeout_ms_;
};

}  // namespace fanout::async
