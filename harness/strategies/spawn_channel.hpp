#pragma once
// spawn_channel: the chapter's "Channel" pattern. A task per item is spawned on the runtime;
// each sends its response into a bounded MPSC channel; the consumer drains the channel until
// the last sender is gone.
//
//   let (tx, mut rx) = tokio::sync::mpsc::channel(1);
//   for item in items {
//       let tx = tx.clone();
//       tokio::spawn(async move { let _ = tx.send(handle(item).await).await; });
//   }
//   drop(tx);
//   while let Some(resp) = rx.recv().await { responses.push(resp); }
//
// The chapter's snippet never awaits `send` (the future is dropped, nothing is sent); here the
// send is awaited, and a closed channel is handled instead of ignored.
#include "harness/async/channel.hpp"
#include "harness/strategies/open_loop.hpp"
#include "harness/strategies/strategy.hpp"

namespace fanout::strategies {

struct spawn_channel {
  static constexpr traits info{
      .name = "spawn_channel", .runs_on = executor::runtime, .capacity = true, .workers = true};
  static shape shape_of(const options& o, std::size_t workers) {
    return {o.items, workers, workers + 1};
  }

  template <workload W>
  static batch<typename W::result> run(const W& w, const options& opt, resources& res) {
    return timed<typename W::result>(
        opt.items, [&](auto& b) { res.loop.block_on(consume(w, opt, *res.runtime, b)); });
  }

  // A spawned task of its own admits the items: it spawns each at its arrival, then drops its
  // sender, which is what finally closes the channel.
  template <workload W>
  static open_batch<typename W::result> run_open(const W& w, const arrivals& a, const options& opt,
                                                 resources& res) {
    return timed_open<typename W::result>(
        a, [&](auto& b) { res.loop.block_on(consume_open(w, opt, *res.runtime, b)); });
  }

  // One result on its way through the channel.
  template <class R>
  struct message {
    std::size_t index;
    async::outcome<R> out;
  };

  // [chapter-port: spawn_channel]
  template <workload W>
  static async::task<void> produce(const W& w, std::size_t i,
                                   async::sender<message<typename W::result>> tx) {
    message<typename W::result> m{i, {}};
    try {
      m.out.value.emplace(co_await w.run_async(i));
    } catch (...) {
      m.out.error = std::current_exception();
    }
    // False only if the consumer is gone, and then nobody is left to tell.
    [[maybe_unused]] const bool sent = co_await tx.send(std::move(m));
  }

  template <workload W>
  static async::task<void> consume(const W& w, const options& opt, async::runtime& rt,
                                   batch<typename W::result>& b) {
    auto [tx, rx] = async::make_channel<message<typename W::result>>(opt.capacity);
    for (std::size_t i = 0; i < opt.items; ++i) {
      b.issue(i);
      rt.spawn(produce(w, i, tx));
    }
    tx = {};  // drop(tx): from here the producers alone keep the channel open
    while (auto m = co_await rx.recv()) b.receive(m->index, m->out);
    b.max_buffered = rx.max_buffered();
  }
  // [/chapter-port: spawn_channel]

 private:
  template <workload W>
  static async::task<void> admit(const W& w, async::runtime& rt, open_batch<typename W::result>& b,
                                 async::sender<message<typename W::result>> tx) {
    arrival_source<typename W::result> source(b);
    for (std::size_t i = 0; i < b.items.size(); ++i) {
      co_await source.arrive(i);
      b.issue(i);
      rt.spawn(produce(w, i, tx));
    }
  }
  template <workload W>
  static async::task<void> consume_open(const W& w, const options& opt, async::runtime& rt,
                                        open_batch<typename W::result>& b) {
    auto [tx, rx] = async::make_channel<message<typename W::result>>(opt.capacity);
    rt.spawn(admit(w, rt, b, tx));
    tx = {};
    while (auto m = co_await rx.recv()) b.receive(m->index, m->out);
    b.max_buffered = rx.max_buffered();
  }
};

}  // namespace fanout::strategies
