#include "harness/async/frame_arena.hpp"

#include <cstdint>
#include <cstdlib>
#include <new>

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
  for (void* b : blocks_) std::free(b);
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
  if (bump_ == nullptr || static_cast<std::size_t>(bump_end_ - bump_) < bytes) {
    void* b = std::aligned_alloc(kBlockSize, kBlockSize);
    if (b == nullptr) throw std::bad_alloc();
    try {
      blocks_.push_back(b);
    } catch (...) {
      std::free(b);
      throw;
    }
    static_cast<block_header*>(b)->owner = this;
    bump_ = static_cast<char*>(b) + kGranule;  // the header, padded to the frames' alignment
    bump_end_ = static_cast<char*>(b) + kBlockSize;
    FANOUT_ARENA_POISON(bump_, bump_end_ - bump_);
  }
  void* p = bump_;
  bump_ += bytes;
  FANOUT_ARENA_UNPOISON(p, bytes);
  return p;
}

// The owner's thread: back onto its class's list; the last frame gives the blocks back.
void frame_arena::give(void* p, std::size_t size_class) noexcept {
  auto* n = static_cast<free_node*>(p);
  n->next = free_[size_class];
  n->size_class = size_class;
  free_[size_class] = n;
  FANOUT_ARENA_POISON(p, bytes_of(size_class));
  if (--live_ == 0) release_blocks();
}

// Keeps the newest block, empty, so that a loop that makes and frees one frame at a time does
// not take a block from the system each time; returns the others.
void frame_arena::release_blocks() noexcept {
  for (auto& head : free_) head = nullptr;
  if (blocks_.empty()) return;
  for (std::size_t i = 0; i + 1 < blocks_.size(); ++i) std::free(blocks_[i]);
  blocks_.front() = blocks_.back();
  blocks_.resize(1);
  bump_ = static_cast<char*>(blocks_.front()) + kGranule;
  bump_end_ = static_cast<char*>(blocks_.front()) + kBlockSize;
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
