#pragma once
// http_server: a minimal HTTP/1.1 server on 127.0.0.1, on its own thread and its own libuv loop,
// the far end of the `net` workload (docs/design.md section 2).
//
//   http_server server([](std::size_t index) { return http_reply{.delay_ms = 10, .bytes = ...}; });
//   sockaddr_in to = server.address();     // 127.0.0.1 and the ephemeral port the kernel chose
//   // GET /item/17 HTTP/1.1 ... -> the handler's reply for item 17, sent 10 ms after the request
//
// It binds the loopback address only, port 0, so nothing beyond this machine can reach it and
// two servers never collide. Each connection carries one request at a time: `Connection: close`
// in a request closes it after the reply, anything else keeps it alive. The handler runs on the
// server's thread and decides, per item, the delay (on the loop's millisecond timer, as
// sleep_for), the bytes, and a fault for the tests: close without answering, or answer half.
// The destructor closes the listener and every connection and joins the thread.
#include <netinet/in.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace fanout::async {

enum class http_fault {
  none,
  close_early,  // close the connection instead of answering
  truncate,     // send the first half of the reply, then close
  stall,        // never answer (the client's timeout ends the request)
};

struct http_reply {
  double delay_ms = 0;  // after the request has been read
  std::string bytes;    // the whole response, status line to body
  http_fault fault = http_fault::none;
};

using http_handler = std::function<http_reply(std::size_t index)>;

class http_server {
 public:
  explicit http_server(http_handler handler);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Where it listens, as the kernel reports it (getsockname): 127.0.0.1 and its port.
  sockaddr_in address() const { return address_; }
  std::size_t connections_accepted() const { return accepted_.load(); }

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
  sockaddr_in address_{};
  std::atomic<std::size_t> accepted_{0};
  std::thread thread_;
};

// The request line of item `index`, as the server parses it: "GET /item/<index> HTTP/1.1".
std::string http_request(std::size_t index, bool keep_alive);

// The length of the complete HTTP message (head and Content-Length body) at the start of
// `received`; 0 while incomplete. A head without Content-Length is complete at its blank line.
std::size_t http_message_length(std::string_view received);

}  // namespace fanout::async
