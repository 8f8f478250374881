#pragma once
// The suite's one family of hashes: splitmix64 for seeded, reproducible numbers (latencies,
// arrivals, synthetic frames and responses) and FNV-1a for digests of bytes.
//
//   double u = open_unit(item_hash(seed, i));   // item i's uniform draw in (0, 1)
//   splitmix64_stream s{seed};  s.next();       // a stream of 64-bit draws
//   std::uint64_t d = fnv1a(kFnvOffset, "text"); // a digest
//
// Integer hashes only, so every standard library and platform draws the same numbers
// (std:: distributions are not portable across implementations).
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fanout::measure {

inline constexpr std::uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;

// splitmix64's finalizer (Steele, Lea and Flood 2014): a bijective 64-bit mix whose outputs
// pass BigCrush for consecutive inputs, which is exactly how item indices arrive.
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += kGoldenGamma;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The splitmix64 generator: a counter stepped by the golden gamma, then mixed.
struct splitmix64_stream {
  std::uint64_t state;
  constexpr std::uint64_t next() {
    const std::uint64_t out = splitmix64(state);
    state += kGoldenGamma;
    return out;
  }
  constexpr std::uint64_t below(std::uint64_t bound) { return next() % bound; }
};

// Seeding the index hash with a mixed seed keeps seeds s and s + 1 from sharing shifted streams.
constexpr std::uint64_t item_hash(std::uint64_t seed, std::size_t index) {
  return splitmix64(splitmix64(seed) + static_cast<std::uint64_t>(index));
}

// Maps a hash to (k + 0.5) / 2^52 for its top 52 bits k: never 0 or 1, because k + 0.5 needs 53
// bits and is exact in a double, so the inverse CDF of an unbounded distribution stays finite.
constexpr double open_unit(std::uint64_t hash) {
  return (static_cast<double>(hash >> 12) + 0.5) * 0x1p-52;
}

// FNV-1a, 64 bits: one multiply per byte.
inline constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
inline constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

constexpr std::uint64_t fnv1a(std::uint64_t hash, std::uint8_t byte) {
  return (hash ^ byte) * kFnvPrime;
}
constexpr std::uint64_t fnv1a(std::uint64_t hash, const std::uint8_t* bytes, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) hash = fnv1a(hash, bytes[i]);
  return hash;
}
constexpr std::uint64_t fnv1a(std::uint64_t hash, std::string_view text) {
  for (const char c : text) hash = fnv1a(hash, static_cast<std::uint8_t>(c));
  return hash;
}
// The value's bytes least significant first, so the digest does not depend on endianness.
constexpr std::uint64_t fnv1a_u64(std::uint64_t hash, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) hash = fnv1a(hash, static_cast<std::uint8_t>(value >> (8 * i)));
  return hash;
}

}  // namespace fanout::measure
