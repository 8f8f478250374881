#include <gtest/gtest.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "workloads/transcode.hpp"

namespace fanout::workloads {
namespace {

// Small enough that the whole binary runs in well under a second, AddressSanitizer included,
// and large enough for several macroblock rows and real motion between frames.
transcode_params small_params() {
  transcode_params p;
  p.frames = 3;
  p.width = 64;
  p.height = 64;
  p.search_range = 4;
  return p;
}

constexpr std::uint64_t kSeeds[] = {1, 42, 0xDEADBEEF};

TEST(Transcode, DefaultParamsAreValid) { EXPECT_NO_THROW(validate(transcode_params{})); }

TEST(Transcode, PsnrAndBitsRiseAsQuantisationGetsFiner) {
  for (const std::uint64_t seed : kSeeds) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    transcode_params p = small_params();
    transcode_stats coarser;
    bool first = true;
    for (const int quality : {31, 16, 8, 4, 2, 1}) {
      SCOPED_TRACE("quality " + std::to_string(quality));
      p.quality = quality;
      const transcode_stats s = transcode_segment(p, seed);
      EXPECT_GT(s.psnr_db, 25.0);
      EXPECT_LT(s.psnr_db, 99.0);
      if (!first) {
        EXPECT_GT(s.psnr_db, coarser.psnr_db);
        EXPECT_GT(s.bits, coarser.bits);
      }
      coarser = s;
      first = false;
    }
  }
}

TEST(Transcode, DefaultQualityGivesBroadcastPsnr) {
  transcode_params p = small_params();
  p.quality = transcode_params{}.quality;
  for (const std::uint64_t seed : kSeeds) {
    const transcode_stats s = transcode_segment(p, seed);
    EXPECT_GT(s.psnr_db, 30.0) << "seed " << seed;
    EXPECT_LT(s.psnr_db, 50.0) << "seed " << seed;
    EXPECT_GT(s.bits, 0U);
  }
}

TEST(Transcode, SameParamsAndSeedGiveSameStats) {
  const transcode_params p = small_params();
  for (const std::uint64_t seed : kSeeds)
    EXPECT_EQ(transcode_segment(p, seed), transcode_segment(p, seed));
}

TEST(Transcode, DifferentSeedsGiveDifferentChecksums) {
  const transcode_params p = small_params();
  std::set<std::uint64_t> checksums;
  for (std::uint64_t seed = 0; seed < 16; ++seed)
    checksums.insert(transcode_segment(p, seed).checksum);
  EXPECT_EQ(checksums.size(), 16U);
}

TEST(Transcode, ChecksumCoversEveryFrame) {
  // A checksum of the first frames only would miss a bug in the later, inter-coded ones.
  transcode_params p = small_params();
  const std::uint64_t shorter = transcode_segment(p, 7).checksum;
  p.frames += 1;
  EXPECT_NE(transcode_segment(p, 7).checksum, shorter);
}

TEST(Transcode, NestedGivesIdenticalStats) {
  // Four workers, more than a small machine's cores, make the rows really interleave on TBB
  // workers; the global control lifts TBB's default limit of one worker per core.
  constexpr int kWorkers = 4;
  const oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                          kWorkers);
  oneapi::tbb::task_arena arena(kWorkers);
  transcode_params p = small_params();
  p.height = 128;  // eight macroblock rows to spread over the workers
  for (const int quality : {2, 8, 31}) {
    for (const std::uint64_t seed : kSeeds) {
      p.quality = quality;
      p.nested = false;
      const transcode_stats serial = transcode_segment(p, seed);
      p.nested = true;
      const transcode_stats nested = arena.execute([&] { return transcode_segment(p, seed); });
      EXPECT_EQ(nested, serial) << "quality " << quality << ", seed " << seed;
    }
  }
}

TEST(Transcode, MotionSearchSavesBits) {
  // The content pans and its rectangles move by up to 3 pixels a frame, so a motion search
  // predicts inter frames far better than the co-located block of the reference does.
  for (const std::uint64_t seed : kSeeds) {
    transcode_params p = small_params();
    p.search_range = transcode_params{}.search_range;
    const transcode_stats searched = transcode_segment(p, seed);
    p.search_range = 0;
    const transcode_stats still = transcode_segment(p, seed);
    EXPECT_LT(searched.bits, still.bits) << "seed " << seed;
    EXPECT_GE(searched.psnr_db, still.psnr_db - 0.5) << "seed " << seed;
  }
}

TEST(Transcode, SmallestFrameAndWideSearchWindowWork) {
  // The search window is clipped to the frame, so a window wider than the frame is fine.
  transcode_params p;
  p.frames = 2;
  p.width = 16;
  p.height = 16;
  p.search_range = kTranscodeMaxSearchRange;
  const transcode_stats s = transcode_segment(p, 3);
  EXPECT_GT(s.bits, 0U);
  EXPECT_GT(s.psnr_db, 25.0);
}

struct bad_case {
  std::string field;
  std::function<void(transcode_params&)> spoil;
};

TEST(Transcode, ValidateRejectsBadParamsNamingTheField) {
  const std::vector<bad_case> cases = {
      {"frames", [](transcode_params& p) { p.frames = 0; }},
      {"frames", [](transcode_params& p) { p.frames = -3; }},
      {"width", [](transcode_params& p) { p.width = 0; }},
      {"width", [](transcode_params& p) { p.width = 100; }},
      {"width", [](transcode_params& p) { p.width = -16; }},
      {"height", [](transcode_params& p) { p.height = 20; }},
      {"height", [](transcode_params& p) { p.height = kTranscodeMaxDimension + 16; }},
      {"quality", [](transcode_params& p) { p.quality = 0; }},
      {"quality", [](transcode_params& p) { p.quality = kTranscodeMaxQuality + 1; }},
      {"search_range", [](transcode_params& p) { p.search_range = -1; }},
      {"search_range", [](transcode_params& p) { p.search_range = kTranscodeMaxSearchRange + 1; }},
  };
  for (const bad_case& c : cases) {
    transcode_params p;
    c.spoil(p);
    try {
      validate(p);
      ADD_FAILURE() << "validate accepted a bad " << c.field;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(c.field), std::string::npos) << e.what();
    }
    EXPECT_THROW(transcode_segment(p, 1), std::invalid_argument) << c.field;
  }
}

TEST(Transcode, ValidateMessageCarriesTheValue) {
  transcode_params p;
  p.width = 100;
  try {
    validate(p);
    FAIL() << "validate accepted width 100";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("100"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fanout::workloads
