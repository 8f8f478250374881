#pragma once
// arena_pool: a compute_pool on a TBB arena, where `offload` sends CPU-bound parts.
//
//   tbb::task_arena arena(workers);
//   arena_pool pool(arena);
//   loop.block_on(item(), &pool);   // every offload inside item() computes on the arena
#include <oneapi/tbb/task_arena.h>

#include "harness/async/context.hpp"

namespace fanout::async {

class arena_pool final : public compute_pool {
 public:
  explicit arena_pool(tbb::task_arena& arena) noexcept : arena_(arena) {}
  // enqueue, not execute: the loop thread must not join the arena and block its own waits.
  void submit(void (*fn)(void*), void* arg) override {
    arena_.enqueue([fn, arg] { fn(arg); });
  }

 private:
  tbb::task_arena& arena_;
};

}  // namespace fanout::async
