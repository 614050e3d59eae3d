#include "layers/avg_pool2d.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/errors.hpp"
#include "layers/cluster_pool.hpp"
#include "layers/window_clusters.hpp"
#include "tests/layers/pool2d_test_util.hpp"

namespace graphpool {
namespace {

using testing::expect_golden;
using testing::max_abs_diff;
using testing::naive_out_size;

struct AvgCase {
  Index k, s, p;
  bool ceil, include_pad;
};

AvgPool2dOptions options_of(const AvgCase& c) {
  return AvgPool2dOptions(c.k).stride(c.s).padding(c.p).ceil_mode(c.ceil).count_include_pad(
      c.include_pad);
}

// torch's avg_pool2d loop: the divisor counts the window clipped to [-p, in + p)
template <class T>
Tensor<T> naive_avg_pool(const Tensor<T>& x, const AvgCase& c) {
  const Index N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  const Index OH = naive_out_size(H, c.k, c.s, c.p, 1, c.ceil);
  const Index OW = naive_out_size(W, c.k, c.s, c.p, 1, c.ceil);
  Tensor<T> out(Shape{N, C, OH, OW});
  for (Index n = 0; n < N; ++n)
    for (Index ch = 0; ch < C; ++ch)
      for (Index oh = 0; oh < OH; ++oh)
        for (Index ow = 0; ow < OW; ++ow) {
          Index h0 = oh * c.s - c.p, w0 = ow * c.s - c.p;
          Index h1 = std::min(h0 + c.k, H + c.p), w1 = std::min(w0 + c.k, W + c.p);
          const Index padded = (h1 - h0) * (w1 - w0);
          h0 = std::max<Index>(h0, 0);
          w0 = std::max<Index>(w0, 0);
          h1 = std::min(h1, H);
          w1 = std::min(w1, W);
          T s = 0;
          for (Index h = h0; h < h1; ++h)
            for (Index w = w0; w < w1; ++w) s += x(n, ch, h, w);
          out(n, ch, oh, ow) = s / static_cast<T>(c.include_pad ? padded : (h1 - h0) * (w1 - w0));
        }
  return out;
}

const AvgCase kCases[] = {{3, 2, 1, false, true}, {3, 2, 1, false, false}, {2, 2, 0, true, true},
                          {2, 2, 0, false, true}, {3, 2, 1, true, true},   {3, 2, 1, true, false},
                          {4, 3, 2, true, true},  {3, 1, 1, false, true},  {2, 1, 1, true, false}};

TEST(AvgPool2d, MatchesGoldenCases) {
  expect_golden("avg_pool2d_k3s2p1_incl", [](Var<double> x) {
    return avg_pool2d(x, AvgPool2dOptions(3).stride(2).padding(1).count_include_pad(true));
  });
  expect_golden("avg_pool2d_k3s2p1_excl", [](Var<double> x) {
    return avg_pool2d(x, AvgPool2dOptions(3).stride(2).padding(1).count_include_pad(false));
  });
  expect_golden("avg_pool2d_k2s2_ceil",
                [](Var<double> x) { return avg_pool2d(x, AvgPool2dOptions(2).ceil_mode(true)); });
}

TEST(AvgPool2d, MatchesNaiveLoop) {
  for (const AvgCase& c : kCases)
    for (Shape s : {Shape{2, 3, 9, 11}, Shape{1, 2, 8, 8}, Shape{1, 1, 5, 13}}) {
      SCOPED_TRACE(s.str() + " k" + std::to_string(c.k) + " p" + std::to_string(c.p));
      Tensor<double> x = testing::random_tensor(s, 21);
      Tensor<double> got;
      avg_pool2d(x, options_of(c), got);
      Tensor<double> want = naive_avg_pool(x, c);
      ASSERT_EQ(got.shape(), want.shape());
      EXPECT_LT(max_abs_diff(got, want), 1e-14);
      Tensor<float> xf = testing::random_tensor_float(s, 22), gotf;
      avg_pool2d(xf, options_of(c), gotf);
      EXPECT_LT(max_abs_diff(gotf, naive_avg_pool(xf, c)), 1e-6);
    }
}

TEST(AvgPool2d, GradcheckDouble) {
  for (const AvgCase& c : kCases) {
    auto result = testing::gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) {
          return avg_pool2d(in[0], options_of(c));
        },
        {testing::random_tensor({2, 2, 7, 8}, 12)});
    EXPECT_TRUE(result.ok) << result.report;
  }
}

