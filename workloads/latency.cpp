#include "workloads/latency.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <system_error>

namespace fanout::workloads {
namespace {

constexpr std::string_view kAcceptedForms =
    "accepted forms: fixed:L, uniform:A-B, lognormal:median=M,p99=P (ms)";

[[noreturn]] void reject(std::string_view spec, std::string_view why) {
  std::string message = "bad latency distribution \"";
  message.append(spec).append("\": ").append(why).append("; ").append(kAcceptedForms);
  throw std::invalid_argument(message);
}

// Appended rather than `"\"" + std::string(text)`, which trips GCC 12's false -Wrestrict.
std::string quoted(std::string_view text) {
  std::string out(1, '"');
  return out.append(text).append(1, '"');
}

// Where in the spec the reader stopped, for messages.
std::string position(std::string_view rest) {
  return rest.empty() ? "at the end" : "at " + quoted(rest);
}

// Reads a spec left to right. Numbers go through std::from_chars, which takes no leading '+' or
// whitespace and no locale, so the accepted grammar is the same on every platform.
class spec_reader {
 public:
  explicit spec_reader(std::string_view spec, std::string_view rest) : spec_(spec), rest_(rest) {}

  // A non-negative finite number; `name` is the parameter as the accepted forms spell it.
  double number(std::string_view name) {
    double value = 0.0;
    const auto [end, ec] = std::from_chars(rest_.data(), rest_.data() + rest_.size(), value);
    if (ec == std::errc::invalid_argument) {
      reject(spec_, std::string(name) + " is not a number " + position(rest_));
    }
    const std::string_view token = rest_.substr(0, static_cast<std::size_t>(end - rest_.data()));
    rest_.remove_prefix(token.size());
    if (ec == std::errc::result_out_of_range) {
      reject(spec_, std::string(name) + " = " + quoted(token) + " is out of range");
    }
    if (!std::isfinite(value)) {
      reject(spec_, std::string(name) + " = " + quoted(token) + " is not finite");
    }
    if (std::signbit(value)) {
      reject(spec_, std::string(name) + " = " + quoted(token) + " is negative");
    }
    return value;
  }

  void expect(std::string_view literal, std::string_view form) {
    if (!rest_.starts_with(literal)) {
      reject(spec_,
             "expected " + quoted(literal) + " " + position(rest_) + " in " + std::string(form));
    }
    rest_.remove_prefix(literal.size());
  }

  void finish(std::string_view form) const {
    if (!rest_.empty()) {
      reject(spec_, "trailing " + quoted(rest_) + " after " + std::string(form));
    }
  }

 private:
  std::string_view spec_;
  std::string_view rest_;
};

std::string format_ms(double value) {
  // 32 characters hold any double in its shortest round-tripping form (at most 24).
  std::array<char, 32> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), end);
}

}  // namespace

latency_dist::latency_dist(latency_kind kind, double first, double second)
    : kind_(kind), first_(first), second_(second) {
  if (kind_ == latency_kind::lognormal) {
    // Chosen so that exp(mu + sigma * Phi^-1(0.99)) lands on the requested p99.
    // log(P / M) keeps its precision when P is close to M; the difference of logs is the fallback
    // for ratios that overflow.
    const double ratio = second_ / first_;
    const double log_ratio =
        std::isfinite(ratio) ? std::log(ratio) : std::log(second_) - std::log(first_);
    sigma_ = log_ratio / detail::normal_quantile(0.99);
  }
}

