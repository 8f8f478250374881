#pragma once
// Open loop: each strategy admits items as they arrive instead of all at once. The runtime
// strategies spawn an item at its arrival, the sets push it, the bounded strategies queue it
// until a slot is free, and the thread strategies start it.
//
//   open_batch<R> b = open_loop<strategies::join_set>::run(w, arrivals, opt, res);
//   b.corrected_ms(i);     // received - intended arrival: charges every stall (wrk2)
//   b.uncorrected_ms(i);   // received - admission: what a closed-loop tool would report
//
// Latency is measured from each item's intended arrival, so a strategy that stalls is charged
// for the items it did not take in during the stall; the uncorrected figure (from admission)
// is kept beside it to show the difference. tbb_parallel_for has no open-loop form: it is a
// batch construct over a range known in advance, with no way to admit items one by one.
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <latch>
#include <limits>
#include <thread>
#include <vector>

#include "harness/async/buffered.hpp"
#include "harness/async/channel.hpp"
#include "harness/async/futures_unordered.hpp"
#include "harness/async/join_set.hpp"
#include "harness/async/sleep.hpp"
#include "harness/load/arrivals.hpp"
#include "harness/strategies/all.hpp"

namespace fanout::load {

namespace st = strategies;

template <class R>
struct open_batch : st::batch<R> {
  open_batch(std::size_t n, std::vector<clock::time_point> at)
      : st::batch<R>(n), intended(std::move(at)) {}
  // A run whose arrivals start now; its fan-out starts with the first intended arrival.
  static open_batch starting_now(const arrivals& a) {
    open_batch b(a.offsets.size(), a.from(clock::now()));
    b.start = b.intended.empty() ? clock::now() : b.intended.front();
    return b;
  }
  std::vector<clock::time_point> intended;  // by item

  double corrected_ms(std::size_t i) const { return ms(this->items[i].received - intended[i]); }
  double uncorrected_ms(std::size_t i) const {
    return ms(this->items[i].received - this->items[i].issued);
  }
  // The most items that had arrived and were not yet admitted, at any moment.
  std::size_t max_queued() const {
    std::vector<std::pair<clock::time_point, int>> events;
    for (std::size_t i = 0; i < intended.size(); ++i) {
      events.emplace_back(intended[i], +1);
      events.emplace_back(std::max(intended[i], this->items[i].issued), -1);
    }
    std::sort(events.begin(), events.end());  // at equal times, -1 sorts first
    int now = 0, most = 0;
    for (const auto& e : events) most = std::max(most, now += e.second);
    return static_cast<std::size_t>(most);
  }

 private:
  static double ms(clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
};

namespace detail {

inline double ms_until(clock::time_point t) {
  return std::chrono::duration<double, std::milli>(t - clock::now()).count();
}

// Waits on the loop until `t`, if it is still ahead.
inline async::task<int> arrive(clock::time_point t) {
  if (const double ms = ms_until(t); ms > 0) co_await async::sleep_for(ms);
  co_return 0;
}

// A bounded (or, with no limit, unbounded) poll-driven stream over the arrivals, on the loop.
template <bool Ordered, st::workload W>
async::task<void> stream(const W& w, std::size_t limit, open_batch<typename W::result>& b) {
  auto make = [&w, &b](std::size_t i) {
    b.issue(i);
    return w.run_async(i);
  };
  async::detail::bounded_stream<typename W::result, decltype(make), Ordered> s(limit, b.intended,
                                                                               make);
  while (auto done = co_await s.next()) b.receive(done->id, *done);
}

// A loop-local notification: the join_set's consumer waits on it for the next arrival.
struct arrival_signal {
  std::coroutine_handle<> waiter{};
  async::waker* waker = nullptr;
  void notify() {
    if (waiter) waker->wake(std::exchange(waiter, {}));
  }
  struct awaiter {
    arrival_signal* s;
    bool await_ready() noexcept { return false; }
    template <class P>
    void await_suspend(std::coroutine_handle<P> h) noexcept {
      s->waiter = h;
      s->waker = h.promise().ctx.on_wake;
    }
    void await_resume() noexcept {}
  };
  awaiter wait() noexcept { return {this}; }
};

}  // namespace detail

template <class S>
struct open_loop;

template <>
struct open_loop<st::sequential> {
  template <st::workload W>
  static open_batch<typename W::result> run(const W& w, const arrivals& a, const st::options&,
                                            st::resources& res) {
    auto b = open_batch<typename W::result>::starting_now(a);
    res.loop.block_on(one_by_one(w, b));
    b.end = clock::now();
    return b;
  }
  template <st::workload W>
  static async::task<void> one_by_one(const W& w, open_batch<typename W::result>& b) {
    for (std::size_t i = 0; i < b.items.size(); ++i) {
      co_await detail::arrive(b.intended[i]);
      b.issue(i);
      try {
        b.receive(i, co_await w.run_async(i));
      } catch (...) {
        b.receive_error(i, std::current_exception());
      }
    }
  }
};

template <>
struct open_loop<st::threads> {
  template <st::workload W>
  static open_batch<typename W::result> run(const W& w, const arrivals& a, const st::options&,
                                            st::resources&) {
    auto b = open_batch<typename W::result>::starting_now(a);
    std::vector<std::thread> started;
    started.reserve(b.items.size());
    for (std::size_t i = 0; i < b.items.size(); ++i) {
      std::this_thread::sleep_until(b.intended[i]);
      b.issue(i);
      try {
        started.emplace_back([&w, &b, i] { st::run_blocking_into(w, i, b.items[i]); });
      } catch (const std::system_error& e) {
        b.failure_errno = e.code().value();
        b.failure = "thread creation failed after " + std::to_string(started.size()) +
                    " threads: " + e.code().message();
        break;
      }
    }
    for (auto& t : started) t.join();
    b.end = clock::now();
    return b;
  }
};

template <>
struct open_loop<st::spawn_channel> {
  template <st::workload W>
  static open_batch<typename W::result> run(const W& w, const arrivals& a, const st::options& opt,
                                            st::resources& res) {
    auto b = open_batch<typename W::result>::starting_now(a);
    res.loop.block_on(consume(w, opt, *res.runtime, b));
    b.end = clock::now();
    return b;
  }

