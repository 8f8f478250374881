#pragma once
// The registry's strategies as GoogleTest type lists, so that typed tests cover every strategy
// (and a new one) without naming any.
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "harness/strategies/registry.hpp"

namespace fanout::strategies {

template <class Tuple>
struct as_gtest_types;
template <class... S>
struct as_gtest_types<std::tuple<S...>> {
  using type = ::testing::Types<S...>;
};

// The strategies of the registry whose traits have `Flag` set.
template <class Tuple, bool traits::*Flag>
struct with_trait;
template <class... S, bool traits::*Flag>
struct with_trait<std::tuple<S...>, Flag> {
  using type = decltype(std::tuple_cat(
      std::declval<std::conditional_t<S::info.*Flag, std::tuple<S>, std::tuple<>>>()...));
};
template <bool traits::*Flag>
using types_with = typename as_gtest_types<typename with_trait<all, Flag>::type>::type;

using all_types = as_gtest_types<all>::type;

// The strategies of the registry that run on TBB (`on_tbb`), or those that do not: the tsan
// preset leaves out tests labelled `tbb` (tests/CMakeLists.txt).
template <class Tuple, bool OnTbb>
struct by_tbb;
template <class... S, bool OnTbb>
struct by_tbb<std::tuple<S...>, OnTbb> {
  using type = decltype(std::tuple_cat(
      std::declval<
          std::conditional_t<uses_tbb(S::info) == OnTbb, std::tuple<S>, std::tuple<>>>()...));
};
template <bool OnTbb>
using types_by_tbb = typename as_gtest_types<typename by_tbb<all, OnTbb>::type>::type;

struct strategy_name {
  template <class S>
  static std::string GetName(int) {
    return S::info.name;
  }
};

}  // namespace fanout::strategies
