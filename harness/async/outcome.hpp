#pragma once
// outcome<T>: what a set hands back for one child: its id and either its value or the
// exception it ended with (tokio's Result<T, JoinError>, with the task id of join_next_with_id).
#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <utility>

namespace fanout::async {

template <class T>
struct outcome {
  std::size_t id = 0;        // the child's position in spawn/push order: 0, 1, 2, ...
  std::optional<T> value;    // set when the child returned
  std::exception_ptr error;  // set when it threw

  bool ok() const noexcept { return value.has_value(); }
  // The value, or the child's exception rethrown.
  T& get() {
    if (error) std::rethrow_exception(error);
    return *value;
  }
};

// The message of an exception_ptr, for reports.
inline std::string describe(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown exception";
  }
}

// Moves a finished task's result (or its exception) into an outcome.
template <class T, class Task>
outcome<T> take_outcome(std::size_t id, Task& t) noexcept {
  outcome<T> out;
  out.id = id;
  // Not rethrown to be caught: rethrowing allocates, and out of memory it would terminate.
  if ((out.error = t.error())) return out;
  try {
    out.value.emplace(t.take());
  } catch (...) {  // the value's own move threw
    out.error = std::current_exception();
  }
  return out;
}

}  // namespace fanout::async
