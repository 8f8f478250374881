#pragma once
// For tests whose order of events is set by timers a few milliseconds apart: that order holds
// only if the host does not stall the test between arming them, which a loaded or sanitized
// build cannot promise. A try that comes out in another order is made again; a wrong order
// from the code under test fails every try.
namespace fanout::testing {

// Calls `run` until it returns `want`, at most `tries` times; returns the last result.
template <class Run, class T>
auto retried_until(Run run, const T& want, int tries = 3) {
  auto got = run();
  for (int i = 1; i < tries && !(got == want); ++i) got = run();
  return got;
}

}  // namespace fanout::testing