latency_dist latency_dist::parse(std::string_view spec) {
  if (spec.empty()) reject(spec, "empty spec");
  const std::size_t colon = spec.find(':');
  if (colon == std::string_view::npos) reject(spec, "missing ':' after the kind");
  const std::string_view kind = spec.substr(0, colon);
  spec_reader reader(spec, spec.substr(colon + 1));
  if (kind == "fixed") {
    const double fixed = reader.number("L");
    reader.finish("fixed:L");
    return latency_dist(latency_kind::fixed, fixed, fixed);
  }
  if (kind == "uniform") {
    const double low = reader.number("A");
    reader.expect("-", "uniform:A-B");
    const double high = reader.number("B");
    reader.finish("uniform:A-B");
    if (low > high) reject(spec, "A = " + format_ms(low) + " exceeds B = " + format_ms(high));
    return latency_dist(latency_kind::uniform, low, high);
  }
  if (kind == "lognormal") {
    constexpr std::string_view kForm = "lognormal:median=M,p99=P";
    reader.expect("median=", kForm);
    const double median = reader.number("M");
    reader.expect(",p99=", kForm);
    const double p99 = reader.number("P");
    reader.finish(kForm);
    if (median <= 0.0) reject(spec, "median M = " + format_ms(median) + " must be > 0");
    if (p99 <= median) {
      reject(spec, "p99 P = " + format_ms(p99) + " must exceed median M = " + format_ms(median));
    }
    return latency_dist(latency_kind::lognormal, median, p99);
  }
  reject(spec, "unknown kind " + quoted(kind));
}

double latency_dist::sample_ms(std::uint64_t seed, std::size_t index) const {
  return quantile_ms(detail::open_unit(detail::item_hash(seed, index)));
}

double latency_dist::median_ms() const {
  // A lognormal's median is exp(mu) = M itself; the others follow the quantile formula at 0.5 so
  // that median_ms() and quantile_ms(0.5) agree to the bit.
  return kind_ == latency_kind::lognormal ? first_ : quantile_ms(0.5);
}

double latency_dist::quantile_ms(double q) const {
  if (!(q >= 0.0 && q <= 1.0)) {
    throw std::invalid_argument("latency_dist::quantile_ms: q = " + format_ms(q) +
                                " is outside [0, 1]");
  }
  switch (kind_) {
    case latency_kind::fixed:
      return first_;
    case latency_kind::uniform:
      // The clamp keeps rounding of A + (B - A) q from stepping past B.
      return std::clamp(first_ + (second_ - first_) * q, first_, second_);
    case latency_kind::lognormal:
      if (q == 0.0) return 0.0;
      if (q == 1.0) return std::numeric_limits<double>::infinity();
      // M * exp(sigma z) rather than exp(mu + sigma z): exactly M at z = 0.
      return first_ * std::exp(sigma_ * detail::normal_quantile(q));
  }
  return first_;
}

double latency_dist::max_ms() const {
  return kind_ == latency_kind::lognormal ? std::numeric_limits<double>::infinity() : second_;
}

std::string latency_dist::spec() const {
  switch (kind_) {
    case latency_kind::fixed:
      return "fixed:" + format_ms(first_);
    case latency_kind::uniform:
      return "uniform:" + format_ms(first_) + "-" + format_ms(second_);
    case latency_kind::lognormal:
      return "lognormal:median=" + format_ms(first_) + ",p99=" + format_ms(second_);
  }
  return {};
}

std::uint64_t parse_response(std::uint64_t seed, std::size_t index) {
  // Left uninitialised on purpose: zeroing 4 KiB would cost more than the parse itself.
  std::array<char, detail::kResponseCapacity> buffer;
  const std::size_t size = detail::build_response(seed, index, buffer);
  return detail::parse_http_response(std::string_view(buffer.data(), size)).checksum;
}

namespace detail {
namespace {

// Acklam's lower-tail and central approximations, for p in (0, 0.5].
double acklam_lower_half(double p) {
  constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                          1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                          6.680131188771972e+01, -1.328068155288572e+01};
  constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                          -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                          3.754408661907416e+00};
  constexpr double kLowBreak = 0.02425;
  if (p < kLowBreak) {
    const double q = std::sqrt(-2.0 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  }
  const double q = p - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
}

}  // namespace

