#include "workloads/transcode.hpp"

#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <bit>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/measure/hash.hpp"

namespace fanout::workloads {
namespace {

constexpr int kMb = kTranscodeMacroblock;
constexpr int kBlock = 8;
constexpr int kBlockSize = kBlock * kBlock;
constexpr double kMaxPsnrDb = 99.0;

// ---------------------------------------------------------------------------------------------
// Deterministic randomness: integer hashes only, so that every standard library and platform
// synthesises the same frames (std:: distributions are not portable across implementations).

// A stream's next draw: its state stepped by the golden gamma, mixed.
std::uint64_t splitmix64(std::uint64_t& state) {
  measure::splitmix64_stream s{state};
  const std::uint64_t out = s.next();
  state = s.state;
  return out;
}

int uniform(std::uint64_t& state, int lo, int hi) {  // inclusive bounds; bias is irrelevant here
  return lo + static_cast<int>(splitmix64(state) % static_cast<std::uint64_t>(hi - lo + 1));
}

// Murmur3's finaliser over a mix of the coordinates: cheap enough to run once per pixel.
std::uint32_t hash32(std::uint32_t key, int x, int y, int t) {
  std::uint32_t h = key ^ (static_cast<std::uint32_t>(x) * 0x9E3779B1U) ^
                    (static_cast<std::uint32_t>(y) * 0x85EBCA77U) ^
                    (static_cast<std::uint32_t>(t) * 0xC2B2AE3DU);
  h ^= h >> 16;
  h *= 0x85EBCA6BU;
  h ^= h >> 13;
  h *= 0xC2B2AE35U;
  return h ^ (h >> 16);
}

using measure::kFnvOffset;

std::uint64_t fnv1a(std::uint64_t h, const std::uint8_t* bytes, int count) {
  return measure::fnv1a(h, bytes, static_cast<std::size_t>(count));
}
std::uint64_t fnv1a(std::uint64_t h, std::uint64_t value) { return measure::fnv1a_u64(h, value); }

// ---------------------------------------------------------------------------------------------
// The synthetic source: a textured background panning by a whole number of pixels per frame,
// rectangles moving on their own, and fresh sensor noise in every frame. The pan and the motion
// of the rectangles are what the motion search finds; the noise is what it cannot predict.

constexpr int kTileLog2 = 7;
constexpr int kTile = 1 << kTileLog2;  // the background texture repeats every kTile pixels
constexpr int kTileMask = kTile - 1;
constexpr int kCellLog2 = 3;  // value-noise lattice spacing: 8 pixels
constexpr int kLattice = kTile >> kCellLog2;
constexpr int kRects = 3;

struct moving_rect {
  int x0, y0, w, h, vx, vy, luma;
};

struct plane {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> px;

