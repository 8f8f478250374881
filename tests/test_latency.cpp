#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <numeric>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "workloads/latency.hpp"

namespace fanout::workloads {
namespace {

constexpr std::uint64_t kSeed = 0x5eed'2024;
constexpr std::size_t kSamples = 200'000;

TEST(LatencyDistParse, CanonicalSpecRoundTrips) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"fixed:5", "fixed:5"},
      {"fixed:0", "fixed:0"},
      {"fixed:2.50", "fixed:2.5"},
      {"fixed:1e1", "fixed:10"},
      {"uniform:1-20", "uniform:1-20"},
      {"uniform:3-3", "uniform:3-3"},
      {"uniform:1e-3-2e20", "uniform:0.001-2e+20"},
      {"lognormal:median=10,p99=100", "lognormal:median=10,p99=100"},
      {"lognormal:median=0.25,p99=1.5e3", "lognormal:median=0.25,p99=1500"},
  };
  for (const auto& [input, canonical] : cases) {
    SCOPED_TRACE(input);
    const latency_dist dist = latency_dist::parse(input);
    EXPECT_EQ(dist.spec(), canonical);
    const latency_dist again = latency_dist::parse(dist.spec());
    EXPECT_EQ(again, dist);
    EXPECT_EQ(again.spec(), canonical);
  }
}

TEST(LatencyDistParse, AccessorsDescribeTheDistribution) {
  const latency_dist fixed = latency_dist::parse("fixed:7.5");
  EXPECT_EQ(fixed.kind(), latency_kind::fixed);
  EXPECT_EQ(fixed.median_ms(), 7.5);
  EXPECT_EQ(fixed.max_ms(), 7.5);

  const latency_dist uniform = latency_dist::parse("uniform:2-10");
  EXPECT_EQ(uniform.kind(), latency_kind::uniform);
  EXPECT_EQ(uniform.first_param_ms(), 2.0);
  EXPECT_EQ(uniform.second_param_ms(), 10.0);
  EXPECT_EQ(uniform.median_ms(), 6.0);
  EXPECT_EQ(uniform.max_ms(), 10.0);

  const latency_dist lognormal = latency_dist::parse("lognormal:median=10,p99=100");
  EXPECT_EQ(lognormal.kind(), latency_kind::lognormal);
  EXPECT_EQ(lognormal.median_ms(), 10.0);
  EXPECT_TRUE(std::isinf(lognormal.max_ms()));
  // sigma = ln(P / M) / Phi^-1(0.99) = ln 10 / 2.3263478740408408.
  EXPECT_NEAR(lognormal.sigma(), std::log(10.0) / 2.3263478740408408, 1e-12);
}

struct malformed_case {
  const char* spec;
  const char* named;  // the part of the message that must point at the bad value
};

TEST(LatencyDistParse, RejectsMalformedSpecsAndNamesTheBadValue) {
  const std::vector<malformed_case> cases = {
      {"", "empty"},
      {"fixed", "missing ':'"},
      {"fixed:", "L is not a number"},
      {"fixed:abc", "\"abc\""},
      {"fixed:5ms", "\"ms\""},
      {"fixed: 5", "\" 5\""},
      {"fixed:+5", "\"+5\""},
      {"fixed:-1", "\"-1\" is negative"},
      {"fixed:-0", "\"-0\" is negative"},
      {"fixed:nan", "\"nan\" is not finite"},
      {"fixed:inf", "\"inf\" is not finite"},
      {"fixed:1e400", "\"1e400\" is out of range"},
      {"fixed:5:6", "\":6\""},
      {"gamma:1", "unknown kind \"gamma\""},
      {"FIXED:5", "unknown kind \"FIXED\""},
      {"uniform:5", "expected \"-\""},
      {"uniform:5-", "B is not a number"},
      {"uniform:-1-5", "\"-1\" is negative"},
      {"uniform:10-5", "A = 10 exceeds B = 5"},
      {"uniform:1-2-3", "trailing \"-3\""},
      {"uniform:1--2", "\"-2\" is negative"},
      {"uniform:1-x", "\"x\""},
      {"lognormal:median=10", "expected \",p99=\""},
      {"lognormal:10,100", "expected \"median=\""},
      {"lognormal:p99=100,median=10", "expected \"median=\""},
      {"lognormal:median=10,p99=5", "p99 P = 5 must exceed median M = 10"},
      {"lognormal:median=10,p99=10", "p99 P = 10 must exceed median M = 10"},
      {"lognormal:median=0,p99=10", "median M = 0 must be > 0"},
      {"lognormal:median=10,p99=100,p50=3", "trailing \",p50=3\""},
      {"lognormal:median=10,p99=100 ", "trailing \" \""},
      {"lognormal:median=abc,p99=100", "M is not a number"},
      {"lognormal:median=10;p99=100", "\";p99=100\""},
      {"lognormal:median=10,p99=inf", "\"inf\" is not finite"},
  };
  for (const malformed_case& c : cases) {
    SCOPED_TRACE(c.spec);
    EXPECT_THROW(latency_dist::parse(c.spec), std::invalid_argument);
    try {
      latency_dist::parse(c.spec);
    } catch (const std::invalid_argument& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("\"" + std::string(c.spec) + "\""), std::string::npos) << message;
      EXPECT_NE(message.find(c.named), std::string::npos) << message;
      EXPECT_NE(message.find("lognormal:median=M,p99=P"), std::string::npos) << message;
    }
  }
}