 private:
  template <class R>
  using message = st::spawn_channel::message<R>;

  // A spawned task of its own admits the items: it spawns each at its arrival, then drops its
  // sender, which is what finally closes the channel.
  template <st::workload W>
  static async::task<void> admit(const W& w, async::runtime& rt, open_batch<typename W::result>& b,
                                 async::sender<message<typename W::result>> tx) {
    for (std::size_t i = 0; i < b.items.size(); ++i) {
      co_await detail::arrive(b.intended[i]);
      b.issue(i);
      rt.spawn(st::spawn_channel::produce(w, i, tx));
    }
  }
  template <st::workload W>
  static async::task<void> consume(const W& w, const st::options& opt, async::runtime& rt,
                                   open_batch<typename W::result>& b) {
    auto [tx, rx] = async::make_channel<message<typename W::result>>(opt.capacity);
    rt.spawn(admit(w, rt, b, tx));
    tx = {};
    while (auto m = co_await rx.recv()) b.receive(m->index, m->out);
  }
};

template <>
struct open_loop<st::join_set> {
  template <st::workload W>
  static open_batch<typename W::result> run(const W& w, const arrivals& a, const st::options&,
                                            st::resources& res) {
    auto b = open_batch<typename W::result>::starting_now(a);
    res.loop.block_on(consume(w, *res.runtime, b));
    b.end = clock::now();
    return b;
  }

 private:
  template <class R>
  struct shared {
    async::join_set<R> set;
    detail::arrival_signal arrived;
    std::size_t admitted = 0;
  };
  template <st::workload W>
  static async::task<int> admit(const W& w, shared<typename W::result>& s,
                                open_batch<typename W::result>& b) {
    for (std::size_t i = 0; i < b.items.size(); ++i) {
      co_await detail::arrive(b.intended[i]);
      b.issue(i);
      s.set.spawn(w.run_async(i));
      ++s.admitted;
      s.arrived.notify();
    }
    co_return 0;
  }
  template <st::workload W>
  static async::task<int> join(shared<typename W::result>& s, open_batch<typename W::result>& b) {
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
  // `select!` over admitting and joining, as two children of one poll-driven group.
  template <st::workload W>
  static async::task<void> consume(const W& w, async::runtime& rt,
                                   open_batch<typename W::result>& b) {
    shared<typename W::result> s{async::join_set<typename W::result>(rt), {}, 0};
    async::futures_unordered<int> group;
    group.push(admit(w, s, b));
    group.push(join<W>(s, b));
    while (co_await group.next()) {
    }
  }
};

// The poll-driven sets over the arrivals: unbounded (futures_unordered), or bounded with
// arrivals queued until a slot frees (buffer_unordered, buffered).
template <bool Ordered>
struct open_stream {
  template <st::workload W>
  static open_batch<typename W::result> run(const W& w, const arrivals& a, std::size_t limit,
                                            st::resources& res, async::compute_pool* pool) {
    auto b = open_batch<typename W::result>::starting_now(a);
    res.loop.block_on(detail::stream<Ordered>(w, limit, b), pool);
    b.end = clock::now();
    return b;
  }
};

template <>
struct open_loop<st::futures_unordered> {
  template <st::workload W>
  static open_batch<typename W::result> run(const W& w, const arrivals& a, const st::options&,
                                            st::resources& res, async::compute_pool* pool = nullptr) {
    return open_stream<false>::run(w, a, std::numeric_limits<std::size_t>::max(), res, pool);
  }
};

template <>
struct open_loop<st::buffer_unordered> {
  template <st::workload W>
  static open_batch<typename W::result> run(const W& w, const arrivals& a, const st::options& opt,
                                            st::resources& res) {
    return open_stream<false>::run(w, a, opt.limit, res, nullptr);
  }
};

template <>
struct open_loop<st::buffered> {
  template <st::workload W>
  static open_batch<typename W::result> run(const W& w, const arrivals& a, const st::options& opt,
                                            st::resources& res) {
    return open_stream<true>::run(w, a, opt.limit, res, nullptr);
  }
};

template <>
struct open_loop<st::offload> {
  template <st::workload W>
  static open_batch<typename W::result> run(const W& w, const arrivals& a, const st::options& opt,
                                            st::resources& res) {
    async::arena_pool pool(*res.pool);
    return open_loop<st::futures_unordered>::run(w, a, opt, res, &pool);
  }
};

// The calling thread admits each item into the pool arena at its arrival (enqueue: the
// driver never joins the arena, so all `workers` threads run items), and waits for the last.
template <>
struct open_loop<st::tbb_task_group> {
  template <st::workload W>
  static open_batch<typename W::result> run(const W& w, const arrivals& a, const st::options&,
                                            st::resources& res) {
    auto b = open_batch<typename W::result>::starting_now(a);
    std::latch finished(static_cast<std::ptrdiff_t>(b.items.size()));
    for (std::size_t i = 0; i < b.items.size(); ++i) {
      std::this_thread::sleep_until(b.intended[i]);
      b.issue(i);
      res.pool->enqueue([&w, &b, &finished, i] {
        st::run_blocking_into(w, i, b.items[i]);
        finished.count_down();
      });
    }
    finished.wait();
    b.end = clock::now();
    return b;
  }
};

}  // namespace fanout::load
