#pragma once
// Out of memory as a benchmark's error, never the end of the run (docs/design.md section 5).
//
// A reserve of address space is held from the start. When an allocation fails, the new-handler
// gives one piece of it back: on the thread that runs the benchmarks it then throws
// std::bad_alloc, which register_timed turns into the benchmark's error entry; on any other
// thread (a runtime's worker, a thread per item) the allocation is retried. The fan-out stops
// where it is spawned, and the workers still have room to wind down, and even to allocate the
// exceptions they end with, instead of terminating the process.
//
//   install_memory_reserve();   // once, in main, on the benchmarks' thread
//   ... a benchmark body ...
//   restore_memory_reserve();   // after each body: the pieces given back are taken again

namespace fanout::bench {

void install_memory_reserve();
void restore_memory_reserve() noexcept;

}  // namespace fanout::bench