double normal_quantile(double p) {
  // Work in the lower half only: 1 - p is exact for p in [0.5, 1] (Sterbenz), and erfc of a
  // positive argument keeps full relative precision in the tail the refinement has to hit.
  if (p > 0.5) return -normal_quantile(1.0 - p);
  const double x = acklam_lower_half(p);
  constexpr double kSqrt2 = 1.4142135623730950488;
  constexpr double kSqrt2Pi = 2.5066282746310005024;
  const double e = 0.5 * std::erfc(-x / kSqrt2) - p;
  const double u = e * kSqrt2Pi * std::exp(x * x / 2.0);
  return x - u / (1.0 + x * u / 2.0);
}

namespace {

// A bounded append-only writer over caller memory: the response lives on the stack, so building
// it allocates nothing and the cost is the bytes written.
class span_writer {
 public:
  explicit span_writer(std::span<char> out) : out_(out) {}

  void put(std::string_view text) {
    if (text.size() > out_.size() - size_) {
      throw std::length_error("build_response: response does not fit its buffer");
    }
    std::memcpy(out_.data() + size_, text.data(), text.size());
    size_ += text.size();
  }
  void put_uint(std::uint64_t value) {
    std::array<char, 20> digits{};
    const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    put(std::string_view(digits.data(), static_cast<std::size_t>(end - digits.data())));
  }
  void put_hex(std::uint64_t value, int digits) {
    constexpr std::string_view kHex = "0123456789abcdef";
    std::array<char, 16> text{};
    for (int i = digits - 1; i >= 0; --i, value >>= 4)
      text[static_cast<std::size_t>(i)] = kHex[value & 15];
    put(std::string_view(text.data(), static_cast<std::size_t>(digits)));
  }
  std::size_t size() const { return size_; }
  std::string_view text() const { return {out_.data(), size_}; }

