#include "benchmarks/memory_reserve.hpp"

#include <sys/mman.h>

#include <array>
#include <atomic>
#include <new>
#include <thread>

namespace fanout::bench {
namespace {

// Pieces of reserve: mappings that can never be touched, so they hold address space (what
// ulimit -v limits) and no memory, and leave the allocator's own state alone.
constexpr std::size_t kPieces = 4;
constexpr std::size_t kPieceBytes = std::size_t{16} << 20;

std::array<std::atomic<void*>, kPieces> pieces{};
std::thread::id benchmarks_thread;

// Gives one piece back; false when none is left.
bool release_piece() noexcept {
  for (auto& p : pieces) {
    if (void* block = p.exchange(nullptr)) {
      munmap(block, kPieceBytes);
      return true;
    }
  }
  return false;
}

void on_out_of_memory() {
  const bool released = release_piece();
  if (std::this_thread::get_id() == benchmarks_thread || !released) throw std::bad_alloc();
  // Another thread: returning retries the allocation, in the room just made.
}

}  // namespace

void install_memory_reserve() {
  benchmarks_thread = std::this_thread::get_id();
  restore_memory_reserve();
  std::set_new_handler(&on_out_of_memory);
}

void restore_memory_reserve() noexcept {
  for (auto& p : pieces) {
    if (p.load() != nullptr) continue;
    void* block = mmap(nullptr, kPieceBytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED) return;  // still short: the next body runs with less reserve
    void* expected = nullptr;
    if (!p.compare_exchange_strong(expected, block)) munmap(block, kPieceBytes);
  }
}

}  // namespace fanout::bench
