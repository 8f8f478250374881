#pragma once
// futures_unordered<T>: a set of tasks run concurrently on the consumer's own loop, without
// spawning, yielded in completion order (futures::stream::FuturesUnordered).
//
//   futures_unordered<int> set;
//   for (int i = 0; i < n; ++i) set.push(work(shared_state, i));   // may borrow: no spawn
//   while (auto done = co_await set.next()) use(done->id, done->get());
//
// Children start on the first next() after their push and make progress only while the
// consumer polls the set (see poll_set.hpp). Destroying the set cancels the children left.
#include "harness/async/poll_set.hpp"

namespace fanout::async {

template <class T>
class futures_unordered {
 public:
  futures_unordered() : set_(false, std::numeric_limits<std::size_t>::max(), {}) {}

  // Returns the child's id (0, 1, 2, ... in push order).
  std::size_t push(task<T> t) { return set_.push(std::move(t)); }
  std::size_t size() const noexcept { return set_.in_flight(); }
  bool empty() const noexcept { return size() == 0; }
  // Awaitable: std::optional<outcome<T>>; std::nullopt once the set is empty.
  [[nodiscard]] auto next() noexcept { return set_.next(); }

 private:
  detail::poll_set<T> set_;
};

}  // namespace fanout::async