TEST(AvgPool2d, InvalidOptionsNameTheValue) {
  Tensor<float> x(Shape{1, 1, 6, 6}), y;
  EXPECT_THROW(avg_pool2d(x, AvgPool2dOptions(0), y), ValueError);
  try {
    avg_pool2d(x, AvgPool2dOptions(2).padding(2), y);
    ADD_FAILURE();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("padding [2, 2] for kernel_size [2, 2]"),
              std::string::npos);
  }
  EXPECT_THROW(avg_pool2d(x, AvgPool2dOptions(7), y), ValueError);
}

TEST(AvgPool2d, BitwiseIdenticalAcrossThreadCounts) {
  Tensor<float> x = testing::random_tensor_float({4, 8, 33, 31}, 5);
  Tensor<float> seed = testing::random_tensor_float({4, 8, 17, 16}, 6);
  auto run = [&] {
    return testing::run_op(
        x, [](Var<float> v) { return avg_pool2d(v, AvgPool2dOptions(3).stride(2).padding(1)); },
        &seed);
  };
  testing::OpRun<float> one, two;
  {
    ThreadLimit limit(1);
    one = run();
  }
  {
    ThreadLimit limit(2);
    two = run();
  }
  EXPECT_TRUE(testing::bitwise_equal(one.out, two.out));
  EXPECT_TRUE(testing::bitwise_equal(one.grad_x, two.grad_x));
}

TEST(AvgPool2d, WideRowsMatchNaiveLoop) {
  // rows long enough for the vectorised bodies and their tails (out widths 3 .. 112)
  for (const AvgCase& c : kCases)
    for (Shape s : {Shape{1, 2, 10, 45}, Shape{1, 1, 7, 112}, Shape{2, 1, 5, 33}}) {
      SCOPED_TRACE(s.str() + " k" + std::to_string(c.k) + " p" + std::to_string(c.p));
      Tensor<double> x = testing::random_tensor(s, 24), got;
      avg_pool2d(x, options_of(c), got);
      EXPECT_LT(max_abs_diff(got, naive_avg_pool(x, c)), 1e-14);
      Tensor<float> xf = testing::random_tensor_float(s, 25), gotf;
      avg_pool2d(xf, options_of(c), gotf);
      EXPECT_LT(max_abs_diff(gotf, naive_avg_pool(xf, c)), 1e-6);
    }
}

TEST(AvgPool2d, OverwritingBackwardEqualsZeroThenAccumulate) {
  for (const AvgCase& c : kCases)
    // odd H and W: with exact 2 x 2 windows the last row / column is in no window
    for (Shape s : {Shape{1, 2, 9, 11}, Shape{2, 1, 10, 45}, Shape{1, 1, 7, 112}}) {
      SCOPED_TRACE(s.str() + " k" + std::to_string(c.k) + " p" + std::to_string(c.p));
      const PoolGrid grid = avg_pool2d_grid(options_of(c), s[2], s[3]);
      const Tensor<float> g =
          testing::random_tensor_float(Shape{s[0], s[1], grid.out_h(), grid.out_w()}, 26);
      Tensor<float> want(s, 0.0f);
      avg_pool2d_planes_backward(g.data(), s[0] * s[1], grid, c.include_pad, want.data());
      // garbage first: every element must be assigned
      Tensor<float> got(s, std::numeric_limits<float>::quiet_NaN());
      avg_pool2d_planes_backward(g.data(), s[0] * s[1], grid, c.include_pad, got.data(), false);
      EXPECT_EQ(max_abs_diff(got, want), 0.0);
    }
}

// The vectorised row kernels (exact 2 x 2, strided k2 / k3 with padding and ceil_mode): 8 float
// (4 double) outputs per step plus a scalar tail, so widths around and past those multiples.
const AvgCase kVectorCases[] = {{2, 2, 0, false, true}, {2, 2, 0, true, false},
                                {2, 2, 1, false, true}, {2, 2, 1, true, false},
                                {3, 2, 1, false, true}, {3, 2, 1, false, false},
                                {3, 2, 1, true, true},  {3, 2, 1, true, false}};
