#include "harness/async/tcp.hpp"

#include <cstring>
#include <string>
#include <utility>

#include "harness/async/check.hpp"
#include "harness/measure/time.hpp"

namespace fanout::async {
namespace detail {

// A message larger than this is refused (UV_E2BIG): a read loop is bounded in bytes as in time.
constexpr std::size_t kMaxMessage = std::size_t{64} << 20;
constexpr std::size_t kReadChunk = 4096;  // grown by this much when under a quarter is free

// One connection's libuv handle and requests, freed by the handle's close callback.
struct tcp_state {
  uv_tcp_t tcp{};
  uv_connect_t connect_req{};
  uv_write_t write_req{};
  tcp_waiter* waiter = nullptr;  // the operation in progress, if any
  std::string in;                // read buffer: its first `used` bytes are received data
  std::size_t used = 0;
  std::size_t message = 0;  // read_until: the length of the complete message, once known
  message_length length = nullptr;
};

void tcp_waiter::arm(context ctx, std::coroutine_handle<> h, double timeout_ms) {
  on_wake = ctx.on_wake;
  handle = h;
  state->waiter = this;
  timeout.fire = [](timer_node* node, std::chrono::steady_clock::time_point) {
    auto* self = reinterpret_cast<tcp_waiter*>(node);  // timeout is the first member
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&self->state->tcp));
    self->finish(UV_ETIMEDOUT);
  };
  ctx.loop->add_timer_at(&timeout, std::chrono::steady_clock::now() + measure::from_ms(timeout_ms));
}

void tcp_waiter::finish(int rc) {
  timeout.unlink();
  state->waiter = nullptr;
  status = rc;
  on_wake->wake(handle);  // may resume and destroy this waiter: nothing after
}

void tcp_waiter::detach() noexcept {
  timeout.unlink();
  if (state != nullptr && state->waiter == this) state->waiter = nullptr;
}

void tcp_waiter::throw_if_failed(const char* what) const {
  if (status < 0) throw uv_error(what, status);
}

namespace {

tcp_state* of(uv_handle_t* h) { return static_cast<tcp_state*>(h->data); }

void wake_waiter(tcp_state* s, int status) {
  if (s->waiter != nullptr) s->waiter->finish(status);
}

void on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf) {
  tcp_state* s = of(h);
  if (s->in.size() - s->used < kReadChunk / 4) s->in.resize(s->used + kReadChunk);
  *buf = uv_buf_init(s->in.data() + s->used, static_cast<unsigned>(s->in.size() - s->used));
}

// Whether the bytes received so far hold a complete message; stops reading once they do.
bool check_complete(tcp_state* s) {
  s->message = s->length(std::string_view(s->in.data(), s->used));
  return s->message > 0;
}

void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  tcp_state* s = of(reinterpret_cast<uv_handle_t*>(stream));
  if (nread == 0) return;  // EAGAIN: nothing read this time
  int status = 1;
  if (nread < 0) {
    status = static_cast<int>(nread);  // UV_EOF before a complete message is an error too
  } else {
    s->used += static_cast<std::size_t>(nread);
    if (check_complete(s))
      status = 0;
    else if (s->used > kMaxMessage)
      status = UV_E2BIG;
  }
  if (status == 1) return;
  uv_read_stop(stream);
  wake_waiter(s, status);
}

}  // namespace
}  // namespace detail

tcp_stream& tcp_stream::operator=(tcp_stream&& other) noexcept {
  if (this != &other) {
    close();
    state_ = std::exchange(other.state_, nullptr);
  }
  return *this;
}

void tcp_stream::close(bool reset) noexcept {
  if (state_ == nullptr) return;
  detail::tcp_state* s = std::exchange(state_, nullptr);
  s->waiter = nullptr;
  // Pending requests complete with ECANCELED before this callback; they find no waiter.
  const uv_close_cb free_state = [](uv_handle_t* h) { delete detail::of(h); };
  // A reset needs a socket; a connect that failed before making one closes plainly.
  if (reset && uv_tcp_close_reset(&s->tcp, free_state) == 0) return;
  uv_close(reinterpret_cast<uv_handle_t*>(&s->tcp), free_state);
}

