#pragma once
/// Tensor comparisons shared by every test binary (defined once: two different inline bodies
/// under one name in one binary would be an ODR violation).
///   EXPECT_LT(max_abs_diff(got, want), 1e-12);
///   EXPECT_TRUE(bitwise_equal(one_thread, two_threads));
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "core/tensor.hpp"

namespace graphpool::testing {

/// max_i |a_i - b_i| in double (a failed expectation and 1e300 when the sizes differ).
template <class A, class B>
double max_abs_diff(const Tensor<A>& a, const Tensor<B>& b) {
  EXPECT_EQ(a.numel(), b.numel());
  if (a.numel() != b.numel()) return 1e300;
  double m = 0;
  for (Index i = 0; i < a.numel(); ++i) {
    const double d = std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    m = std::isnan(d) ? d : std::max(m, d);
    if (std::isnan(m)) return m;
  }
  return m;
}

/// Same shape and the same bytes (NaN payloads and signed zeros included).
template <class T>
bool bitwise_equal(const Tensor<T>& a, const Tensor<T>& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), sizeof(T) * static_cast<std::size_t>(a.numel())) == 0;
}

/// The message of the exception `E` thrown by f (a failed expectation when none is thrown).
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return {};
}

/// A span's elements as a vector, for EXPECT_EQ against a literal list.
template <class T>
std::vector<std::remove_const_t<T>> to_vector(std::span<T> s) {
  return {s.begin(), s.end()};
}

}  // namespace graphpool::testing
