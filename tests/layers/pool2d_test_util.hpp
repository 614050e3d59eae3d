#pragma once
// Helpers shared by the 2-D pooling tests: run an op on a tape and read its gradient, compare
// tensors, check a golden case, and the naive torch window rule written out independently.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/tape.hpp"
#include "tests/support/compare.hpp"
#include "tests/support/golden.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool::testing {

template <class T>
struct OpRun {
  Tensor<T> out;
  Tensor<T> grad_x;
};

/// out = f(x) on a fresh tape; grad_x = d sum(out * seed) / dx (seed ones when null).
template <class T, class F>
OpRun<T> run_op(const Tensor<T>& x, F&& f, const Tensor<T>* seed = nullptr) {
  Tape<T> tape;
  Var<T> xv = tape.leaf(x);
  Var<T> y = f(xv);
  OpRun<T> r;
  r.out = y.value();
  Tensor<T> s = seed ? *seed : Tensor<T>(y.shape(), T(1));
  tape.backward(y, s);
  r.grad_x = tape.grad(xv);
  return r;
}

/// Runs `op` on the golden case's in_x and compares out and grad_x (seeded with grad_out).
inline void expect_golden(const std::string& name,
                          const std::function<Var<double>(Var<double>)>& op, double tol = 1e-10) {
  SCOPED_TRACE(name);
  GoldenCase c = load_golden(name);
  const Tensor<double>& seed = c.tensor("grad_out");
  OpRun<double> r = run_op(c.tensor("in_x"), op, &seed);
  ASSERT_EQ(r.out.shape(), c.tensor("out").shape());
  EXPECT_LT(max_abs_diff(r.out, c.tensor("out")), tol);
  EXPECT_LT(max_abs_diff(r.grad_x, c.tensor("grad_x")), tol);
}

/// torch's pooled length, written with floating-point floor / ceil (independent of the library).
inline Index naive_out_size(Index in, Index k, Index s, Index p, Index d, bool ceil_mode) {
  const double span = static_cast<double>(in + 2 * p - d * (k - 1) - 1) / static_cast<double>(s);
  Index out = static_cast<Index>(ceil_mode ? std::ceil(span) : std::floor(span)) + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

/// The in-bounds (h, w) of window (oh, ow), row-major, checking every nominal position.
inline std::vector<std::pair<Index, Index>> naive_window(Index oh, Index ow, Index H, Index W,
                                                         Index kh, Index kw, Index sh, Index sw,
                                                         Index ph, Index pw, Index dh = 1,
                                                         Index dw = 1) {
  std::vector<std::pair<Index, Index>> cells;
  for (Index i = 0; i < kh; ++i)
    for (Index j = 0; j < kw; ++j) {
      const Index h = oh * sh - ph + i * dh, w = ow * sw - pw + j * dw;
      if (h >= 0 && h < H && w >= 0 && w < W) cells.emplace_back(h, w);
    }
  return cells;
}

}  // namespace graphpool::testing