const Shape kVectorShapes[] = {Shape{1, 2, 9, 35}, Shape{2, 1, 16, 47}, Shape{1, 1, 5, 113},
                               Shape{1, 1, 4, 16}, Shape{1, 1, 3, 17},  Shape{1, 2, 7, 64}};

// Elementwise: both NaN, or within tol.
template <class T>
void expect_close_or_both_nan(const Tensor<T>& got, const Tensor<T>& want, double tol) {
  ASSERT_EQ(got.shape(), want.shape());
  for (Index i = 0; i < got.numel(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "at " << i;
    } else {
      EXPECT_NEAR(got[i], want[i], tol) << "at " << i;
    }
  }
}

TEST(AvgPool2d, VectorKernelsMatchNaiveLoopOnOddSizesWithNaN) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const AvgCase& c : kVectorCases)
    for (const Shape& s : kVectorShapes) {
      SCOPED_TRACE(s.str() + " k" + std::to_string(c.k) + " p" + std::to_string(c.p) +
                   (c.ceil ? " ceil" : "") + (c.include_pad ? " incl" : " excl"));
      Tensor<double> x = testing::random_tensor(s, 31);
      Tensor<float> xf = testing::random_tensor_float(s, 32);
      // NaNs in the first vector, mid-row, in the tail and in the last row / column
      for (Index i : {Index(1), s.numel() / 3, s.numel() - 1, s[3] * 2 + s[3] - 2}) {
        x[i % s.numel()] = nan;
        xf[i % s.numel()] = static_cast<float>(nan);
      }
      Tensor<double> got;
      avg_pool2d(x, options_of(c), got);
      expect_close_or_both_nan(got, naive_avg_pool(x, c), 1e-14);
      Tensor<float> gotf;
      avg_pool2d(xf, options_of(c), gotf);
      expect_close_or_both_nan(gotf, naive_avg_pool(xf, c), 1e-6);
    }
}

TEST(AvgPool2d, VectorKernelsEqualClusterMeanForwardAndBackward) {
  // wide rows: the cluster path (cluster_mean_pool on window_clusters) against the grid kernels
  const Tensor<double> image = testing::random_tensor({1, 3, 11, 41}, 33);
  for (const AvgCase& c : kVectorCases) {
    SCOPED_TRACE("k" + std::to_string(c.k) + " p" + std::to_string(c.p) + (c.ceil ? " ceil" : "") +
                 (c.include_pad ? " incl" : " excl"));
    const PoolGrid grid = avg_pool2d_grid(options_of(c), 11, 41);
    const Index OH = grid.out_h(), OW = grid.out_w(), C = 3;
    const Tensor<double> seed = testing::random_tensor({1, C, OH, OW}, 34);
    testing::OpRun<double> fast = testing::run_op(
        image, [&](Var<double> v) { return avg_pool2d(v, options_of(c)); }, &seed);
    Tensor<double> seed_nodes(Shape{OH * OW, C});
    for (Index ch = 0; ch < C; ++ch)
      for (Index k = 0; k < OH * OW; ++k) seed_nodes[k * C + ch] = seed[ch * OH * OW + k];
    const ClusterMembership m = window_clusters(grid);
    testing::OpRun<double> slow = testing::run_op(
        image_to_nodes(image),
        [&](Var<double> v) { return cluster_mean_pool(v, m, c.include_pad); }, &seed_nodes);
    EXPECT_LT(max_abs_diff(fast.out, nodes_to_image(slow.out, OH, OW)), 1e-14);
    EXPECT_LT(max_abs_diff(fast.grad_x, nodes_to_image(slow.grad_x, 11, 41)), 1e-14);
  }
}

TEST(AvgPool2d, VectorKernelsBitwiseIdenticalAcrossThreadCounts) {
  const Tensor<float> x = testing::random_tensor_float({4, 8, 34, 71}, 35);
  for (const AvgCase& c : kVectorCases) {
    SCOPED_TRACE("k" + std::to_string(c.k) + " p" + std::to_string(c.p) + (c.ceil ? " ceil" : ""));
    Tensor<float> one, two;
    {
      ThreadLimit limit(1);
      avg_pool2d(x, options_of(c), one);
    }
    {
      ThreadLimit limit(2);
      avg_pool2d(x, options_of(c), two);
    }
    EXPECT_TRUE(testing::bitwise_equal(one, two));
  }
}

}  // namespace
}  // namespace graphpool
