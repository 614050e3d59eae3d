// Segment-reduction kernels (layers/readout_kernels.hpp) against naive loops, edge cases, errors
// and thread-count determinism.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/parallel.hpp"
#include "core/random.hpp"
#include "layers/readout_kernels.hpp"

namespace graphpool {
namespace {

// node_ptr for graph sizes: a few fixed ones (empty, single node, empty last-but-one) then
// random sizes in [0, 9].
std::vector<Index> node_ptr_for(Index graphs, std::uint64_t seed) {
  CounterRng rng(seed, 1);
  std::vector<Index> ptr{0};
  for (Index g = 0; g < graphs; ++g) {
    Index n = static_cast<Index>(rng.below(static_cast<std::uint64_t>(g), 10));
    if (g == 0) n = 0;
    if (g == 1) n = 1;
    if (g == graphs - 2) n = 0;
    ptr.push_back(ptr.back() + n);
  }
  return ptr;
}

template <class T>
Tensor<T> random_features(Index rows, Index cols, std::uint64_t seed) {
  Tensor<T> x({rows, cols});
  CounterRng rng(seed, 2);
  for (Index i = 0; i < x.numel(); ++i) {
    x[i] = static_cast<T>(2 * rng.uniform(static_cast<std::uint64_t>(i)) - 1);
  }
  return x;
}

template <class T>
ConstMatrixMap<T> cview(const Tensor<T>& t) {
  return t.matrix();
}

// Naive references: one (graph, feature) at a time, straight from the definitions.
template <class T>
Tensor<T> naive_sum(const Tensor<T>& x, const std::vector<Index>& ptr, bool mean) {
  const Index G = static_cast<Index>(ptr.size()) - 1;
  Tensor<T> out({G, x.cols()});
  for (Index g = 0; g < G; ++g) {
    for (Index f = 0; f < x.cols(); ++f) {
      T s = 0;
      for (Index i = ptr[g]; i < ptr[g + 1]; ++i) s = s + x(i, f);
      const Index n = ptr[g + 1] - ptr[g];
      out(g, f) = (mean && n > 0) ? s / static_cast<T>(n) : s;
    }
  }
  return out;
}

// sign = +1 for max, -1 for min; first index wins ties; NaN wins (first NaN).
template <class T>
std::pair<Tensor<T>, std::vector<Index>> naive_arg(const Tensor<T>& x,
                                                   const std::vector<Index>& ptr, int sign) {
  const Index G = static_cast<Index>(ptr.size()) - 1;
  const Index F = x.cols();
  Tensor<T> out({G, F});
  std::vector<Index> arg(static_cast<std::size_t>(G * F), -1);
  for (Index g = 0; g < G; ++g) {
    for (Index f = 0; f < F; ++f) {
      Index best = -1;
      for (Index i = ptr[g]; i < ptr[g + 1]; ++i) {
        if (std::isnan(x(i, f))) {
          best = i;
          break;
        }
        if (best < 0 || sign * x(i, f) > sign * x(best, f)) best = i;
      }
      arg[static_cast<std::size_t>(g * F + f)] = best;
      out(g, f) = best < 0 ? T(0) : x(best, f);
    }
  }
  return {out, arg};
}

template <class T>
void expect_same_bits(const Tensor<T>& want, const Tensor<T>& got) {
  ASSERT_EQ(want.shape(), got.shape());
  for (Index i = 0; i < want.numel(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "element " << i;
    } else {
      EXPECT_EQ(want[i], got[i]) << "element " << i;
    }
  }
}

template <class T>
class ReadoutKernels : public ::testing::Test {};
using Scalars = ::testing::Types<float, double>;
TYPED_TEST_SUITE(ReadoutKernels, Scalars);

// F = 1, an odd width, one whole row block and F = 1000 (cut into feature blocks).
const Index kWidths[] = {1, 7, 128, 1000};

TYPED_TEST(ReadoutKernels, SumAndMeanMatchNaiveLoop) {
  using T = TypeParam;
  for (Index F : kWidths) {
    SCOPED_TRACE("F = " + std::to_string(F));
    const auto ptr = node_ptr_for(37, 11);
    const Tensor<T> x = random_features<T>(ptr.back(), F, 5);
    Tensor<T> out({36, 1});  // wrong shape first: must throw
    EXPECT_THROW(segment_sum<T>(cview(x), ptr, out.matrix()), ShapeError);
    out = Tensor<T>({37, F}, T(123));  // stale contents must be overwritten
    segment_sum<T>(cview(x), ptr, out.matrix());
    expect_same_bits(naive_sum(x, ptr, false), out);
    out.fill(T(123));
    segment_mean<T>(cview(x), ptr, out.matrix());
    expect_same_bits(naive_sum(x, ptr, true), out);
    EXPECT_EQ(out(0, 0), T(0));             // empty graph
    EXPECT_EQ(out(1, F - 1), x(0, F - 1));  // single node: mean is the node
  }
}

TYPED_TEST(ReadoutKernels, MaxAndMinMatchNaiveLoop) {
  using T = TypeParam;
  for (Index F : kWidths) {
    SCOPED_TRACE("F = " + std::to_string(F));
    const auto ptr = node_ptr_for(41, 12);
    const Index G = 41;
    const Tensor<T> x = random_features<T>(ptr.back(), F, 6);
    for (int sign : {1, -1}) {
      Tensor<T> out({G, F}, T(7));
      std::vector<Index> arg(static_cast<std::size_t>(G * F), 99);
      if (sign > 0) {
        segment_max<T>(cview(x), ptr, out.matrix(), arg);
      } else {
        segment_min<T>(cview(x), ptr, out.matrix(), arg);
      }
      auto [want, want_arg] = naive_arg(x, ptr, sign);
      expect_same_bits(want, out);
      EXPECT_EQ(want_arg, arg);
      EXPECT_EQ(arg[0], -1);  // graph 0 is empty
      EXPECT_EQ(out(0, 0), T(0));
      EXPECT_EQ(arg[static_cast<std::size_t>(F)], ptr[1]);  // graph 1 has one node
    }
  }
}

TYPED_TEST(ReadoutKernels, BackwardKernelsMatchNaiveLoop) {
  using T = TypeParam;
  for (Index F : kWidths) {
    SCOPED_TRACE("F = " + std::to_string(F));
    const auto ptr = node_ptr_for(23, 13);
    const Index G = 23, N = ptr.back();
    const Tensor<T> x = random_features<T>(N, F, 8);
    const Tensor<T> go = random_features<T>(G, F, 9);
    const Tensor<T> base = random_features<T>(N, F, 10);  // kernels must ADD into grad_x
    for (int which = 0; which < 3; ++which) {
      Tensor<T> got = base;
      Tensor<T> want = base;
      std::vector<Index> arg(static_cast<std::size_t>(G * F));
      if (which == 0) segment_sum_backward<T>(cview(go), ptr, got.matrix());
      if (which == 1) segment_mean_backward<T>(cview(go), ptr, got.matrix());
      if (which == 2) {
        Tensor<T> out({G, F});
        segment_max<T>(cview(x), ptr, out.matrix(), arg);
        segment_arg_backward<T>(cview(go), arg, got.matrix());
      }
      for (Index g = 0; g < G; ++g) {
        const Index n = ptr[g + 1] - ptr[g];
        for (Index i = ptr[g]; i < ptr[g + 1]; ++i) {
          for (Index f = 0; f < F; ++f) {
            T d = 0;
            if (which == 0) d = go(g, f);
            if (which == 1) d = go(g, f) / static_cast<T>(n);
            if (which == 2 && arg[static_cast<std::size_t>(g * F + f)] == i) d = go(g, f);
            if (which != 2 || d != T(0)) want(i, f) = want(i, f) + d;
          }
        }
      }
      SCOPED_TRACE("which = " + std::to_string(which));
      expect_same_bits(want, got);
    }
  }
}

TYPED_TEST(ReadoutKernels, TiesGoToTheFirstNode) {
  using T = TypeParam;
  // one graph, x = [1, 1, 0.5] (the golden readout_max_ties input) and its negation for min
  const std::vector<Index> ptr{0, 3};
  const Tensor<T> x({3, 1}, std::vector<T>{1, 1, 0.5});
  const Tensor<T> neg({3, 1}, std::vector<T>{-1, -1, -0.5});
  Tensor<T> out({1, 1});
  std::vector<Index> arg(1);
  segment_max<T>(cview(x), ptr, out.matrix(), arg);
  EXPECT_EQ(out[0], T(1));
  EXPECT_EQ(arg[0], 0);
  segment_min<T>(cview(neg), ptr, out.matrix(), arg);
  EXPECT_EQ(out[0], T(-1));
  EXPECT_EQ(arg[0], 0);
  Tensor<T> grad({3, 1});
  const Tensor<T> go({1, 1}, T(1));
  segment_arg_backward<T>(cview(go), arg, grad.matrix());
  EXPECT_EQ(grad[0], T(1));
  EXPECT_EQ(grad[1], T(0));
  EXPECT_EQ(grad[2], T(0));
}

TYPED_TEST(ReadoutKernels, NanPropagatesToItsGraphOnly) {
  using T = TypeParam;
  const T nan = std::numeric_limits<T>::quiet_NaN();
  // graph 0 = rows 0..2 (NaN in row 1, feature 0; row 2 feature 0 is larger/smaller than all),
  // graph 1 = rows 3..4 (no NaN)
  const std::vector<Index> ptr{0, 3, 5};
  const Tensor<T> x({5, 2}, std::vector<T>{0, 1, nan, 2, 5, 3, 4, 6, -4, 7});
  const Tensor<T> x_min({5, 2}, std::vector<T>{0, 1, nan, 2, -5, 3, 4, 6, -4, 7});
  Tensor<T> out({2, 2});
  segment_sum<T>(cview(x), ptr, out.matrix());
  EXPECT_TRUE(std::isnan(out(0, 0)));
  EXPECT_EQ(out(0, 1), T(6));
  EXPECT_EQ(out(1, 0), T(0));
  segment_mean<T>(cview(x), ptr, out.matrix());
  EXPECT_TRUE(std::isnan(out(0, 0)));
  EXPECT_EQ(out(0, 1), T(2));
  std::vector<Index> arg(4);
  segment_max<T>(cview(x), ptr, out.matrix(), arg);
  EXPECT_TRUE(std::isnan(out(0, 0)));  // NaN beats the later 5
  EXPECT_EQ(arg[0], 1);
  EXPECT_EQ(out(0, 1), T(3));
  EXPECT_EQ(out(1, 0), T(4));
  segment_min<T>(cview(x_min), ptr, out.matrix(), arg);
  EXPECT_TRUE(std::isnan(out(0, 0)));  // NaN beats the later -5
  EXPECT_EQ(arg[0], 1);
  EXPECT_EQ(out(1, 0), T(-4));
  // a NaN in the first node is kept as well (nothing beats it), and the first NaN keeps the arg
  const Tensor<T> first({3, 1}, std::vector<T>{nan, 9, nan});
  std::vector<Index> arg1(1);
  Tensor<T> out1({1, 1});
  segment_max<T>(cview(first), std::vector<Index>{0, 3}, out1.matrix(), arg1);
  EXPECT_TRUE(std::isnan(out1[0]));
  EXPECT_EQ(arg1[0], 0);
  segment_min<T>(cview(first), std::vector<Index>{0, 3}, out1.matrix(), arg1);
  EXPECT_TRUE(std::isnan(out1[0]));
  EXPECT_EQ(arg1[0], 0);
}

TYPED_TEST(ReadoutKernels, NoGraphsAndOnlyEmptyGraphs) {
  using T = TypeParam;
  const Tensor<T> none({0, 3});
  Tensor<T> out0({0, 3});
  segment_sum<T>(cview(none), std::vector<Index>{0}, out0.matrix());  // G = 0: nothing to do
  Tensor<T> out({2, 3}, T(5));
  std::vector<Index> arg(6, 5);
  segment_max<T>(cview(none), std::vector<Index>{0, 0, 0}, out.matrix(), arg);
  for (Index i = 0; i < 6; ++i) {
    EXPECT_EQ(out[i], T(0));
    EXPECT_EQ(arg[static_cast<std::size_t>(i)], -1);
  }
  segment_mean<T>(cview(none), std::vector<Index>{0, 0, 0}, out.matrix());
  for (Index i = 0; i < 6; ++i) EXPECT_EQ(out[i], T(0));
}

TEST(ReadoutKernels, InvalidNodePtrThrows) {
  const Tensor<double> x({4, 2});
  Tensor<double> out({2, 2});
  auto run = [&](std::vector<Index> ptr) { segment_sum<double>(cview(x), ptr, out.matrix()); };
  EXPECT_THROW(run({}), ShapeError);
  EXPECT_THROW(run({1, 4, 4}), ValueError);
  EXPECT_THROW(run({0, 3, 2}), ValueError);
  EXPECT_THROW(run({0, 2, 3}), ShapeError);  // ends at 3, x has 4 rows
  try {
    run({0, 3, 2});
    FAIL() << "no throw";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("node_ptr[2] = 2 < node_ptr[1] = 3"), std::string::npos)
        << e.what();
  }
  std::vector<Index> short_arg(3);
  EXPECT_THROW(segment_max<double>(cview(x), std::vector<Index>{0, 2, 4}, out.matrix(), short_arg),
               ShapeError);
  Tensor<double> gx({4, 3});
  const Tensor<double> go({2, 2});
  std::vector<Index> arg(4, 0);
  EXPECT_THROW(segment_arg_backward<double>(cview(go), arg, gx.matrix()), ShapeError);
}

TEST(ReadoutKernels, OneAndTwoThreadsGiveTheSameBits) {
  // Many tiles: 3000 graphs of 0..9 nodes, and a wide F = 300 cut into feature blocks.
  for (Index F : {Index(24), Index(300)}) {
    const auto ptr = node_ptr_for(3000, 21);
    const Index G = 3000;
    const Tensor<float> x = random_features<float>(ptr.back(), F, 22);
    const Tensor<float> go = random_features<float>(G, F, 23);
    auto run = [&](int threads) {
      ThreadLimit limit(threads);
      std::vector<Tensor<float>> results;
      std::vector<Index> arg(static_cast<std::size_t>(G * F));
      Tensor<float> out({G, F});
      segment_sum<float>(cview(x), ptr, out.matrix());
      results.push_back(out);
      segment_mean<float>(cview(x), ptr, out.matrix());
      results.push_back(out);
      segment_min<float>(cview(x), ptr, out.matrix(), arg);
      results.push_back(out);
      segment_max<float>(cview(x), ptr, out.matrix(), arg);
      results.push_back(out);
      Tensor<float> gx({ptr.back(), F});
      segment_sum_backward<float>(cview(go), ptr, gx.matrix());
      segment_mean_backward<float>(cview(go), ptr, gx.matrix());
      segment_arg_backward<float>(cview(go), arg, gx.matrix());
      results.push_back(gx);
      return results;
    };
    const auto one = run(1);
    const auto two = run(2);
    for (std::size_t k = 0; k < one.size(); ++k) {
      ASSERT_EQ(one[k].numel(), two[k].numel());
      EXPECT_EQ(0, std::memcmp(one[k].data(), two[k].data(),
                               static_cast<std::size_t>(one[k].numel()) * sizeof(float)))
          << "result " << k << ", F = " << F;
    }
  }
}

}  // namespace
}  // namespace graphpool
