#include "layers/max_pool2d.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/ops.hpp"
#include "tests/layers/pool2d_test_util.hpp"

namespace graphpool {
namespace {

using testing::expect_golden;
using testing::max_abs_diff;
using testing::naive_out_size;
using testing::naive_window;
using testing::random_tensor;

struct MaxCase {
  Index kh, kw, sh, sw, ph, pw, dh, dw;
  bool ceil;
};

MaxPool2dOptions options_of(const MaxCase& c) {
  return MaxPool2dOptions({c.kh, c.kw})
      .stride({c.sh, c.sw})
      .padding({c.ph, c.pw})
      .dilation({c.dh, c.dw})
      .ceil_mode(c.ceil);
}

// out and first arg-max by a direct loop over each window's nominal positions
template <class T>
void naive_max_pool(const Tensor<T>& x, const MaxCase& c, Tensor<T>& out,
                    std::vector<std::int32_t>& idx) {
  const Index N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  const Index OH = naive_out_size(H, c.kh, c.sh, c.ph, c.dh, c.ceil);
  const Index OW = naive_out_size(W, c.kw, c.sw, c.pw, c.dw, c.ceil);
  out = Tensor<T>(Shape{N, C, OH, OW});
  idx.assign(static_cast<std::size_t>(out.numel()), -1);
  for (Index n = 0; n < N; ++n)
    for (Index ch = 0; ch < C; ++ch)
      for (Index oh = 0; oh < OH; ++oh)
        for (Index ow = 0; ow < OW; ++ow) {
          T best = -std::numeric_limits<T>::infinity();
          Index arg = -1;
          for (auto [h, w] :
               naive_window(oh, ow, H, W, c.kh, c.kw, c.sh, c.sw, c.ph, c.pw, c.dh, c.dw))
            if (arg < 0 || x(n, ch, h, w) > best) {
              best = x(n, ch, h, w);
              arg = h * W + w;
            }
          out(n, ch, oh, ow) = best;
          idx[static_cast<std::size_t>(((n * C + ch) * OH + oh) * OW + ow)] =
              static_cast<std::int32_t>(arg);
        }
}

const MaxCase kCases[] = {
    {3, 3, 2, 2, 1, 1, 1, 1, false}, {2, 2, 2, 2, 0, 0, 1, 1, true},
    {3, 3, 1, 1, 0, 0, 2, 2, false}, {2, 3, 1, 2, 0, 0, 1, 1, false},
    {3, 3, 2, 2, 1, 1, 1, 1, true},  {4, 3, 3, 2, 2, 1, 2, 1, true},
    {2, 2, 2, 2, 0, 0, 1, 1, false}, {3, 2, 2, 3, 1, 1, 1, 2, true},
};

TEST(MaxPool2d, MatchesGoldenCases) {
  expect_golden("max_pool2d_k3s2p1", [](Var<double> x) {
    return max_pool2d(x, MaxPool2dOptions(3).stride(2).padding(1));
  });
  expect_golden("max_pool2d_k2s2_ceil",
                [](Var<double> x) { return max_pool2d(x, MaxPool2dOptions(2).ceil_mode(true)); });
  expect_golden("max_pool2d_k3s1_dil2", [](Var<double> x) {
    return max_pool2d(x, MaxPool2dOptions(3).stride(1).dilation(2));
  });
  expect_golden("max_pool2d_k2x3_s1x2", [](Var<double> x) {
    return max_pool2d(x, MaxPool2dOptions({2, 3}).stride({1, 2}));
  });
}

TEST(MaxPool2d, MatchesNaiveLoopValuesAndIndices) {
  for (const MaxCase& c : kCases) {
    for (Shape s : {Shape{2, 3, 9, 11}, Shape{1, 2, 8, 8}, Shape{1, 1, 7, 13}}) {
      SCOPED_TRACE(s.str() + " k" + std::to_string(c.kh) + "x" + std::to_string(c.kw));
      Tensor<float> x = testing::random_tensor_float(s, 7);
      Tensor<float> want, got;
      std::vector<std::int32_t> want_idx, got_idx;
      naive_max_pool(x, c, want, want_idx);
      max_pool2d(x, options_of(c), got, &got_idx);
      ASSERT_EQ(got.shape(), want.shape());
      EXPECT_EQ(max_abs_diff(got, want), 0.0);
      EXPECT_EQ(got_idx, want_idx);
      Tensor<float> no_idx;
      max_pool2d(x, options_of(c), no_idx);  // the value-only kernels
      EXPECT_EQ(max_abs_diff(no_idx, want), 0.0);
    }
  }
}

TEST(MaxPool2d, TiesGoToFirstArgMaxInRowMajorOrder) {
  // values in {0, 1, 2}: many ties, also across rows and columns of a window
  Tensor<double> x(Shape{2, 2, 9, 10});
  for (Index i = 0; i < x.numel(); ++i) x[i] = static_cast<double>((i * 7919 % 13) % 3);
  for (const MaxCase& c : kCases) {
    Tensor<double> want, got;
    std::vector<std::int32_t> want_idx, got_idx;
    naive_max_pool(x, c, want, want_idx);
    max_pool2d(x, options_of(c), got, &got_idx);
    EXPECT_EQ(got_idx, want_idx);
  }
  // all-equal window: torch gives everything to the first element
  Tensor<double> ones(Shape{1, 1, 2, 2}, 1.0);
  testing::OpRun<double> r =
      testing::run_op(ones, [](Var<double> v) { return max_pool2d(v, MaxPool2dOptions(2)); });
  EXPECT_EQ(r.grad_x[0], 1.0);
  EXPECT_EQ(r.grad_x[1] + r.grad_x[2] + r.grad_x[3], 0.0);
}

TEST(MaxPool2d, GradcheckDouble) {
  for (const MaxCase& c : kCases) {
    auto result = testing::gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) {
          return max_pool2d(in[0], options_of(c));
        },
        {random_tensor({2, 2, 7, 8}, 11)});
    EXPECT_TRUE(result.ok) << result.report;
  }
}

