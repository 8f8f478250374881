// The CPU-bound workload: one item transcodes one segment of a synthetic video stream.
//
//   fanout::workloads::transcode_params params;  // defaults: one item is a few ms of one core
//   params.nested = true;                        // each frame's macroblock rows on TBB
//   fanout::workloads::validate(params);         // throws std::invalid_argument naming the field
//   const auto stats = fanout::workloads::transcode_segment(params, /*seed=*/42);
//   // stats.bits, stats.psnr_db and stats.checksum depend on (params, seed) only, nested or not.
//
// The encoder is a real one in miniature, so that the work has the shape of a real transcode:
// per 16x16 macroblock an exhaustive SAD motion search against the previous reconstructed frame,
// per 8x8 block an integer DCT (HEVC's 8x8 core matrix), a scalar quantiser, a zigzag run-length
// bit estimate with Exp-Golomb code lengths, and the dequantisation and inverse DCT that rebuild
// the reference for the next frame. Only luma is synthesised and coded: chroma would add a fixed
// fraction of the same kind of work and nothing that a benchmark of fan-out strategies can see.
//
// The work per item is fixed by (frames, width, height, search_range), never by time: the motion
// search is exhaustive, so its cost does not depend on the content, and the same benchmark does
// the same work on every machine.
#pragma once

#include <cstdint>

namespace fanout::workloads {

// Valid ranges, checked by validate().
inline constexpr int kTranscodeMacroblock = 16;  // width and height must be multiples of this
inline constexpr int kTranscodeMaxDimension = 8192;
inline constexpr int kTranscodeMaxFrames = 1 << 16;
inline constexpr int kTranscodeMinQuality = 1;
inline constexpr int kTranscodeMaxQuality = 31;
inline constexpr int kTranscodeMaxSearchRange = 64;

struct transcode_params {
  // The defaults, four QCIF frames, cost about 1.5 ms of one 2-core AMD EPYC VM core at -O3 (the
  // Release preset) and 3.5 ms at -O2, where the DCT is not vectorised.
  int frames = 4;    // frames per segment (one item = one segment); the first is intra-coded
  int width = 176;   // luma width in pixels, a multiple of 16
  int height = 144;  // luma height in pixels, a multiple of 16
  // Quantiser scale as in MPEG-2, 1..31: the step is 2 * quality in units of the orthonormal DCT,
  // so larger is coarser (fewer bits, lower PSNR). The default gives about 35 dB.
  int quality = 8;
  int search_range = 8;  // motion search window, +- pixels in x and y; 0 disables motion search
  bool nested = false;   // run each frame's macroblock rows with tbb::parallel_for
};

struct transcode_stats {
  std::uint64_t bits = 0;      // estimated coded bits (run-length and Exp-Golomb bit estimate)
  double psnr_db = 0;          // luma reconstruction PSNR over all frames, capped at 99 dB
  std::uint64_t checksum = 0;  // FNV-1a over reconstructed pixels and per-frame bits

  // Exact comparison is intended: the results are bit-identical by construction.
  bool operator==(const transcode_stats&) const = default;
};

// The parallel grain of nested transcoding: a frame's macroblock rows, each a task of its own.
inline int macroblock_rows(const transcode_params& p) { return p.height / kTranscodeMacroblock; }

// Throws std::invalid_argument whose message names the bad field and its value.
void validate(const transcode_params& params);

// Transcodes one deterministic synthetic segment. The same (params, seed) gives the same stats
// on every run and platform, whether nested is on or off. Pure computation: it starts no threads
// except through TBB when params.nested is set. Calls validate() first.
transcode_stats transcode_segment(const transcode_params& params, std::uint64_t seed);

}  // namespace fanout::workloads
