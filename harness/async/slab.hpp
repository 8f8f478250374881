#pragma once
// slab<T>: objects in chunks that double from 64 to 1024, reused once given back. n objects
// make a few allocations, not one each; an object never moves (a chunk keeps its place, so
// others may point to it); and giving one back never allocates: the free list runs through the
// objects given back, each holding the link in a field of its own that means nothing while it is
// free (T::free_link(), a T*&). One thread only. An object is constructed when it is first
// taken, and destroyed with the slab. Once the slab holds huge_pages::kHugeSize, each further
// chunk is a region of huge pages (harness/async/huge_pages.hpp).
//
//   slab<entry> entries;
//   auto [e, fresh] = entries.take();   // fresh: never taken before (set its fixed fields)
//   entries.give_back(e);               // never allocates
//   entries.for_each_taken([](entry& e) { return true; });  // false stops the walk
#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include "harness/async/huge_pages.hpp"

namespace fanout::async::detail {

template <class T>
class slab {
 public:
  slab() = default;
  slab(const slab&) = delete;
  slab& operator=(const slab&) = delete;
  ~slab() {
    for (chunk& c : chunks_) {
      std::destroy_n(c.items, c.used);
      release(c);
    }
  }

  // A given-back object, or a new one (`fresh`).
  std::pair<T*, bool> take() {
    if (T* t = free_) {
      free_ = t->free_link();
      return {t, false};
    }
    if (chunks_.empty() || chunks_.back().used == chunks_.back().size) add_chunk();
    chunk& c = chunks_.back();
    T* t = ::new (static_cast<void*>(c.items + c.used)) T();
    ++c.used;
    return {t, true};
  }
  void give_back(T* t) noexcept {
    t->free_link() = free_;
    free_ = t;
  }

  // Calls f on every object ever taken, given back or not, in order, until f returns false.
  template <class F>
  void for_each_taken(F&& f) {
    for (chunk& c : chunks_) {
      for (std::size_t i = 0; i < c.used; ++i) {
        if (!f(c.items[i])) return;
      }
    }
  }

 private:
  static constexpr std::size_t kFirstChunk = 64;
  static constexpr std::size_t kMaxChunk = 1024;
  static constexpr std::size_t kHugeChunk = huge_pages::kHugeSize / sizeof(T);
  struct chunk {
    T* items;
    std::size_t size;
    std::size_t used;
    bool huge;  // a region of huge_pages::map, else from operator new
  };
  void add_chunk() {
    const bool huge = held_ >= huge_pages::kHugeSize && kHugeChunk > kMaxChunk;
    const std::size_t size = huge              ? kHugeChunk
                             : chunks_.empty() ? kFirstChunk
                                               : std::min(2 * chunks_.back().size, kMaxChunk);
    chunks_.reserve(chunks_.size() + 1);
    void* items = huge ? huge_pages::map(huge_pages::kHugeSize)
                       : ::operator new (size * sizeof(T), std::align_val_t{alignof(T)});
    if (items == nullptr) throw std::bad_alloc();
    chunks_.push_back(chunk{static_cast<T*>(items), size, 0, huge});
    held_ += size * sizeof(T);
  }
  static void release(const chunk& c) noexcept {
    if (c.huge) {
      huge_pages::unmap(reinterpret_cast<char*>(c.items), huge_pages::kHugeSize);
    } else {
      ::operator delete (c.items, std::align_val_t{alignof(T)});
    }
  }

  std::vector<chunk> chunks_;
  std::size_t held_ = 0;  // bytes of chunks_
  T* free_ = nullptr;     // the last object given back; each links to the one before
};

}  // namespace fanout::async::detail