 private:
  std::span<char> out_;
  std::size_t size_ = 0;
};

using item_stream = measure::splitmix64_stream;

// A JSON-ish catalogue page of 3 to 6 items, about 270 to 510 bytes.
void write_body(item_stream& rng, std::uint64_t seed, std::size_t index, span_writer& out) {
  constexpr std::string_view kTags[] = {"\"new\"", "\"sale\"", "\"hd\"", "\"eu\"", "\"kids\""};
  out.put("{\"request\":");
  out.put_uint(index);
  out.put(",\"seed\":");
  out.put_uint(seed);
  out.put(",\"items\":[");
  const std::uint64_t items = 3 + rng.below(4);
  for (std::uint64_t i = 0; i < items; ++i) {
    out.put(i == 0 ? "{\"id\":" : ",{\"id\":");
    out.put_uint(rng.below(1'000'000));
    out.put(",\"name\":\"item-");
    out.put_hex(rng.next(), 8);
    out.put("\",\"price\":");
    out.put_uint(rng.below(500));
    out.put(".");
    out.put_uint(10 + rng.below(90));
    out.put(",\"tags\":[");
    out.put(kTags[rng.below(5)]);
    out.put(",");
    out.put(kTags[rng.below(5)]);
    out.put("]}");
  }
  out.put("],\"next\":\"");
  out.put_hex(rng.next(), 16);
  out.put("\"}");
}

void write_status_line(item_stream& rng, span_writer& out) {
  // Mostly 200, as a healthy service answers; the rest exercise other codes and reason lengths.
  constexpr std::string_view kOthers[] = {"201 Created",           "202 Accepted",
                                          "206 Partial Content",   "404 Not Found",
                                          "429 Too Many Requests", "503 Service Unavailable"};
  const std::uint64_t roll = rng.below(16);
  out.put("HTTP/1.1 ");
  out.put(roll < 10 ? "200 OK" : kOthers[roll - 10]);
  out.put("\r\n");
}

// Writes "Name:" and then 0 to 2 spaces, since optional whitespace is what a parser must skip.
void start_header(item_stream& rng, std::string_view name, span_writer& out) {
  constexpr std::string_view kSpaces[] = {":", ": ", ":  "};
  out.put(name);
  out.put(kSpaces[rng.below(3)]);
}

void write_date(item_stream& rng, span_writer& out) {
  constexpr std::string_view kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  start_header(rng, "Date", out);
  out.put(kDays[rng.below(7)]);
  out.put(", ");
  out.put_uint(10 + rng.below(18));
  out.put(" ");
  out.put(kMonths[rng.below(12)]);
  out.put(" 2024 1");
  out.put_uint(rng.below(10));
  out.put(":");
  out.put_uint(10 + rng.below(50));
  out.put(":");
  out.put_uint(10 + rng.below(50));
  out.put(" GMT\r\n");
}

void write_request_id(item_stream& rng, span_writer& out) {
  start_header(rng, "X-Request-Id", out);
  out.put_hex(rng.next(), 16);
  out.put_hex(rng.next(), 16);
  out.put("\r\n");
}

// The headers every response carries, Content-Length among them: eight in all.
void write_common_headers(item_stream& rng, std::size_t body_size, span_writer& out) {
  write_date(rng, out);
  start_header(rng, "Server", out);
  out.put("fanout-sim/1.");
  out.put_uint(rng.below(20));
  out.put("\r\n");
  start_header(rng, "Content-Type", out);
  out.put("application/json; charset=utf-8\r\n");
  start_header(rng, "Content-Length", out);
  out.put_uint(body_size);
  out.put("\r\n");
  start_header(rng, "Cache-Control", out);
  out.put(rng.below(2) == 0 ? "no-cache\r\n" : "private, max-age=60\r\n");
  start_header(rng, "ETag", out);
  out.put("W/\"");
  out.put_hex(rng.next(), 16);
  out.put("\"\r\n");
  write_request_id(rng, out);
  start_header(rng, "Connection", out);
  out.put("keep-alive\r\n");
}

// Zero to four of six optional headers, so a response has 8 to 12 in all.
void write_optional_headers(item_stream& rng, span_writer& out) {
  constexpr std::string_view kNames[] = {"Vary", "x-ratelimit-remaining",    "X-Trace-Id", "Via",
                                         "Age",  "strict-transport-security"};
  const std::uint64_t count = rng.below(5);
  const std::uint64_t first = rng.below(6);
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::size_t which = static_cast<std::size_t>((first + i) % 6);
    start_header(rng, kNames[which], out);
    if (which == 0) out.put("Accept-Encoding, Origin");
    if (which == 1 || which == 4) out.put_uint(rng.below(5000));
    if (which == 2) out.put_hex(rng.next(), 16);
    if (which == 3) out.put("1.1 edge-proxy-07 (fanout)");
    if (which == 5) out.put("max-age=31536000; includeSubDomains");
    out.put("\r\n");
  }
}

bool is_token_char(char c) {
  constexpr std::string_view kPunctuation = "!#$%&'*+-.^_`|~";
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         kPunctuation.find(c) != std::string_view::npos;
}

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

// FNV-1a: the kind of hash a client keeps for a body digest.
using measure::fnv1a;
using measure::kFnvOffset;

std::uint64_t fnv1a(std::uint64_t hash, char c) { return fnv1a(hash, static_cast<std::uint8_t>(c)); }

[[noreturn]] void malformed(std::string_view why) {
  throw std::runtime_error("malformed HTTP response: " + std::string(why));
}

std::string_view take_line(std::string_view& text) {
  const std::size_t end = text.find("\r\n");
  if (end == std::string_view::npos) malformed("line without CRLF");
  const std::string_view line = text.substr(0, end);
  text.remove_prefix(end + 2);
  return line;
}

std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

