#include "harness/async/frame_arena.hpp"

#include <cstdint>
#include <cstdlib>
#include <new>

#include "harness/async/huge_pages.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define FANOUT_ARENA_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define FANOUT_ARENA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define FANOUT_ARENA_POISON(p, n) ((void)(p), (void)(n))
#define FANOUT_ARENA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace fanout::async {

namespace {

// The arena of the loop that runs on this thread now, if any.
thread_local frame_arena* tls_current = nullptr;

std::size_t class_of(std::size_t size) noexcept {
  return (size + frame_arena::kGranule - 1) / frame_arena::kGranule - 1;
}
constexpr std::size_t bytes_of(std::size_t size_class) noexcept {
  return (size_class + 1) * frame_arena::kGranule;
}

}  // namespace

frame_arena* frame_arena::make() { return new frame_arena(false); }

void frame_arena::release(frame_arena* arena) noexcept {
  std::unique_lock lock(arena->mutex_);
  arena->collect_remote_locked();
  if (arena->live_ != 0) {
    arena->abandoned_ = true;  // the last frame frees it (give_remote)
    return;
  }
  lock.unlock();
  delete arena;
}

frame_arena::~frame_arena() {
  for (const region& r : regions_) free_region(r);
}

frame_arena* frame_arena::shared_arena() {
  // Never destroyed: frames of threads without a loop may be freed during static destruction.
  static frame_arena* const arena = new frame_arena(true);
  return arena;
}

frame_arena::scope::scope(frame_arena* arena) noexcept : previous_(tls_current) {
  tls_current = arena;
}
frame_arena::scope::~scope() { tls_current = previous_; }

void* frame_arena::allocate(std::size_t size) {
  if (size == 0 || size > kMaxSize) return ::operator new(size);
  if (frame_arena* a = tls_current) return a->take(class_of(size));
  frame_arena* a = shared_arena();
  std::lock_guard lock(a->mutex_);
  return a->take(class_of(size));
}

void frame_arena::deallocate(void* p, std::size_t size) noexcept {
  if (size == 0 || size > kMaxSize) return ::operator delete(p);
  const auto block = reinterpret_cast<std::uintptr_t>(p) & ~(kBlockSize - 1);
  frame_arena* owner = reinterpret_cast<block_header*>(block)->owner;
  if (owner == tls_current) {
    owner->give(p, class_of(size));
  } else {
    owner->give_remote(p, class_of(size));
  }
}

// The owner's thread (or, for the shared arena, under its lock).
void* frame_arena::take(std::size_t size_class) {
  if (free_[size_class] == nullptr && remote_pending_.load(std::memory_order_relaxed)) {
    if (shared_) {
      collect_remote_locked();
    } else {
      std::lock_guard lock(mutex_);
      collect_remote_locked();
    }
  }
  void* p = nullptr;
  if (free_node* n = free_[size_class]) {
    FANOUT_ARENA_UNPOISON(n, bytes_of(size_class));
    free_[size_class] = n->next;
    p = n;
  } else {
    p = carve(bytes_of(size_class));
  }
  ++live_;
  return p;
}

void* frame_arena::carve(std::size_t bytes) {
  if (static_cast<std::size_t>(bump_end_ - bump_) < bytes) next_block();
  void* p = bump_;
  bump_ += bytes;
  FANOUT_ARENA_UNPOISON(p, bytes);
  return p;
}

// Moves on to the next block of the newest region, or of a new one, and writes its header: a
// frame never spans two blocks, so masking its address finds its owner in any region.
void frame_arena::next_block() {
  char* block = bump_end_;
  if (block == nullptr || block == region_end_) block = add_region();
  FANOUT_ARENA_UNPOISON(block, sizeof(block_header));
  reinterpret_cast<block_header*>(block)->owner = this;
  bump_ = block + kGranule;  // the header, padded to the frames' alignment
  bump_end_ = block + kBlockSize;
}

// A block from the heap while the arena holds less than kHugeSize; a huge region after that.
char* frame_arena::add_region() {
  const region r{held_ < kHugeSize ? static_cast<char*>(std::aligned_alloc(kBlockSize, kBlockSize))
                                   : huge_pages::map(kHugeSize),
                 held_ < kHugeSize ? kBlockSize : kHugeSize};
  if (r.base == nullptr) throw std::bad_alloc();
  try {
    regions_.push_back(r);
  } catch (...) {
    free_region(r);
    throw;
  }
  held_ += r.size;
  region_end_ = r.base + r.size;
  FANOUT_ARENA_POISON(r.base, r.size);
  return r.base;
}

void frame_arena::free_region(region r) noexcept {
  FANOUT_ARENA_UNPOISON(r.base, r.size);
  if (r.size == kBlockSize) {
    std::free(r.base);
  } else {
    huge_pages::unmap(r.base, r.size);
  }
}

// The owner's thread: back onto its class's list; the last frame gives the regions back. Frames
// freed on other threads meanwhile are collected here too (under the lock, once per batch):
// otherwise, while their class's list is not empty, nothing would collect them, and they would
// keep every region held after the loop's own frames are all freed.
void frame_arena::give(void* p, std::size_t size_class) noexcept {
  auto* n = static_cast<free_node*>(p);
  n->next = free_[size_class];
  n->size_class = size_class;
  free_[size_class] = n;
  FANOUT_ARENA_POISON(p, bytes_of(size_class));
  if (--live_ == 0) {
    release_blocks();
  } else if (!shared_ && remote_pending_.load(std::memory_order_relaxed)) {
    std::lock_guard lock(mutex_);
    collect_remote_locked();  // its gives find nothing pending: it cleared the flag first
  }
}

// Keeps the first region, a single block, empty, so that a loop that makes and frees one frame
// at a time does not take a block from the system each time; returns the others.
void frame_arena::release_blocks() noexcept {
  for (auto& head : free_) head = nullptr;
  if (regions_.empty()) return;
  for (std::size_t i = 1; i < regions_.size(); ++i) free_region(regions_[i]);
  regions_.resize(1);
  held_ = kBlockSize;
  char* const block = regions_.front().base;
  bump_ = block + kGranule;
  bump_end_ = block + kBlockSize;
  region_end_ = bump_end_;
  FANOUT_ARENA_POISON(bump_, bump_end_ - bump_);
}

// Any thread but the owner's.
void frame_arena::give_remote(void* p, std::size_t size_class) noexcept {
  std::unique_lock lock(mutex_);
  if (abandoned_) {
    if (--live_ != 0) return;
    lock.unlock();
    delete this;
    return;
  }
  auto* n = static_cast<free_node*>(p);
  n->next = remote_;
  n->size_class = size_class;
  remote_ = n;
  FANOUT_ARENA_POISON(p, bytes_of(size_class));
  remote_pending_.store(true, std::memory_order_relaxed);
}

// Under mutex_: the frames freed on other threads go back onto the lists.
void frame_arena::collect_remote_locked() noexcept {
  free_node* n = remote_;
  remote_ = nullptr;
  remote_pending_.store(false, std::memory_order_relaxed);
  while (n != nullptr) {
    FANOUT_ARENA_UNPOISON(n, sizeof(free_node));
    free_node* next = n->next;
    give(n, n->size_class);
    n = next;
  }
}

}  // namespace fanout::async
