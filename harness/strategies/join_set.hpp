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
#include "harness/async/join_set.hpp"
#include "harness/strategies/strategy.hpp"

namespace fanout::strategies {

struct join_set {
  static constexpr const char* name = "join_set";
  static shape shape_of(const options& o, std::size_t workers) {
    return {o.items, workers, workers + 1};
  }

  template <workload W>
  static batch<typename W::result> run(const W& w, const options& opt, resources& res) {
    batch<typename W::result> b(opt.items);
    b.start = clock::now();
    res.loop.block_on(consume(w, opt, *res.runtime, b));
    b.end = clock::now();
    b.max_in_flight = opt.items;
    return b;
  }

 private:
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
