#pragma once
// slab<T>: objects in chunks that double from 64 to 1024, reused once given back. n objects
// make a few allocations, not one each; an object never moves (a chunk keeps its place, so
// others may point to it); and giving one back never allocates (the free list has room for
// every object at once). One thread only.
//
//   slab<entry> entries;
//   auto [e, fresh] = entries.take();   // fresh: never taken before (set its fixed fields)
//   entries.give_back(e);               // never allocates
//   entries.for_each_taken([](entry& e) { return true; });  // false stops the walk
#include <algorithm>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace fanout::async::detail {

template <class T>
class slab {
 public:
  // A given-back object, or a new one (`fresh`).
  std::pair<T*, bool> take() {
    if (!free_.empty()) {
      T* t = free_.back();
      free_.pop_back();
      return {t, false};
    }
    if (chunks_.empty() || chunks_.back().used == chunks_.back().size) add_chunk();
    chunk& c = chunks_.back();
    return {&c.items[c.used++], true};
  }
  void give_back(T* t) noexcept { free_.push_back(t); }  // within the room add_chunk reserved

  // Calls f on every object ever taken, in order, until f returns false.
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
  struct chunk {
    std::unique_ptr<T[]> items;
    std::size_t size = 0;
    std::size_t used = 0;
  };
  void add_chunk() {
    const std::size_t size =
        chunks_.empty() ? kFirstChunk : std::min(2 * chunks_.back().size, kMaxChunk);
    chunks_.reserve(chunks_.size() + 1);
    if (free_.capacity() < count_ + size) {
      free_.reserve(std::max(2 * free_.capacity(), count_ + size));
    }
    chunks_.push_back(chunk{std::make_unique<T[]>(size), size, 0});
    count_ += size;
  }

  std::vector<chunk> chunks_;
  std::size_t count_ = 0;  // objects in all chunks
  std::vector<T*> free_;
};

}  // namespace fanout::async::detail
