// Latency distributions of the wait-bound workload, and the "parse" step that follows each request.
//
//   auto dist = fanout::workloads::latency_dist::parse("lognormal:median=10,p99=100");
//   double wait_ms = dist.sample_ms(seed, i);  // the same for (seed, i) on every run and strategy
//   ... wait wait_ms on a libuv timer ...
//   std::uint64_t sum = fanout::workloads::parse_response(seed, i);  // a few microseconds of CPU
//
// Every result is a pure function of (seed, index), so each strategy's output can be checked
// against `sequential` no matter in which order or on which thread the items ran.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "harness/measure/hash.hpp"

namespace fanout::workloads {

enum class latency_kind { fixed, uniform, lognormal };

// A per-item latency distribution in milliseconds, parsed from the suite's spec strings:
//   "fixed:L"                       every item waits L ms
//   "uniform:A-B"                   uniform on [A, B] ms
//   "lognormal:median=M,p99=P"      long-tailed; P > M > 0
class latency_dist {
 public:
  // Throws std::invalid_argument whose what() quotes the spec, names the bad value and lists the
  // accepted forms.
  static latency_dist parse(std::string_view spec);

  // The latency of item `index` under `seed`, in ms (>= 0): a pure function of (seed, index),
  // drawn by inverse CDF from a hashed uniform, so it needs no generator state.
  double sample_ms(std::uint64_t seed, std::size_t index) const;

  double median_ms() const;
  // Exact quantile for q in [0, 1]; throws std::invalid_argument outside that range.
  double quantile_ms(double q) const;
  // The upper bound: L for fixed, B for uniform, +inf for lognormal.
  double max_ms() const;
  // Canonical spec (shortest round-tripping numbers); parse(spec()) gives the same distribution.
  std::string spec() const;

  latency_kind kind() const { return kind_; }
  // fixed: L and L; uniform: A and B; lognormal: M (median) and P (p99).
  double first_param_ms() const { return first_; }
  double second_param_ms() const { return second_; }
  // The log-space standard deviation of a lognormal, 0 for the other kinds.
  double sigma() const { return sigma_; }

  bool operator==(const latency_dist&) const = default;

 private:
  latency_dist(latency_kind kind, double first, double second);

  latency_kind kind_;
  double first_;
  double second_;
  double sigma_ = 0.0;
};

// The "few microseconds of parsing" after a simulated request returns: builds a deterministic
// synthetic HTTP/1.1 response (status line, 8-12 headers, a JSON-ish body of a few hundred bytes)
// from (seed, index) into a stack buffer, really parses it (status code, header names and values,
// Content-Length, body) and returns a 64-bit checksum of what it parsed.
std::uint64_t parse_response(std::uint64_t seed, std::size_t index);

namespace detail {

using measure::item_hash;
using measure::open_unit;
using measure::splitmix64;

// The standard normal quantile Phi^-1(p) for p in (0, 1): Acklam's rational approximation
// (relative error 1.15e-9) refined by one Halley step on std::erfc, which brings it to about
// machine precision.
double normal_quantile(double p);

// What parse_http_response found; exposed so tests can check the parser on hand-written input.
struct parsed_response {
  int status = 0;
  std::size_t header_count = 0;
  std::size_t content_length = 0;
  std::uint64_t checksum = 0;
};

// Writes the synthetic response of (seed, index) into `out` and returns its length; throws
// std::length_error if `out` is too small (kResponseCapacity always suffices).
inline constexpr std::size_t kResponseCapacity = 4096;
std::size_t build_response(std::uint64_t seed, std::size_t index, std::span<char> out);

// Parses one complete HTTP/1.1 response with a Content-Length body; throws std::runtime_error
// naming the problem when the text is malformed.
parsed_response parse_http_response(std::string_view text);

}  // namespace detail
}  // namespace fanout::workloads
