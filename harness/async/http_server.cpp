#include "harness/async/http_server.hpp"

#include <arpa/inet.h>
#include <uv.h>

#include <charconv>
#include <chrono>
#include <cstring>
#include <set>
#include <string_view>
#include <utility>

#include "harness/async/check.hpp"
#include "harness/async/event_loop.hpp"
#include "harness/measure/time.hpp"

namespace fanout::async {

namespace {

constexpr std::string_view kHeadEnd = "\r\n\r\n";
constexpr std::size_t kMaxHead =
    64 * 1024;  // a request head longer than this closes its connection

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The value of header `name` in `head` (case-insensitive name), or nullopt-like empty view and
// false when absent.
bool header_value(std::string_view head, std::string_view name, std::string_view& value) {
  std::size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    const std::size_t start = pos + 2;
    const std::size_t end = std::min(head.find("\r\n", start), head.size());
    const std::string_view line = head.substr(start, end - start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && iequals(line.substr(0, colon), name)) {
      value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      return true;
    }
    pos = end;
  }
  return false;
}

}  // namespace

std::string http_request(std::size_t index, bool keep_alive) {
  return "GET /item/" + std::to_string(index) +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: " + (keep_alive ? "keep-alive" : "close") +
         "\r\n\r\n";
}

std::size_t http_message_length(std::string_view received) {
  const std::size_t head_end = received.find(kHeadEnd);
  if (head_end == std::string_view::npos) return 0;
  const std::string_view head = received.substr(0, head_end);
  std::size_t body = 0;
  std::string_view value;
  if (header_value(head, "Content-Length", value)) {
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), body);
    if (ec != std::errc()) return 0;  // unreadable: never complete; the read's bound ends it
  }
  const std::size_t total = head_end + kHeadEnd.size() + body;
  return received.size() >= total ? total : 0;
}

// One accepted connection: its handle, the request being read and the reply being sent.
struct server_conn {
  detail::timer_node delay;  // first: on_delay casts the node back
  uv_tcp_t tcp{};
  uv_write_t write_req{};
  http_server::impl* server = nullptr;
  std::string in;
  http_reply reply;
  bool keep_alive = true;
};

struct http_server::impl {
  http_handler handler;
  std::atomic<std::size_t>* accepted;
  event_loop loop;
  uv_tcp_t listener{};
  std::set<server_conn*> conns;  // open connections, closed at stop

  void close(server_conn* c) {
    c->delay.unlink();
    conns.erase(c);
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp),
             [](uv_handle_t* h) { delete static_cast<server_conn*>(h->data); });
  }

  static void on_connection(uv_stream_t* listener, int status) {
    auto* self = static_cast<impl*>(listener->data);
    if (status < 0) return;  // EMFILE and the like: libuv sheds the connection; the client sees it
    auto* c = new server_conn;
    c->server = self;
    c->tcp.data = c;
    if (uv_tcp_init(self->loop.uv(), &c->tcp) < 0) {
      delete c;
      return;
    }
    self->conns.insert(c);
    if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&c->tcp)) < 0) return self->close(c);
    self->accepted->fetch_add(1, std::memory_order_relaxed);
    uv_tcp_nodelay(&c->tcp, 1);
    start_reading(c);
  }

  static void start_reading(server_conn* c) {
    if (take_request(c)) return;
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(&c->tcp),
        [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
          static thread_local char chunk[4096];
          *buf = uv_buf_init(chunk, sizeof chunk);
          (void)h;
        },
        &impl::on_read);
  }

  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* c = static_cast<server_conn*>(stream->data);
    if (nread == 0) return;
    if (nread < 0 || c->in.size() > kMaxHead) return c->server->close(c);  // EOF or error
    c->in.append(buf->base, static_cast<std::size_t>(nread));
    if (take_request(c)) uv_read_stop(stream);
  }

  // Takes one complete request off the buffer and schedules its reply; false while incomplete.
  static bool take_request(server_conn* c) {
    const std::size_t end = c->in.find(kHeadEnd);
    if (end == std::string::npos) return false;
    const std::string_view head(c->in.data(), end);
    std::size_t index = 0;
    constexpr std::string_view kPrefix = "GET /item/";
    if (head.starts_with(kPrefix)) {
      std::from_chars(head.data() + kPrefix.size(), head.data() + head.size(), index);
    }
    std::string_view connection;
    c->keep_alive = !(header_value(head, "Connection", connection) && iequals(connection, "close"));
    c->in.erase(0, end + kHeadEnd.size());
    c->reply = c->server->handler(index);
    c->delay.fire = &impl::on_delay;
    c->server->loop.add_timer_at(
        &c->delay, std::chrono::steady_clock::now() + measure::from_ms(c->reply.delay_ms));
    return true;
  }

  static void on_delay(detail::timer_node* node, std::chrono::steady_clock::time_point) {
    auto* c = reinterpret_cast<server_conn*>(node);  // delay is the first member
    std::string_view out = c->reply.bytes;
    if (c->reply.fault == http_fault::close_early) return c->server->close(c);
    if (c->reply.fault == http_fault::stall) return;  // the connection stays open, silent
    if (c->reply.fault == http_fault::truncate) {
      out = out.substr(0, out.size() / 2);
      c->keep_alive = false;
    }
    uv_buf_t buf = uv_buf_init(const_cast<char*>(out.data()), static_cast<unsigned>(out.size()));
    c->write_req.data = c;
    const int rc = uv_write(&c->write_req, reinterpret_cast<uv_stream_t*>(&c->tcp), &buf, 1,
                            [](uv_write_t* req, int status) {
                              auto* conn = static_cast<server_conn*>(req->data);
                              if (status == UV_ECANCELED) return;  // closing already
                              if (status < 0 || !conn->keep_alive) return conn->server->close(conn);
                              start_reading(conn);
                            });
    if (rc < 0) c->server->close(c);
  }

  static void on_stop(void* arg) {
    auto* self = static_cast<impl*>(arg);
    uv_close(reinterpret_cast<uv_handle_t*>(&self->listener), nullptr);
    while (!self->conns.empty()) self->close(*self->conns.begin());
    self->loop.stop();
  }
};

http_server::http_server(http_handler handler) : impl_(std::make_unique<impl>()) {
  impl_->handler = std::move(handler);
  impl_->accepted = &accepted_;
  impl_->listener.data = impl_.get();
  uv_check(uv_tcp_init(impl_->loop.uv(), &impl_->listener), "uv_tcp_init");
  sockaddr_in any_port{};
  uv_check(uv_ip4_addr("127.0.0.1", 0, &any_port), "uv_ip4_addr");
  uv_check(uv_tcp_bind(&impl_->listener, reinterpret_cast<const sockaddr*>(&any_port), 0),
           "uv_tcp_bind");
  // The kernel caps the backlog at net.core.somaxconn.
  uv_check(uv_listen(reinterpret_cast<uv_stream_t*>(&impl_->listener), 65535, &impl::on_connection),
           "uv_listen");
  int len = sizeof address_;
  uv_check(uv_tcp_getsockname(&impl_->listener, reinterpret_cast<sockaddr*>(&address_), &len),
           "uv_tcp_getsockname");
  thread_ = std::thread([this] { impl_->loop.run(); });
}

http_server::~http_server() {
  impl_->loop.post(&impl::on_stop, impl_.get());
  thread_.join();
}

}  // namespace fanout::async
