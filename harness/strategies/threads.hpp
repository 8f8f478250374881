#pragma once
// threads: one OS thread per item, each running the blocking form; join them all.
//
//   let handles: Vec<_> = items.map(|item| std::thread::spawn(move || handle(item))).collect();
//   for h in handles { responses.push(h.join()); }
//
// At large N the OS refuses threads (EAGAIN: RLIMIT_NPROC, memory for stacks): the batch then
// reports the errno and how many threads were created, and joins those; it never crashes.
#include <system_error>
#include <thread>
#include <vector>

#include "harness/strategies/open_loop.hpp"
#include "harness/strategies/strategy.hpp"

namespace fanout::strategies {

struct threads {
  static constexpr traits info{
      .name = "threads", .runs_on = executor::threads, .in_order = true};  // joined in order
  static shape shape_of(const options& o, std::size_t) { return {o.items, o.items, o.items + 1}; }

  template <workload W>
  static batch<typename W::result> run(const W& w, const options& opt, resources&) {
    return timed<typename W::result>(opt.items, [&](auto& b) { start_all(w, b, nullptr); });
  }

  // Starts each item's thread at its arrival.
  template <workload W>
  static open_batch<typename W::result> run_open(const W& w, const arrivals& a, const options&,
                                                 resources&) {
    return timed_open<typename W::result>(a, [&](open_batch<typename W::result>& b) {
      arrival_source<typename W::result> source(b);
      start_all(w, b, &source);
    });
  }

 private:
  // [chapter-port: threads]
  template <workload W>
  static void start_all(const W& w, batch<typename W::result>& b,
                        arrival_source<typename W::result>* arrivals) {
    std::vector<std::thread> pool;
    pool.reserve(b.items.size());
    for (std::size_t i = 0; i < b.items.size(); ++i) {
      if (arrivals) arrivals->wait(i);
      b.issue(i);
      try {
        pool.emplace_back([&w, &b, i, own = arrivals != nullptr] {
          run_blocking_into(w, i, b.items[i]);
          if (own) b.receive_filled(i);  // open loop: each thread delivers its own result
        });
      } catch (const std::system_error& e) {
        b.failure_errno = e.code().value();
        b.failure = "thread creation failed after " + std::to_string(pool.size()) +
                    " threads: errno " + std::to_string(e.code().value()) + " (" +
                    e.code().message() + ")";
        break;
      }
    }
    for (std::size_t i = 0; i < pool.size(); ++i) {
      pool[i].join();  // the consumer has item i when its thread is joined, in input order
      if (!arrivals) b.receive_filled(i);
    }
    b.max_in_flight = pool.size();
  }
  // [/chapter-port: threads]
};

}  // namespace fanout::strategies
