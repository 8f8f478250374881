#pragma once
// threads: one OS thread per item, each running the blocking form; join them all.
//
//   let handles: Vec<_> = items.map(|item| std::thread::spawn(move || handle(item))).collect();
//   for h in handles { responses.push(h.join()); }
//
// At large N the OS refuses threads (EAGAIN: RLIMIT_NPROC, memory for stacks): the batch then
// reports the errno and how many threads were created, and joins those; it never crashes.
#include <cerrno>
#include <cstring>
#include <system_error>
#include <thread>
#include <vector>

#include "harness/strategies/strategy.hpp"

namespace fanout::strategies {

struct threads {
  static constexpr const char* name = "threads";
  static shape shape_of(const options& o, std::size_t) {
    return {o.items, o.items, o.items + 1};
  }

  template <workload W>
  static batch<typename W::result> run(const W& w, const options& opt, resources&) {
    batch<typename W::result> b(opt.items);
    std::vector<std::thread> pool;
    pool.reserve(opt.items);
    b.start = clock::now();
    // [chapter-port: threads]
    for (std::size_t i = 0; i < opt.items; ++i) {
      b.issue(i);
      try {
        pool.emplace_back([&w, &b, i] { run_blocking_into(w, i, b.items[i]); });
      } catch (const std::system_error& e) {
        b.failure_errno = e.code().value();
        b.failure = "thread creation failed after " + std::to_string(pool.size()) +
                    " threads: errno " + std::to_string(e.code().value()) + " (" +
                    e.code().message() + ")";
        break;
      }
    }
    for (std::thread& t : pool) t.join();
    // [/chapter-port: threads]
    b.end = clock::now();
    b.max_in_flight = pool.size();
    return b;
  }
};

}  // namespace fanout::strategies