tcp_stream::connect_op tcp_stream::connect(const sockaddr_in& to, double timeout_ms) {
  return connect_op(to, timeout_ms);
}

tcp_stream::write_op tcp_stream::write(std::string_view bytes, double timeout_ms) {
  FANOUT_CHECK(state_ != nullptr, "write on a closed tcp_stream");
  return write_op(state_, bytes, timeout_ms);
}

tcp_stream::read_op tcp_stream::read_until(message_length length, double timeout_ms) {
  FANOUT_CHECK(state_ != nullptr, "read on a closed tcp_stream");
  return read_op(state_, length, timeout_ms);
}

tcp_stream::connect_op::~connect_op() { waiter_.detach(); }

bool tcp_stream::connect_op::start(context ctx, std::coroutine_handle<> h) {
  auto* s = new detail::tcp_state;
  s->tcp.data = s;
  if (const int rc = uv_tcp_init(ctx.loop->uv(), &s->tcp); rc < 0) {
    delete s;
    waiter_.status = rc;
    return false;
  }
  stream_ = tcp_stream(s);  // closes the handle whatever happens next
  waiter_.state = s;
  s->connect_req.data = s;
  const int rc =
      uv_tcp_connect(&s->connect_req, &s->tcp, reinterpret_cast<const sockaddr*>(&to_),
                     [](uv_connect_t* req, int status) {
                       detail::wake_waiter(static_cast<detail::tcp_state*>(req->data), status);
                     });
  if (rc < 0) {  // EMFILE lands here: the socket is created by the connect
    waiter_.status = rc;
    return false;
  }
  waiter_.arm(ctx, h, timeout_ms_);
  return true;
}

tcp_stream tcp_stream::connect_op::await_resume() {
  waiter_.throw_if_failed("connect");
  // Requests are one small write each: send them at once rather than wait for an ACK.
  uv_tcp_nodelay(&waiter_.state->tcp, 1);
  return std::move(stream_);
}

bool tcp_stream::write_op::start(context ctx, std::coroutine_handle<> h) {
  waiter_.state = state_;
  state_->write_req.data = state_;
  uv_buf_t buf =
      uv_buf_init(const_cast<char*>(bytes_.data()), static_cast<unsigned>(bytes_.size()));
  const int rc = uv_write(&state_->write_req, reinterpret_cast<uv_stream_t*>(&state_->tcp), &buf, 1,
                          [](uv_write_t* req, int status) {
                            detail::wake_waiter(static_cast<detail::tcp_state*>(req->data), status);
                          });
  if (rc < 0) {
    waiter_.status = rc;
    return false;
  }
  waiter_.arm(ctx, h, timeout_ms_);
  return true;
}

tcp_stream::read_op::~read_op() {
  if (state_->waiter == &waiter_) uv_read_stop(reinterpret_cast<uv_stream_t*>(&state_->tcp));
  waiter_.detach();
}

bool tcp_stream::read_op::start(context ctx, std::coroutine_handle<> h) {
  waiter_.state = state_;
  state_->length = length_;
  if (detail::check_complete(state_)) {  // already received with an earlier read
    waiter_.status = 0;
    return false;
  }
  const int rc = uv_read_start(reinterpret_cast<uv_stream_t*>(&state_->tcp), &detail::on_alloc,
                               &detail::on_read);
  if (rc < 0) {
    waiter_.status = rc;
    return false;
  }
  waiter_.arm(ctx, h, timeout_ms_);
  return true;
}

std::string tcp_stream::read_op::await_resume() {
  if (waiter_.status < 0) {
    const std::string what = "read (after " + std::to_string(state_->used) + " bytes)";
    throw uv_error(what.c_str(), waiter_.status);
  }
  std::string message(state_->in.data(), state_->message);
  std::memmove(state_->in.data(), state_->in.data() + state_->message,
               state_->used - state_->message);
  state_->used -= state_->message;
  state_->message = 0;
  return message;
}

}  // namespace fanout::async