TEST(NormalQuantile, MatchesReferenceValues) {
  // Reference values from Python's statistics.NormalDist().inv_cdf (Wichura's AS241, accurate to
  // about 1e-16). One Halley step leaves an error near machine precision, so 1e-13 is loose; the
  // upper-tail p are the doubles that 1 - p rounds to, with their own reference values.
  const std::vector<std::pair<double, double>> cases = {
      {0.5, 0.0},
      {0.975, 1.9599639845400536},
      {0.99, 2.3263478740408408},
      {0.3, -0.5244005127080407},
      {0.7, 0.5244005127080407},
      {0.001, -3.090232306167813},
      {0.999, 3.090232306167813},
      {0.02425, -1.9729610513118845},
      {0.97575, 1.9729610513118847},
      {1e-10, -6.361340902404056},
      {0.9999999999, 6.361340889697421},
      {0x1p-53, -8.209536151601386},
  };
  for (const auto& [p, z] : cases) {
    EXPECT_NEAR(detail::normal_quantile(p), z, 1e-13) << "p = " << p;
  }
  EXPECT_EQ(detail::normal_quantile(0.5), 0.0);
}

TEST(OpenUnit, NeverReachesZeroOrOne) {
  EXPECT_GT(detail::open_unit(0), 0.0);
  EXPECT_LT(detail::open_unit(~std::uint64_t{0}), 1.0);
  EXPECT_EQ(detail::open_unit(~std::uint64_t{0}), 1.0 - 0x1p-53);
  EXPECT_TRUE(std::isfinite(detail::normal_quantile(detail::open_unit(0))));
  EXPECT_TRUE(std::isfinite(detail::normal_quantile(detail::open_unit(~std::uint64_t{0}))));
}

std::vector<double> sample_all(const latency_dist& dist, std::uint64_t seed, std::size_t n) {
  std::vector<double> samples(n);
  for (std::size_t i = 0; i < n; ++i) samples[i] = dist.sample_ms(seed, i);
  return samples;
}

TEST(LatencyDistSample, IsAPureFunctionOfSeedAndIndex) {
  const latency_dist dist = latency_dist::parse("lognormal:median=10,p99=100");
  constexpr std::size_t kN = 10'000;
  const std::vector<double> forward = sample_all(dist, kSeed, kN);

  std::vector<std::size_t> order(kN);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::reverse(order.begin(), order.end());
  for (const std::size_t i : order) ASSERT_EQ(dist.sample_ms(kSeed, i), forward[i]) << i;
  std::shuffle(order.begin(), order.end(), std::mt19937_64(7));
  for (const std::size_t i : order) ASSERT_EQ(dist.sample_ms(kSeed, i), forward[i]) << i;

  // Other threads, each taking a stride of the indices, see the same values.
  constexpr std::size_t kThreads = 4;
  std::vector<double> threaded(kN);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = t; i < kN; i += kThreads) threaded[i] = dist.sample_ms(kSeed, i);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(threaded, forward);
}

