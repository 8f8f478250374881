#include "harness/async/huge_pages.hpp"

#include <sys/mman.h>

#include <cstdint>

namespace fanout::async::huge_pages {

char* map(std::size_t size) noexcept {
  // Twice the size, then the unaligned head and tail given back.
  void* raw = mmap(nullptr, 2 * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = (start + size - 1) & ~(size - 1);
  if (aligned != start) munmap(raw, aligned - start);
  if (const std::uintptr_t tail = start + size - aligned; tail != 0) {
    munmap(reinterpret_cast<void*>(aligned + size), tail);
  }
  auto* region = reinterpret_cast<char*>(aligned);
  madvise(region, size, MADV_HUGEPAGE);  // advice only: refused, the pages are small ones
  return region;
}

void unmap(char* region, std::size_t size) noexcept { munmap(region, size); }

}  // namespace fanout::async::huge_pages
