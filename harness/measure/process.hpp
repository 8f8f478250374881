#pragma once
// The process's own clocks and memory, read from the kernel.
//
//   peak_rss_reset();                      // start a fresh peak
//   double cpu0 = process_cpu_seconds();
//   ... run ...
//   double cores = (process_cpu_seconds() - cpu0) / wall_seconds;
//   std::size_t peak = peak_rss_bytes();   // the peak since the reset
#include <cstddef>
#include <vector>

namespace fanout::measure {

// CPU time of every thread of the process (CLOCK_PROCESS_CPUTIME_ID), in seconds.
double process_cpu_seconds();

// Helper processes that a benchmark starts and stops (net's server: workloads/net_server.hpp),
// whose CPU time counts as the process's own in the noise accounting (noise.hpp). Remove one
// while it still runs: its CPU time until then stays counted.
void add_helper_process(int pid);
void remove_helper_process(int pid);
// CPU time (user and system, at the kernel's 100 Hz tick) of the helpers added so far.
double helper_cpu_seconds();

// Resident memory now (VmRSS) and its peak (VmHWM), in bytes; 0 if /proc cannot be read.
std::size_t current_rss_bytes();
std::size_t peak_rss_bytes();

// Hands the allocator's free memory back to the kernel (malloc_trim), so that a fan-out that
// reuses memory freed by an earlier one shows up as RSS growth again; then call peak_rss_reset.
void release_free_memory();

// Makes release_free_memory the only way freed memory goes back to the kernel. glibc's malloc
// otherwise trims its heap on free once the free top passes a threshold that it moves as the
// process frees large blocks, so whether a fan-out finds its memory resident or faults it in
// afresh would depend on what some earlier benchmark happened to free. Once, at start-up.
void keep_freed_memory();

// Resets the kernel's peak-RSS mark to the current RSS (writes 5 to /proc/self/clear_refs,
// Linux 4.0 and later). Returns false where that is refused: the peak then covers the whole
// process so far, and memory figures are upper bounds.
bool peak_rss_reset();

// The descriptors this process has open: the entries of /proc/self/fd, less the one the listing
// itself opens. A net benchmark or test compares it before and after (docs/design.md section 4).
std::size_t open_fds();

// The CPUs this process may run on (its affinity mask, which containers and taskset narrow);
// empty where the mask cannot be read.
std::vector<int> affinity_cpus();
// How many: at least 1.
std::size_t available_cores();

}  // namespace fanout::measure