TEST(LatencyDistSample, SeedsAndIndicesGiveDifferentSamples) {
  const latency_dist dist = latency_dist::parse("uniform:0-1000");
  const std::vector<double> a = sample_all(dist, kSeed, 1000);
  const std::vector<double> b = sample_all(dist, kSeed + 1, 1000);
  std::size_t same = 0;
  for (std::size_t i = 0; i < a.size(); ++i) same += a[i] == b[i] ? 1 : 0;
  EXPECT_EQ(same, 0u);
  EXPECT_EQ(std::set<double>(a.begin(), a.end()).size(), a.size());
}

TEST(LatencyDistSample, FixedReturnsExactlyL) {
  const latency_dist dist = latency_dist::parse("fixed:12.5");
  for (std::size_t i = 0; i < 10'000; ++i) ASSERT_EQ(dist.sample_ms(kSeed, i), 12.5);
  EXPECT_EQ(dist.quantile_ms(0.0), 12.5);
  EXPECT_EQ(dist.quantile_ms(1.0), 12.5);
}

TEST(LatencyDistQuantile, MedianAndEndpoints) {
  for (const char* spec : {"fixed:3", "uniform:1-20", "uniform:0.1-0.7",
                           "lognormal:median=10,p99=100", "lognormal:median=0.3,p99=0.31"}) {
    SCOPED_TRACE(spec);
    const latency_dist dist = latency_dist::parse(spec);
    EXPECT_EQ(dist.quantile_ms(0.5), dist.median_ms());
    EXPECT_EQ(dist.quantile_ms(1.0), dist.max_ms());
    EXPECT_THROW((void)dist.quantile_ms(-0.01), std::invalid_argument);
    EXPECT_THROW((void)dist.quantile_ms(1.01), std::invalid_argument);
    EXPECT_THROW((void)dist.quantile_ms(std::nan("")), std::invalid_argument);
    double previous = dist.quantile_ms(0.0);
    for (double q = 0.01; q < 1.0; q += 0.01) {
      const double current = dist.quantile_ms(q);
      EXPECT_GE(current, previous) << "q = " << q;
      previous = current;
    }
  }
  const latency_dist lognormal = latency_dist::parse("lognormal:median=10,p99=100");
  EXPECT_NEAR(lognormal.quantile_ms(0.99), 100.0, 1e-11);
  EXPECT_EQ(lognormal.quantile_ms(0.0), 0.0);
}

double empirical_quantile(std::vector<double> samples, double q) {
  const auto k = static_cast<std::ptrdiff_t>(q * static_cast<double>(samples.size() - 1));
  std::nth_element(samples.begin(), samples.begin() + k, samples.end());
  return samples[static_cast<std::size_t>(k)];
}

// The q-quantile of n independent samples is asymptotically normal around the true quantile x_q
// with standard error sqrt(q (1 - q) / n) / f(x_q), f the density at x_q (the binomial standard
// error of the count below x_q, divided by the density that turns counts into milliseconds). The
// tests allow 5 such standard errors: with a fixed seed they are deterministic, and a correct
// sampler would fail for a random seed with probability about 6e-7. For n = 200,000 this is about
// 1.1e-3 (B - A) at a uniform's median, and for lognormal:median=10,p99=100 about 1.4% of the
// median and 4.2% of the p99.
double five_standard_errors(double q, std::size_t n, double density) {
  return 5.0 * std::sqrt(q * (1.0 - q) / static_cast<double>(n)) / density;
}

TEST(LatencyDistSample, UniformStaysInsideAndMatchesQuantiles) {
  const double low = 5.0;
  const double high = 50.0;
  const latency_dist dist = latency_dist::parse("uniform:5-50");
  const std::vector<double> samples = sample_all(dist, kSeed, kSamples);
  for (const double s : samples) {
    ASSERT_GE(s, low);
    ASSERT_LE(s, high);
  }
  const double density = 1.0 / (high - low);
  for (const double q : {0.01, 0.5, 0.99}) {
    EXPECT_NEAR(empirical_quantile(samples, q), dist.quantile_ms(q),
                five_standard_errors(q, kSamples, density))
        << "q = " << q;
  }
}

// The lognormal density at its q-quantile x_q is phi(z) / (x_q sigma), z = Phi^-1(q).
double lognormal_density_at(const latency_dist& dist, double q) {
  const double z = detail::normal_quantile(q);
  const double phi = std::exp(-z * z / 2.0) / std::sqrt(2.0 * std::numbers::pi);
  return phi / (dist.quantile_ms(q) * dist.sigma());
}

TEST(LatencyDistSample, LognormalMatchesRequestedMedianAndP99) {
  for (const char* spec : {"lognormal:median=10,p99=100", "lognormal:median=0.5,p99=2",
                           "lognormal:median=20,p99=2000"}) {
    SCOPED_TRACE(spec);
    const latency_dist dist = latency_dist::parse(spec);
    const std::vector<double> samples = sample_all(dist, kSeed, kSamples);
    EXPECT_GT(*std::min_element(samples.begin(), samples.end()), 0.0);
    const double requested_median = dist.first_param_ms();
    const double requested_p99 = dist.second_param_ms();
    EXPECT_NEAR(empirical_quantile(samples, 0.5), requested_median,
                five_standard_errors(0.5, kSamples, lognormal_density_at(dist, 0.5)));
    EXPECT_NEAR(empirical_quantile(samples, 0.99), requested_p99,
                five_standard_errors(0.99, kSamples, lognormal_density_at(dist, 0.99)));
  }
}

TEST(ParseResponse, IsDeterministicAndVariesWithSeedAndIndex) {
  constexpr std::size_t kN = 2000;
  std::set<std::uint64_t> by_index;
  std::size_t same_across_seeds = 0;
  for (std::size_t i = 0; i < kN; ++i) {
    const std::uint64_t checksum = parse_response(kSeed, i);
    EXPECT_EQ(parse_response(kSeed, i), checksum);
    by_index.insert(checksum);
    same_across_seeds += parse_response(kSeed + 1, i) == checksum ? 1 : 0;
  }
  EXPECT_EQ(by_index.size(), kN);
  EXPECT_EQ(same_across_seeds, 0u);
}

TEST(ParseResponse, SyntheticResponsesHaveTheAdvertisedShape) {
  std::array<char, detail::kResponseCapacity> buffer{};
  std::set<int> statuses;
  for (std::size_t i = 0; i < 5000; ++i) {
    const std::size_t size = detail::build_response(kSeed, i, buffer);
    const std::string_view text(buffer.data(), size);
    ASSERT_TRUE(text.starts_with("HTTP/1.1 ")) << i;
    const detail::parsed_response parsed = detail::parse_http_response(text);
    EXPECT_GE(parsed.header_count, 8u);
    EXPECT_LE(parsed.header_count, 12u);
    EXPECT_GE(parsed.content_length, 200u);
    EXPECT_LE(parsed.content_length, 700u);
    EXPECT_EQ(parsed.checksum, parse_response(kSeed, i));
    statuses.insert(parsed.status);
  }
  EXPECT_EQ(statuses, (std::set<int>{200, 201, 202, 206, 404, 429, 503}));
}

TEST(ParseHttpResponse, ReadsStatusHeadersAndBody) {
  const std::string_view text =
      "HTTP/1.1 404 Not Found\r\ncontent-LENGTH:  5 \r\nX-A: 1\r\nVia:\t2\r\n\r\nhello";
  const detail::parsed_response parsed = detail::parse_http_response(text);
  EXPECT_EQ(parsed.status, 404);
  EXPECT_EQ(parsed.header_count, 3u);
  EXPECT_EQ(parsed.content_length, 5u);
  // Field names are case-insensitive and optional whitespace is not part of a value.
  const std::string_view same =
      "HTTP/1.1 404 Gone\r\nContent-Length:5\r\nx-a:1\r\nVIA: 2\r\n\r\nhello";
  EXPECT_EQ(detail::parse_http_response(same).checksum, parsed.checksum);
  const std::string_view other_body =
      "HTTP/1.1 404 Not Found\r\ncontent-length: 5\r\nX-A: 1\r\nVia: 2\r\n\r\nhellp";
  EXPECT_NE(detail::parse_http_response(other_body).checksum, parsed.checksum);
}

TEST(ParseHttpResponse, RejectsMalformedResponses) {
  for (const char* text : {
           "",
           "HTTP/1.1 200 OK",
           "HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nX: 1\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcd",
           "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nab",
           "HTTP/1.1 200 OK\r\nContent-Length: 3x\r\n\r\nabc",
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
           "HTTP/1.1 200 OK\r\nno colon\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nBad Name: 1\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n",
       }) {
    EXPECT_THROW(detail::parse_http_response(text), std::runtime_error) << text;
  }
}

}  // namespace
}  // namespace fanout::workloads
