#pragma once
// Bounded streams of tasks on the consumer's loop: futures' `buffer_unordered(n)` and
// `buffered(n)` over `stream::iter(0..count).map(make)`.
//
//   auto make = [&](std::size_t i) { return work(i); };
//   buffer_unordered<int, decltype(make)> stream(10, count, make);
//   while (auto done = co_await stream.next()) use(done->id, done->get());
//
// At most `limit` children are in flight at once, counting those finished but not yet yielded.
// buffer_unordered yields in completion order; buffered yields in input order, so one slow head
// holds back every finished child behind it (head-of-line blocking). Both are poll-driven
// (poll_set.hpp): children progress only while the consumer awaits next().
#include <chrono>
#include <cstddef>
#include <vector>
#include <utility>

#include "harness/async/check.hpp"
#include "harness/async/poll_set.hpp"

namespace fanout::async {

namespace detail {

template <class T, class Make, bool Ordered>
class bounded_stream {
 public:
  bounded_stream(std::size_t limit, std::size_t count, Make make)
      : make_(std::move(make)), set_(Ordered, limit, {&thunk, this, count, nullptr}) {
    FANOUT_CHECK(limit > 0, "a buffered stream needs a limit of at least 1");
  }
  // Open loop: item i is not pulled from the source before arrivals[i].
  bounded_stream(std::size_t limit, const std::vector<std::chrono::steady_clock::time_point>& arrivals,
                 Make make)
      : make_(std::move(make)),
        arrivals_(&arrivals),
        set_(Ordered, limit, {&thunk, this, arrivals.size(), &arrival_of}) {
    FANOUT_CHECK(limit > 0, "a buffered stream needs a limit of at least 1");
  }
  bounded_stream(const bounded_stream&) = delete;
  bounded_stream& operator=(const bounded_stream&) = delete;

  // Awaitable: std::optional<outcome<T>> whose id is the input index; nullopt at the end.
  [[nodiscard]] auto next() noexcept { return set_.next(); }
  std::size_t in_flight() const noexcept { return set_.in_flight(); }
  // The most children ever in flight at once: never above the limit.
  std::size_t max_in_flight() const noexcept { return set_.max_in_flight(); }

 private:
  static task<T> thunk(void* self, std::size_t index) {
    return static_cast<bounded_stream*>(self)->make_(index);
  }
  static std::chrono::steady_clock::time_point arrival_of(void* self, std::size_t index) {
    return (*static_cast<bounded_stream*>(self)->arrivals_)[index];
  }
  Make make_;
  const std::vector<std::chrono::steady_clock::time_point>* arrivals_ = nullptr;
  poll_set<T> set_;
};

}  // namespace detail

template <class T, class Make>
using buffer_unordered = detail::bounded_stream<T, Make, false>;

template <class T, class Make>
using buffered = detail::bounded_stream<T, Make, true>;

}  // namespace fanout::async
