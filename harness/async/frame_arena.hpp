#pragma once
// frame_arena: where the coroutine frames of tasks live, one arena per event loop.
//
//   frame_arena::scope on(loop_arena);   // frames made on this thread now come from loop_arena
//   task<int> t = work();                // frame_arena::allocate, through the promise
//
// A fan-out makes and destroys its children's frames on the loop's thread, by the hundred
// thousand, in a few sizes. The arena serves them from large blocks by size class (16 bytes
// apart, fixed at compile time), with a free list per class: no lock, no search and no
// per-frame header, and frames made one after another lie one after another in memory, in the
// order in which their timers fire. A frame freed on another thread (a task cancelled on a
// runtime worker) goes back through a locked list that the owner collects. Once every frame of
// the arena is freed, its blocks go back to the system, so that a loop keeps no memory between
// fan-outs and the peak memory of each fan-out is its own. Frames made on a thread that runs no
// loop come from one shared arena, under its lock.
//
// Memory comes in regions of whole blocks. Until the arena holds kHugeSize, a region is one
// block from the heap; past that, regions are kHugeSize of huge pages (harness/async/
// huge_pages.hpp). A fan-out below kHugeSize of frames maps none, and the peak memory of a
// larger one is its frames plus at most one huge page unused.
#include <atomic>
#include <cstddef>
#include <mutex>
#include <vector>

#include "harness/async/huge_pages.hpp"

namespace fanout::async {

class frame_arena {
 public:
  // Frames larger than this come from ::operator new.
  static constexpr std::size_t kGranule = 16;
  static constexpr std::size_t kClasses = 32;
  static constexpr std::size_t kMaxSize = kGranule * kClasses;
  // Blocks are aligned to their size, so a frame finds its arena by masking its address.
  // A loop keeps its first block when its frames are all freed (one frame made and freed at a
  // time must not cost a block each), so blocks are small: 64 KiB.
  static constexpr std::size_t kBlockSize = std::size_t{64} << 10;
  // The size of the regions past the first kHugeSize.
  static constexpr std::size_t kHugeSize = huge_pages::kHugeSize;

  // The arena of a loop. Destroying it while frames are live hands it over to those frames:
  // the last one freed frees it.
  static frame_arena* make();
  static void release(frame_arena* arena) noexcept;

  // Makes `arena` the calling thread's arena for its lifetime, then restores the previous one.
  class scope {
   public:
    explicit scope(frame_arena* arena) noexcept;
    ~scope();
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;

   private:
    frame_arena* previous_;
  };

  // Any thread: a frame of `size` bytes, from the calling thread's arena.
  static void* allocate(std::size_t size);
  // Any thread: frees what allocate(size) returned.
  static void deallocate(void* p, std::size_t size) noexcept;

  // Bytes of regions held now, for tests.
  std::size_t held_bytes() const noexcept { return held_; }
  frame_arena(const frame_arena&) = delete;
  frame_arena& operator=(const frame_arena&) = delete;

 private:
  struct free_node {
    free_node* next;
    std::size_t size_class;
  };
  struct block_header {
    frame_arena* owner;
  };
  struct region {
    char* base;
    std::size_t size;  // kBlockSize (from the heap) or kHugeSize (mapped)
  };
  explicit frame_arena(bool shared) noexcept : shared_(shared) {}
  ~frame_arena();

  void* take(std::size_t size_class);
  void give(void* p, std::size_t size_class) noexcept;
  void give_remote(void* p, std::size_t size_class) noexcept;
  void collect_remote_locked() noexcept;
  void* carve(std::size_t bytes);
  void next_block();
  char* add_region();
  static void free_region(region r) noexcept;
  void release_blocks() noexcept;
  static frame_arena* shared_arena();

  const bool shared_;  // the arena of threads without a loop: every use under mutex_
  free_node* free_[kClasses] = {};
  char* bump_ = nullptr;  // the unused rest of the newest block
  char* bump_end_ = nullptr;
  char* region_end_ = nullptr;  // the end of the newest region
  std::size_t live_ = 0;        // frames allocated and not yet given back to this arena's lists
  std::vector<region> regions_;
  std::size_t held_ = 0;  // bytes of regions_

  std::mutex mutex_;                          // guards what follows
  free_node* remote_ = nullptr;               // freed on other threads, not yet collected
  std::atomic<bool> remote_pending_ = false;  // read by the owner without the lock
  bool abandoned_ = false;                    // its loop is gone: the last frame freed frees it
};

}  // namespace fanout::async