TEST(MaxPool2d, CeilModeDropsLastWindowStartingInPadding) {
  // H = 5, k2 s2 p1: ceil gives 4 windows, but the 4th would start at 6 - 1 = 5 = H (padding)
  Tensor<float> x = testing::random_tensor_float({1, 1, 5, 5}, 3);
  Tensor<float> y;
  max_pool2d(x, MaxPool2dOptions(2).padding(1).ceil_mode(true), y);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 3, 3}));
  max_pool2d(x, MaxPool2dOptions(2).padding(1), y);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 3, 3}));
  // H = 6, k3 s2: floor 2, ceil 3 (the last window covers only row 4..5)
  Tensor<float> x6 = testing::random_tensor_float({1, 1, 6, 6}, 4);
  max_pool2d(x6, MaxPool2dOptions(3).stride(2).ceil_mode(true), y);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 3, 3}));
  EXPECT_EQ(y(0, 0, 2, 2),
            std::max({x6(0, 0, 4, 4), x6(0, 0, 4, 5), x6(0, 0, 5, 4), x6(0, 0, 5, 5)}));
}

TEST(MaxPool2d, InvalidOptionsNameTheValue) {
  Tensor<float> x(Shape{1, 1, 6, 6});
  Tensor<float> y;
  auto expect_value_error = [&](const MaxPool2dOptions& o, const std::string& needle) {
    try {
      max_pool2d(x, o, y);
      ADD_FAILURE() << "no ValueError for " << needle;
    } catch (const ValueError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_value_error(MaxPool2dOptions(0), "kernel_size must be > 0, got [0, 0]");
  expect_value_error(MaxPool2dOptions(2).stride({1, 0}), "stride must be > 0, got [1, 0]");
  expect_value_error(MaxPool2dOptions(3).padding(2), "padding [2, 2] for kernel_size [3, 3]");
  expect_value_error(MaxPool2dOptions(2).padding({0, -1}), "padding must be >= 0, got [0, -1]");
  expect_value_error(MaxPool2dOptions(2).dilation(0), "dilation must be > 0, got [0, 0]");
  expect_value_error(MaxPool2dOptions(4).dilation(2), "output size");
  EXPECT_THROW(max_pool2d(Tensor<float>(Shape{6, 6}), MaxPool2dOptions(2), y), ShapeError);
}

TEST(MaxPool2d, BitwiseIdenticalAcrossThreadCounts) {
  Tensor<float> x = testing::random_tensor_float({4, 8, 33, 31}, 5);
  Tensor<float> seed = testing::random_tensor_float({4, 8, 17, 16}, 6);
  auto run = [&] {
    return testing::run_op(
        x, [](Var<float> v) { return max_pool2d(v, MaxPool2dOptions(3).stride(2).padding(1)); },
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

TEST(MaxPool2d, NanPropagates) {
  Tensor<double> x(Shape{1, 1, 2, 4}, 1.0);
  x[1] = std::numeric_limits<double>::quiet_NaN();
  Tensor<double> y;
  max_pool2d(x, MaxPool2dOptions(2), y);
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_EQ(y[1], 1.0);
}

TEST(MaxUnpool2d, PutsMaximaBackAndZeroElsewhere) {
  Tensor<double> x = random_tensor({2, 3, 6, 8}, 9);
  Tape<double> tape;
  Var<double> xv = tape.leaf(x);
  MaxPool2dResult<double> r = max_pool2d_with_indices(xv, MaxPool2dOptions(2));
  Var<double> up = max_unpool2d(r.out, r.indices, {6, 8});
  ASSERT_EQ(up.shape(), x.shape());
  Index nonzero = 0;
  for (Index i = 0; i < x.numel(); ++i) {
    if (up.value()[i] != 0.0) {
      ++nonzero;
      EXPECT_EQ(up.value()[i], x[i]);
    }
  }
  EXPECT_EQ(nonzero, r.out.value().numel());
  auto result = testing::gradcheck(
      [&](Tape<double>& t, std::span<const Var<double>> in) {
        return max_unpool2d(in[0], r.indices, {6, 8});
      },
      {random_tensor(r.out.shape(), 10)});
  EXPECT_TRUE(result.ok) << result.report;
  auto bad = std::make_shared<std::vector<std::int32_t>>(r.indices->begin(), r.indices->end());
  (*bad)[5] = 48;
  EXPECT_THROW(max_unpool2d(r.out, PoolIndices(bad), {6, 8}), IndexError);
}

// kCases plus stride-1 columns without dilation (the stride-1 pass kernel)
const MaxCase kWideCases[] = {{3, 3, 1, 1, 1, 1, 1, 1, false},
                              {2, 2, 1, 1, 0, 0, 1, 1, true},
                              {3, 2, 2, 1, 0, 1, 1, 1, false}};

template <class T>
Tensor<T> random_of(const Shape& s, std::uint64_t seed, bool ties) {
  Tensor<T> x(s);
  const Tensor<double> r = random_tensor(s, seed);
  // ties: values in {-1, -0.5, 0, 0.5, 1}, many equal maxima inside the vector lanes
  for (Index i = 0; i < x.numel(); ++i)
    x[i] = static_cast<T>(ties ? std::round(r[i] * 2) / 2 : r[i]);
  return x;
}

template <class T>
void expect_wide_rows_match_naive() {
  std::vector<MaxCase> cases(std::begin(kCases), std::end(kCases));
  cases.insert(cases.end(), std::begin(kWideCases), std::end(kWideCases));
  for (const MaxCase& c : cases) {
    for (Shape s : {Shape{1, 2, 10, 45}, Shape{1, 1, 7, 112}, Shape{2, 1, 5, 33}}) {
      for (bool ties : {false, true}) {
        SCOPED_TRACE(s.str() + " k" + std::to_string(c.kh) + "x" + std::to_string(c.kw) + " s" +
                     std::to_string(c.sh) + "x" + std::to_string(c.sw) + (ties ? " ties" : ""));
        const Tensor<T> x = random_of<T>(s, 21, ties);
        Tensor<T> want, got, values;
        std::vector<std::int32_t> want_idx, got_idx;
        naive_max_pool(x, c, want, want_idx);
        max_pool2d(x, options_of(c), got, &got_idx);
        max_pool2d(x, options_of(c), values);
        ASSERT_EQ(got.shape(), want.shape());
        EXPECT_EQ(max_abs_diff(got, want), 0.0);
        EXPECT_EQ(max_abs_diff(values, want), 0.0);
        EXPECT_EQ(got_idx, want_idx);
      }
    }
  }
}

TEST(MaxPool2d, WideRowsMatchNaiveLoopInEveryKernel) {
  // rows long enough for the vectorised bodies and their tails (out widths 3 .. 112)
  expect_wide_rows_match_naive<float>();
  expect_wide_rows_match_naive<double>();
}

TEST(MaxPool2d, NanWinsAsInTorchInsideVectorisedRows) {
  // torch's step: v > best || isnan(v), in row-major window order, so the last NaN of a window
  // wins; NaN every 7th element puts up to two in one window
  const MaxCase cases[] = {{2, 2, 2, 2, 0, 0, 1, 1, false},
                           {3, 3, 2, 2, 1, 1, 1, 1, false},
                           {3, 3, 1, 1, 1, 1, 1, 1, false}};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor<float> x = testing::random_tensor_float({1, 2, 8, 40}, 23);
  for (Index i = 3; i < x.numel(); i += 7) x[i] = nan;
  for (const MaxCase& c : cases) {
    Tensor<float> got, values;
    std::vector<std::int32_t> got_idx;
    max_pool2d(x, options_of(c), got, &got_idx);
    max_pool2d(x, options_of(c), values);
    const Index H = 8, W = 40, OH = got.dim(2), OW = got.dim(3);
    for (Index p = 0; p < 2; ++p)
      for (Index oh = 0; oh < OH; ++oh)
        for (Index ow = 0; ow < OW; ++ow) {
          float best = 0;
          Index arg = -1;
          for (auto [h, w] : naive_window(oh, ow, H, W, c.kh, c.kw, c.sh, c.sw, c.ph, c.pw)) {
            const float v = x[p * H * W + h * W + w];
            if (arg < 0 || v > best || std::isnan(v)) {
              best = v;
              arg = h * W + w;
            }
          }
          const Index o = (p * OH + oh) * OW + ow;
          EXPECT_EQ(got_idx[static_cast<std::size_t>(o)], arg) << "output " << o;
          EXPECT_EQ(std::isnan(got[o]), std::isnan(best)) << "output " << o;
          EXPECT_EQ(std::isnan(values[o]), std::isnan(best)) << "output " << o;
          if (!std::isnan(best)) {
            EXPECT_EQ(got[o], best);
          }
        }
  }
}

TEST(MaxPool2d, OverwritingBackwardEqualsZeroThenAccumulate) {
  std::vector<MaxCase> cases(std::begin(kCases), std::end(kCases));
  cases.insert(cases.end(), std::begin(kWideCases), std::end(kWideCases));
  for (const MaxCase& c : cases) {
    // odd H and W: with exact 2 x 2 windows the last row / column is in no window
    for (Shape s : {Shape{1, 2, 9, 11}, Shape{2, 1, 10, 45}, Shape{1, 1, 7, 112}}) {
      SCOPED_TRACE(s.str() + " k" + std::to_string(c.kh) + "x" + std::to_string(c.kw));
      const Tensor<float> x = random_of<float>(s, 31, true);
      Tensor<float> out;
      std::vector<std::int32_t> idx;
      max_pool2d(x, options_of(c), out, &idx);
      const Tensor<float> g = testing::random_tensor_float(out.shape(), 32);
      const PoolGrid grid = max_pool2d_grid(options_of(c), s[2], s[3]);
      Tensor<float> want(s, 0.0f);
      max_pool2d_planes_backward(g.data(), idx.data(), s[0] * s[1], grid, want.data());
      // garbage first: every element must be assigned
      Tensor<float> got(s, std::numeric_limits<float>::quiet_NaN());
      max_pool2d_planes_backward(g.data(), idx.data(), s[0] * s[1], grid, got.data(), false);
      EXPECT_EQ(max_abs_diff(got, want), 0.0);
    }
  }
}

TEST(MaxPool2d, TapeAdjointAccumulatesWhenInputIsPooledTwice) {
  // the first backward closure assigns the fresh adjoint, the second adds to it
  const Tensor<double> x = random_tensor({2, 3, 8, 10}, 41);
  const Tensor<double> seed = random_tensor({2, 3, 4, 5}, 42);
  auto k2 = [](Var<double> v) { return max_pool2d(v, MaxPool2dOptions(2)); };
  auto k3 = [](Var<double> v) {
    return max_pool2d(v, MaxPool2dOptions({3, 2}).stride(2).padding({1, 0}));
  };
  const testing::OpRun<double> a = testing::run_op(x, k2, &seed);
  const testing::OpRun<double> b = testing::run_op(x, k3, &seed);
  const testing::OpRun<double> both = testing::run_op(
      x, [&](Var<double> v) { return add(k2(v), k3(v)); }, &seed);
  Tensor<double> sum(x.shape());
  for (Index i = 0; i < x.numel(); ++i) sum[i] = a.grad_x[i] + b.grad_x[i];
  EXPECT_EQ(max_abs_diff(both.grad_x, sum), 0.0);
}

}  // namespace
}  // namespace graphpool
