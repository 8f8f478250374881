#pragma once
// Regions of memory advised to the kernel as huge pages, for the containers of a fan-out that
// grow past kHugeSize (frame_arena's frames, slab's objects).
//
//   char* r = huge_pages::map(huge_pages::kHugeSize);   // aligned to its size; nullptr if none
//   huge_pages::unmap(r, huge_pages::kHugeSize);
//
// A fan-out of a hundred thousand waits touches tens of megabytes of fresh memory: in small
// pages, a trap into the kernel and a page to zero for every 4 KiB (on a virtual machine, about
// 12 us each, seen here); in huge pages, one for every 2 MiB. The advice (MADV_HUGEPAGE) takes
// where transparent huge pages are enabled for it ("madvise" or "always" in
// /sys/kernel/mm/transparent_hugepage/enabled); elsewhere the region is small pages, as before.
#include <cstddef>

namespace fanout::async::huge_pages {

// One huge page of x86-64 and arm64.
inline constexpr std::size_t kHugeSize = std::size_t{2} << 20;

// `size` bytes (a power of two) aligned to `size`, zeroed, mapped on their own and advised as
// huge pages; nullptr if the system has no memory to map.
char* map(std::size_t size) noexcept;
void unmap(char* region, std::size_t size) noexcept;

}  // namespace fanout::async::huge_pages