int parse_status_line(std::string_view line) {
  if (line.size() < 12 || !line.starts_with("HTTP/1.") || (line[7] != '0' && line[7] != '1') ||
      line[8] != ' ' || (line.size() > 12 && line[12] != ' ')) {
    malformed("bad status line");
  }
  int status = 0;
  const auto [end, ec] = std::from_chars(line.data() + 9, line.data() + 12, status);
  if (ec != std::errc() || end != line.data() + 12 || status < 100 || status > 599) {
    malformed("bad status code");
  }
  return status;
}

std::size_t parse_content_length(std::string_view value) {
  std::size_t length = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
    malformed("bad Content-Length");
  }
  return length;
}

// Hashes one "name: value" field (name case-folded, as HTTP field names are case-insensitive) and
// picks out Content-Length on the way.
std::uint64_t parse_header(std::string_view line, parsed_response& result, bool& has_length) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) malformed("header without a name");
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = trim_ows(line.substr(colon + 1));
  constexpr std::string_view kContentLength = "content-length";
  bool is_length = name.size() == kContentLength.size();
  std::uint64_t hash = kFnvOffset;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!is_token_char(name[i])) malformed("bad character in a header name");
    const char lower = to_lower(name[i]);
    is_length = is_length && lower == kContentLength[i];
    hash = fnv1a(hash, lower);
  }
  if (is_length) {
    if (has_length) malformed("repeated Content-Length");
    result.content_length = parse_content_length(value);
    has_length = true;
  }
  return fnv1a(fnv1a(hash, ':'), value);
}

// Walks the JSON-ish body as a client would before using it: string contents are hashed, integer
// runs are read as numbers, and brackets must balance. The generator writes no escapes, so a
// string ends at the next quote.
std::uint64_t scan_json(std::string_view body) {
  std::uint64_t hash = kFnvOffset;
  std::uint64_t number = 0;
  bool in_number = false;
  int depth = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c >= '0' && c <= '9') {
      number = number * 10 + static_cast<std::uint64_t>(c - '0');
      in_number = true;
      continue;
    }
    if (in_number) hash = splitmix64(hash ^ number);
    number = 0;
    in_number = false;
    if (c == '"') {
      const std::size_t end = body.find('"', i + 1);
      if (end == std::string_view::npos) malformed("unterminated string in the body");
      hash = fnv1a(hash, body.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth < 0) {
      malformed("unbalanced brackets in the body");
    }
  }
  if (depth != 0) malformed("unbalanced brackets in the body");
  return in_number ? splitmix64(hash ^ number) : hash;
}

}  // namespace

std::size_t build_response(std::uint64_t seed, std::size_t index, std::span<char> out) {
  item_stream rng(item_hash(~seed, index));
  // The body comes first because Content-Length, a header, has to state its size.
  std::array<char, 1024> body_buffer;
  span_writer body(body_buffer);
  write_body(rng, seed, index, body);
  span_writer response(out);
  write_status_line(rng, response);
  write_common_headers(rng, body.size(), response);
  write_optional_headers(rng, response);
  response.put("\r\n");
  response.put(body.text());
  return response.size();
}

parsed_response parse_http_response(std::string_view text) {
  parsed_response result;
  result.status = parse_status_line(take_line(text));
  std::uint64_t checksum = splitmix64(static_cast<std::uint64_t>(result.status));
  bool has_length = false;
  for (std::string_view line = take_line(text); !line.empty(); line = take_line(text)) {
    checksum = splitmix64(checksum ^ parse_header(line, result, has_length));
    ++result.header_count;
  }
  if (!has_length) malformed("no Content-Length");
  if (text.size() != result.content_length) malformed("body size differs from Content-Length");
  checksum = splitmix64(checksum ^ result.content_length);
  checksum = splitmix64(checksum ^ fnv1a(kFnvOffset, text));
  result.checksum = splitmix64(checksum ^ scan_json(text));
  return result;
}

}  // namespace detail
}  // namespace fanout::workloads