  plane(int w, int h) : width(w), height(h), px(static_cast<std::size_t>(w) * h) {}
  std::uint8_t* row(int y) { return px.data() + static_cast<std::ptrdiff_t>(y) * width; }
  const std::uint8_t* row(int y) const {
    return px.data() + static_cast<std::ptrdiff_t>(y) * width;
  }
};

struct scene {
  std::vector<std::uint8_t> tile;  // kTile x kTile background texture, wrapping
  std::array<moving_rect, kRects> rects{};
  int pan_x = 0;
  int pan_y = 0;
  std::uint32_t noise_key = 0;
};

// Value noise (bilinear between lattice points) plus per-pixel detail. The detail is what makes
// a wrong motion vector expensive, as texture does in real footage.
std::vector<std::uint8_t> make_tile(std::uint64_t& state) {
  std::array<int, kLattice * kLattice> lattice{};
  for (int& v : lattice) v = uniform(state, 40, 215);
  const auto key = static_cast<std::uint32_t>(splitmix64(state));
  const auto at = [&](int gx, int gy) {
    return lattice[(gy & (kLattice - 1)) * kLattice + (gx & (kLattice - 1))];
  };
  std::vector<std::uint8_t> tile(kTile * kTile);
  constexpr int kCell = 1 << kCellLog2;
  for (int y = 0; y < kTile; ++y) {
    for (int x = 0; x < kTile; ++x) {
      const int gx = x >> kCellLog2, gy = y >> kCellLog2, fx = x & (kCell - 1),
                fy = y & (kCell - 1);
      const int top = at(gx, gy) * (kCell - fx) + at(gx + 1, gy) * fx;
      const int bottom = at(gx, gy + 1) * (kCell - fx) + at(gx + 1, gy + 1) * fx;
      const int smooth = (top * (kCell - fy) + bottom * fy + kCell * kCell / 2) >> (2 * kCellLog2);
      const int detail = static_cast<int>(hash32(key, x, y, 0) % 13U) - 6;
      tile[y * kTile + x] = static_cast<std::uint8_t>(std::clamp(smooth + detail, 0, 255));
    }
  }
  return tile;
}

int nonzero_velocity(std::uint64_t& state, int max_speed) {
  const int v = uniform(state, 1, max_speed);
  return (splitmix64(state) & 1U) != 0 ? v : -v;
}

scene make_scene(const transcode_params& p, std::uint64_t seed) {
  std::uint64_t state = seed;
  scene s;
  s.tile = make_tile(state);
  // The pan is never zero, so that every segment has motion for the search to find.
  s.pan_x = nonzero_velocity(state, 2);
  s.pan_y = nonzero_velocity(state, 2);
  for (moving_rect& r : s.rects) {
    r.w = uniform(state, 12, 40);
    r.h = uniform(state, 12, 40);
    r.x0 = uniform(state, 0, p.width - 1);
    r.y0 = uniform(state, 0, p.height - 1);
    r.vx = uniform(state, -3, 3);
    r.vy = uniform(state, -3, 3);
    r.luma = uniform(state, 20, 235);
  }
  s.noise_key = static_cast<std::uint32_t>(splitmix64(state));
  return s;
}

// Wraps a moving coordinate so that a rectangle leaving one edge re-enters at the other.
int wrap(int v, int period) {
  const int m = v % period;
  return m < 0 ? m + period : m;
}

void synthesize_rows(const scene& s, int t, int y_begin, int y_end, plane& out) {
  for (int y = y_begin; y < y_end; ++y) {
    const std::uint8_t* tile_row = s.tile.data() + ((y - s.pan_y * t) & kTileMask) * kTile;
    std::uint8_t* dst = out.row(y);
    for (int x = 0; x < out.width; ++x) dst[x] = tile_row[(x - s.pan_x * t) & kTileMask];
    for (const moving_rect& r : s.rects) {
      const int rx = wrap(r.x0 + r.vx * t, out.width + r.w) - r.w;
      const int ry = wrap(r.y0 + r.vy * t, out.height + r.h) - r.h;
      if (y < ry || y >= ry + r.h) continue;
      // A horizontal gradient inside the rectangle gives its interior something to match.
      for (int x = std::max(rx, 0); x < std::min(rx + r.w, out.width); ++x)
        dst[x] = static_cast<std::uint8_t>(std::min(r.luma + 2 * (x - rx), 255));
    }
    for (int x = 0; x < out.width; ++x) {
      const int noise = static_cast<int>(hash32(s.noise_key, x, y, t) % 5U) - 2;
      dst[x] = static_cast<std::uint8_t>(std::clamp(dst[x] + noise, 0, 255));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Transform, quantisation and bit estimate for one 8x8 block.

using block = std::array<int, kBlockSize>;

// HEVC's 8x8 core transform: 64 * sqrt(8) times the orthonormal DCT-II, rounded to integers.
constexpr int kDct[kBlock][kBlock] = {
    {64, 64, 64, 64, 64, 64, 64, 64},     {89, 75, 50, 18, -18, -50, -75, -89},
    {83, 36, -36, -83, -83, -36, 36, 83}, {75, -18, -89, -50, 50, 89, 18, -75},
    {64, -64, -64, 64, 64, -64, -64, 64}, {50, -89, 18, 75, -75, -18, 89, -50},
    {36, -83, 83, -36, -36, 83, -83, 36}, {18, -50, 75, -89, 89, -75, 50, -18},
};

// Each 1-D pass gains 2^7.5, so a 2-D transform gains 2^15. The forward shifts (3 + 9) leave the
// coefficients at 8 times the orthonormal DCT, three fractional bits that keep fine quantisers
// meaningful; the inverse shifts (7 + 11) remove the 2^15 and those three bits.
constexpr int kForwardShift1 = 3;
constexpr int kForwardShift2 = 9;
constexpr int kInverseShift1 = 7;
constexpr int kInverseShift2 = 11;
constexpr int kCoefficientScale = 8;

int round_shift(int v, int shift) { return (v + (1 << (shift - 1))) >> shift; }

// Transforms the columns of `in` and stores them as rows of `out`: two passes give C * X * C^T
// in natural order without a separate transposition.
void forward_pass(const block& in, block& out, int shift) {
  for (int col = 0; col < kBlock; ++col) {
    for (int k = 0; k < kBlock; ++k) {
      int sum = 0;
      for (int n = 0; n < kBlock; ++n) sum += kDct[k][n] * in[n * kBlock + col];
      out[col * kBlock + k] = round_shift(sum, shift);
    }
  }
}

// The transpose of forward_pass: two passes give C^T * Y * C.
void inverse_pass(const block& in, block& out, int shift) {
  for (int col = 0; col < kBlock; ++col) {
    for (int n = 0; n < kBlock; ++n) {
      int sum = 0;
      for (int k = 0; k < kBlock; ++k) sum += kDct[k][n] * in[k * kBlock + col];
      out[col * kBlock + n] = round_shift(sum, shift);
    }
  }
}

constexpr std::array<int, kBlockSize> make_zigzag() {
  std::array<int, kBlockSize> order{};
  int i = 0;
  for (int diagonal = 0; diagonal < 2 * kBlock - 1; ++diagonal) {
    for (int k = 0; k <= diagonal; ++k) {
      // Even diagonals run up and to the right, odd ones down and to the left, as in JPEG.
      const int row = diagonal % 2 == 0 ? diagonal - k : k;
      const int col = diagonal - row;
      if (row < kBlock && col < kBlock) order[i++] = row * kBlock + col;
    }
  }
  return order;
}
constexpr std::array<int, kBlockSize> kZigzag = make_zigzag();
static_assert(kZigzag[2] == 8 && kZigzag[3] == 16 && kZigzag[63] == 63);

// Length of the unsigned and signed Exp-Golomb codes of H.264 (ue(v) and se(v)).
int ue_bits(int v) { return 2 * std::bit_width(static_cast<unsigned>(v) + 1U) - 1; }
int se_bits(int v) { return ue_bits(v > 0 ? 2 * v - 1 : -2 * v); }

constexpr int kCodedFlagBits = 1;
constexpr int kEndOfBlockBits = 2;

struct quantiser {
  int step;      // in coefficient units (kCoefficientScale times the orthonormal DCT)
  int rounding;  // added to |c| before the division; below step/2 it widens the dead zone
};

// Codes one residual block and replaces it with its reconstruction. Returns the estimated bits.
int code_block(block& residual, const quantiser& q) {
  block tmp;
  block coef;
  forward_pass(residual, tmp, kForwardShift1);
  forward_pass(tmp, coef, kForwardShift2);
  int bits = kCodedFlagBits;
  int run = 0;
  bool coded = false;
  for (const int pos : kZigzag) {
    const int c = coef[pos];
    const int magnitude = (std::abs(c) + q.rounding) / q.step;
    if (magnitude == 0) {
      coef[pos] = 0;
      ++run;
      continue;
    }
    const int level = c < 0 ? -magnitude : magnitude;
    bits += ue_bits(run) + se_bits(level);
    run = 0;
    coded = true;
    coef[pos] = level * q.step;
  }
  if (!coded) {  // An all-zero block costs its flag only and reconstructs to the prediction.
    residual.fill(0);
    return bits;
  }
  inverse_pass(coef, tmp, kInverseShift1);
  inverse_pass(tmp, residual, kInverseShift2);
  return bits + kEndOfBlockBits;
}

// ---------------------------------------------------------------------------------------------
// Macroblocks and rows. A row reads the source of its own lines and the previous reconstructed
// frame, and writes only its own lines of the new one, so the rows of a frame are independent.

struct motion_vector {
  int x = 0;
  int y = 0;
};

int mv_bits(motion_vector mv, motion_vector predictor) {
  return se_bits(mv.x - predictor.x) + se_bits(mv.y - predictor.y);
}

int sad16(const plane& a, int ax, int ay, const plane& b, int bx, int by) {
  int sum = 0;
  for (int y = 0; y < kMb; ++y) {
    const std::uint8_t* pa = a.row(ay + y) + ax;
    const std::uint8_t* pb = b.row(by + y) + bx;
    for (int x = 0; x < kMb; ++x) sum += std::abs(pa[x] - pb[x]);
  }
  return sum;
}

// Exhaustive search over the window clipped to the frame, minimising SAD + lambda * vector bits
// as rate-constrained encoders do. Ties keep the first candidate in raster order.
motion_vector search_motion(const plane& src, const plane& ref, int px, int py, int range,
                            motion_vector predictor, int lambda) {
  const int min_dx = std::max(-range, -px), max_dx = std::min(range, ref.width - kMb - px);
  const int min_dy = std::max(-range, -py), max_dy = std::min(range, ref.height - kMb - py);
  motion_vector best;
  int best_cost = INT_MAX;
  for (int dy = min_dy; dy <= max_dy; ++dy) {
    for (int dx = min_dx; dx <= max_dx; ++dx) {
      const motion_vector mv{dx, dy};
      const int cost = sad16(src, px, py, ref, px + dx, py + dy) + lambda * mv_bits(mv, predictor);
      if (cost < best_cost) {
        best_cost = cost;
        best = mv;
      }
    }
  }
  return best;
}

struct frame_context {
  const transcode_params& params;
  const scene& content;
  int t;
  const plane* reference;  // null for the intra-coded first frame
  plane& source;
  plane& recon;
};

// Predicts, codes and reconstructs one macroblock at (px, py). Returns the residual bits.
int code_macroblock(const frame_context& ctx, int px, int py, motion_vector mv) {
  std::array<std::uint8_t, kMb * kMb> pred;
  if (ctx.reference == nullptr) {
    // Mid-grey, not the neighbours: predicting from the row above would chain the rows.
    pred.fill(128);
  } else {
    for (int y = 0; y < kMb; ++y)
      std::copy_n(ctx.reference->row(py + mv.y + y) + px + mv.x, kMb, pred.data() + y * kMb);
  }
  // The H.264 reference encoder's rounding offsets, 1/3 step intra and 1/6 inter: inter residuals
  // are mostly noise, so a wider dead zone saves more bits than it costs in PSNR.
  const int step = 2 * ctx.params.quality * kCoefficientScale;
  const quantiser q{step, ctx.reference == nullptr ? step / 3 : step / 6};
  int bits = 0;
  for (int b = 0; b < 4; ++b) {
    const int ox = (b % 2) * kBlock, oy = (b / 2) * kBlock;
    block residual;
    for (int y = 0; y < kBlock; ++y)
      for (int x = 0; x < kBlock; ++x)
        residual[y * kBlock + x] =
            ctx.source.row(py + oy + y)[px + ox + x] - pred[(oy + y) * kMb + ox + x];
    bits += code_block(residual, q);
    for (int y = 0; y < kBlock; ++y)
      for (int x = 0; x < kBlock; ++x)
        ctx.recon.row(py + oy + y)[px + ox + x] = static_cast<std::uint8_t>(
            std::clamp(pred[(oy + y) * kMb + ox + x] + residual[y * kBlock + x], 0, 255));
  }
  return bits;
}

// One slot per macroblock row, cache-line aligned so that rows coded on different threads do
// not share a line.
struct alignas(64) row_result {
  std::uint64_t bits = 0;
  std::uint64_t sse = 0;   // squared luma error of the reconstruction
  std::uint64_t hash = 0;  // FNV-1a over the reconstructed lines
};

constexpr int kMbTypeBits = 1;

row_result code_row(const frame_context& ctx, int mb_row) {
  const int y0 = mb_row * kMb;
  synthesize_rows(ctx.content, ctx.t, y0, y0 + kMb, ctx.source);
  row_result out;
  // The vector predictor is the left neighbour's vector, which keeps rows independent.
  motion_vector predictor;
  for (int px = 0; px < ctx.source.width; px += kMb) {
    int bits = kMbTypeBits;
    motion_vector mv;
    if (ctx.reference != nullptr) {
      mv = search_motion(ctx.source, *ctx.reference, px, y0, ctx.params.search_range, predictor,
                         ctx.params.quality);
      bits += mv_bits(mv, predictor);
      predictor = mv;
    }
    bits += code_macroblock(ctx, px, y0, mv);
    out.bits += static_cast<std::uint64_t>(bits);
  }
  out.hash = kFnvOffset;
  for (int y = y0; y < y0 + kMb; ++y) {
    const std::uint8_t* src = ctx.source.row(y);
    const std::uint8_t* rec = ctx.recon.row(y);
    for (int x = 0; x < ctx.source.width; ++x) {
      const int d = src[x] - rec[x];
      out.sse += static_cast<std::uint64_t>(d * d);
    }
    out.hash = fnv1a(out.hash, rec, ctx.recon.width);
  }
  return out;
}

[[noreturn]] void reject(std::string_view field, int value, std::string_view rule) {
  throw std::invalid_argument("transcode_params." + std::string(field) + " = " +
                              std::to_string(value) + ": " + std::string(rule));
}

void check_dimension(std::string_view field, int value) {
  if (value <= 0 || value > kTranscodeMaxDimension || value % kMb != 0)
    reject(field, value, "must be a positive multiple of 16, at most 8192");
}

}  // namespace

void validate(const transcode_params& p) {
  if (p.frames <= 0 || p.frames > kTranscodeMaxFrames)
    reject("frames", p.frames, "must be in 1..65536");
  check_dimension("width", p.width);
  check_dimension("height", p.height);
  if (p.quality < kTranscodeMinQuality || p.quality > kTranscodeMaxQuality)
    reject("quality", p.quality, "must be in 1..31");
  if (p.search_range < 0 || p.search_range > kTranscodeMaxSearchRange)
    reject("search_range", p.search_range, "must be in 0..64");
}

transcode_stats transcode_segment(const transcode_params& p, std::uint64_t seed) {
  validate(p);
  const scene content = make_scene(p, seed);
  plane source(p.width, p.height);
  plane reference(p.width, p.height);
  plane recon(p.width, p.height);
  const int rows = p.height / kMb;
  std::vector<row_result> results(static_cast<std::size_t>(rows));
  transcode_stats stats;
  std::uint64_t sse = 0;
  stats.checksum = kFnvOffset;
  for (int t = 0; t < p.frames; ++t) {
    const frame_context ctx{p, content, t, t == 0 ? nullptr : &reference, source, recon};
    const auto run_row = [&](int r) { results[r] = code_row(ctx, r); };
    if (p.nested) {
      oneapi::tbb::parallel_for(0, rows, run_row);
    } else {
      for (int r = 0; r < rows; ++r) run_row(r);
    }
    // Combining in row order is what makes the parallel rows bit-identical to the serial ones.
    std::uint64_t frame_bits = 0;
    for (const row_result& r : results) {
      frame_bits += r.bits;
      sse += r.sse;
      stats.checksum = fnv1a(stats.checksum, r.hash);
    }
    stats.checksum = fnv1a(stats.checksum, frame_bits);
    stats.bits += frame_bits;
    std::swap(reference, recon);
  }
  const double pixels = static_cast<double>(p.frames) * p.width * p.height;
  const double mse = static_cast<double>(sse) / pixels;
  stats.psnr_db =
      sse == 0 ? kMaxPsnrDb : std::min(kMaxPsnrDb, 10.0 * std::log10(255.0 * 255.0 / mse));
  return stats;
}

}  // namespace fanout::workloads
