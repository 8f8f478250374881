#pragma once
// slab<T>: objects in chunks that double from 64 to 1024, reused once given back. n objects
// make a few allocations, not one each; an object never moves (a chunk keeps its place, so
// others may point to it); and giving one back never allocates: the free list runs through the
// objects given back, each holding the link in a field of its own that means nothing while it is
// free (T::free_link(), a T*&). One thread only.
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
    if (T* t = free_) {
      free_ = t->free_link();
      return {t, false};
    }
    if (chunks_.empty() || chunks_.back().used == chunks_.back().size) add_chunk();
    chunk& c = chunks_.back();
    return {&c.items[c.used++], true};
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
  struct chunk {
    std::unique_ptr<T[]> items;
    std::size_t size = 0;
    std::size_t used = 0;
  };
  void add_chunk() {
    const std::size_t size =
        chunks_.empty() ? kFirstChunk : std::min(2 * chunks_.back().size, kMaxChunk);
    chunks_.reserve(chunks_.size() + 1);
    chunks_.push_back(chunk{std::make_unique<T[]>(size), size, 0});
  }

  std::vector<chunk> chunks_;
  T* free_ = nullptr;  // the last object given back; each links to the one before
};

}  // namespace fanout::async::detail
