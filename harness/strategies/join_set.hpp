#pragma once
// join_set: the chapter's JoinSet pattern. A task per item is spawned into a join set on the
// runtime; results are joined in completion order.
//
//   let mut set = JoinSet::new();
//   for item in items { set.spawn(async move { handle(item).await }); }
//   while let Some(res) = set.join_next().await { responses.push(res); }
//
// The chapter writes `join_next().await.unwrap()`, which unwraps the Option: the loop would
// panic when the set runs dry instead of ending, and a task's JoinError would go unexamined.
// Here the loop ends on an empty set, and a failed task is recorded as that item's error.
#include "harness/async/futures_unordered.hpp"
#include "harness/async/join_set.hpp"
#include "harness/strategies/open_loop.hpp"
#include "harness/strategies/strategy.hpp"

namespace fanout::strategies {

struct join_set {
  static constexpr traits info{.name = "join_set", .runs_on = executor::runtime, .workers = true};
  static shape shape_of(const options& o, std::size_t workers) {
    return {o.items, workers, workers + 1};
  }

  template <workload W>
  static batch<typename W::result> run(const W& w, const options& opt, resources& res) {
    return timed<typename W::result>(
        opt.items, [&](auto& b) { res.loop.block_on(consume(w, opt, *res.runtime, b)); });
  }

  // `select!` over admitting and joining: each arrival is spawned as it comes while the
  // consumer joins what has finished.
  template <workload W>
  static open_batch<typename W::result> run_open(const W& w, const arrivals& a, const options&,
                                                 resources& res) {
    return timed_open<typename W::result>(
        a, [&](auto& b) { res.loop.block_on(consume_open(w, *res.runtime, b)); });
  }

 private:
  template <class R>
  struct open_state {
    async::join_set<R> set;
    arrival_signal arrived;
  };
  template <workload W>
  static async::task<int> admit(const W& w, open_state<typename W::result>& s,
                                open_batch<typename W::result>& b) {
    arrival_source<typename W::result> source(b);
    for (std::size_t i = 0; i < b.items.size(); ++i) {
      co_await source.arrive(i);
      b.issue(i);
      s.set.spawn(w.run_async(i));
      s.arrived.notify();
    }
    co_return 0;
  }
  template <class R>
  static async::task<int> join(open_state<R>& s, open_batch<R>& b) {
    for (std::size_t joined = 0; joined < b.items.size();) {
      if (auto done = co_await s.set.join_next()) {
        b.receive(done->id, *done);
        ++joined;
      } else {
        co_await s.arrived.wait();  // the set ran dry before the next arrival
      }
    }
    co_return 0;
  }
  // Admitting and joining as two children of one poll-driven group.
  template <workload W>
  static async::task<void> consume_open(const W& w, async::runtime& rt,
                                        open_batch<typename W::result>& b) {
    open_state<typename W::result> s{async::join_set<typename W::result>(rt), {}};
    async::futures_unordered<int> group;
    group.push(admit(w, s, b));
    group.push(join(s, b));
    while (co_await group.next()) {
    }
  }

  // [chapter-port: join_set]
  template <workload W>
  static async::task<void> consume(const W& w, const options& opt, async::runtime& rt,
                                   batch<typename W::result>& b) {
    async::join_set<typename W::result> set(rt);
    for (std::size_t i = 0; i < opt.items; ++i) {
      b.issue(i);
      set.spawn(w.run_async(i));  // ids follow spawn order, so id == item index
    }
    while (auto done = co_await set.join_next()) b.receive(done->id, *done);
  }
  // [/chapter-port: join_set]
};

}  // namespace fanout::strategies
