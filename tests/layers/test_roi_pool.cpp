#include "layers/roi_pool.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/errors.hpp"
#include "core/parallel.hpp"
#include "core/random.hpp"
#include "tests/support/golden.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::random_tensor;

// Independent naive RoI max pooling in double, written from the Fast R-CNN description: for every
// box, channel and bin, scan the clipped bin and keep the first strict maximum. Returns out and
// fills grad_x with the scatter of grad_out through the chosen cells.
Tensor<double> naive_roi_pool(const Tensor<double>& x, const Tensor<double>& boxes, int ph, int pw,
                              double scale, const Tensor<double>* grad_out,
                              Tensor<double>* grad_x) {
  const int K = static_cast<int>(boxes.dim(0)), C = static_cast<int>(x.dim(1));
  const int H = static_cast<int>(x.dim(2)), W = static_cast<int>(x.dim(3));
  Tensor<double> out({K, C, ph, pw});
  auto round_away = [](double v) { return v < 0 ? -std::floor(-v + 0.5) : std::floor(v + 0.5); };
  for (int k = 0; k < K; ++k) {
    const int b = static_cast<int>(boxes(k, 0));
    const int x1 = static_cast<int>(round_away(boxes(k, 1) * scale));
    const int y1 = static_cast<int>(round_away(boxes(k, 2) * scale));
    const int x2 = static_cast<int>(round_away(boxes(k, 3) * scale));
    const int y2 = static_cast<int>(round_away(boxes(k, 4) * scale));
    const int rw = std::max(x2 - x1 + 1, 1), rh = std::max(y2 - y1 + 1, 1);
    for (int c = 0; c < C; ++c) {
      for (int i = 0; i < ph; ++i) {
        for (int j = 0; j < pw; ++j) {
          int h0 = static_cast<int>(std::floor(i * double(rh) / ph)) + y1;
          int h1 = static_cast<int>(std::ceil((i + 1) * double(rh) / ph)) + y1;
          int w0 = static_cast<int>(std::floor(j * double(rw) / pw)) + x1;
          int w1 = static_cast<int>(std::ceil((j + 1) * double(rw) / pw)) + x1;
          h0 = std::clamp(h0, 0, H), h1 = std::clamp(h1, 0, H);
          w0 = std::clamp(w0, 0, W), w1 = std::clamp(w1, 0, W);
          double best = 0;
          int bh = -1, bw = -1;
          for (int h = h0; h < h1; ++h) {
            for (int w = w0; w < w1; ++w) {
              if (bh < 0 || x(b, c, h, w) > best) best = x(b, c, h, w), bh = h, bw = w;
            }
          }
          out(k, c, i, j) = best;
          if (grad_x != nullptr && bh >= 0) (*grad_x)(b, c, bh, bw) += (*grad_out)(k, c, i, j);
        }
      }
    }
  }
  return out;
}

// Boxes in image coordinates on a map of H x W cells at `scale`: inside, partly outside, off the
// map, malformed (x2 < x1), tiny, negative corners.
Tensor<double> test_boxes(double scale, Index H, Index W) {
  const double iw = W / scale, ih = H / scale;
  return Tensor<double>({8, 5},
                        {0, 0,         0,         iw - 1,   ih - 1,    // whole map
                         1, 0.3 * iw,  0.2 * ih,  0.9 * iw, 0.7 * ih,  // inside
                         0, -0.5 * iw, -0.3 * ih, 0.4 * iw, 0.5 * ih,  // partly outside
                         1, 0.6 * iw,  0.5 * ih,  1.7 * iw, 1.4 * ih,  // partly outside
                         0, 2 * iw,    2 * ih,    3 * iw,   3 * ih,  // off the map: all bins empty
                         1, 0.5 * iw,  0.5 * ih,  0.2 * iw, 0.1 * ih,    // malformed -> 1x1
                         0, 0.1 * iw,  0.1 * ih,  0.1 * iw, 0.1 * ih,    // a single cell
                         1, -3 * iw,   0.4 * ih,  -2 * iw,  0.6 * ih});  // left of the map
}

TEST(RoiPool, MatchesGoldenOutputsAndGradients) {
  const testing::GoldenCase c = testing::load_golden("roi_max_pool2d");
  const std::vector<double>& size = c.attribute("output_size");
  const RoiPoolOptions options =
      RoiPoolOptions(static_cast<Index>(size[0]), static_cast<Index>(size[1]))
          .spatial_scale(c.attribute("spatial_scale")[0]);
  Tape<double> tape;
  Var<double> x = tape.leaf(c.tensor("in_x"));
  Var<double> out = roi_max_pool2d(x, c.tensor("in_rois"), options);
  const Tensor<double>& expected = c.tensor("out");
  ASSERT_EQ(out.shape(), expected.shape());
  for (Index i = 0; i < expected.numel(); ++i) EXPECT_NEAR(out.value()[i], expected[i], 1e-12) << i;
  tape.backward(out, c.tensor("grad_out"));
  const Tensor<double>& grad = c.tensor("grad_x");
  ASSERT_EQ(x.grad().shape(), grad.shape());
  for (Index i = 0; i < grad.numel(); ++i) EXPECT_NEAR(x.grad()[i], grad[i], 1e-10) << i;
}

TEST(RoiPool, MatchesNaiveLoopWithBoxesPartlyOutsideAndEmptyBins) {
  for (double scale : {1.0, 0.25, 0.5}) {
    const Index H = 9, W = 11;
    const Tensor<double> x = random_tensor({2, 3, H, W}, 11, -2, 2);
    const Tensor<double> boxes = test_boxes(scale, H, W);
    for (auto [ph, pw] : {std::pair{3, 4}, std::pair{2, 2}, std::pair{7, 7}, std::pair{1, 5}}) {
      Tape<double> tape;
      Var<double> xv = tape.leaf(x);
      Var<double> out = roi_max_pool2d(xv, boxes, RoiPoolOptions(ph, pw).spatial_scale(scale));
      const Tensor<double> seed = random_tensor(out.shape(), 5);
      tape.backward(out, seed);
      Tensor<double> grad_x(x.shape());
      const Tensor<double> expected = naive_roi_pool(x, boxes, ph, pw, scale, &seed, &grad_x);
      ASSERT_EQ(out.shape(), expected.shape());
      for (Index i = 0; i < expected.numel(); ++i) {
        ASSERT_EQ(out.value()[i], expected[i]) << "scale " << scale << " bins " << ph << "x" << pw;
      }
      for (Index i = 0; i < grad_x.numel(); ++i) ASSERT_NEAR(xv.grad()[i], grad_x[i], 1e-12);
    }
  }
}

TEST(RoiPool, BoxOffTheMapGivesZerosAndNoGradient) {
  const Tensor<double> x = random_tensor({1, 2, 6, 6}, 3, 1, 2);  // all positive
  const Tensor<double> boxes({1, 5}, {0, 10, 10, 20, 20});
  Tape<double> tape;
  Var<double> xv = tape.leaf(x);
  Var<double> out = roi_max_pool2d(xv, boxes, RoiPoolOptions(2));
  for (Index i = 0; i < out.value().numel(); ++i) EXPECT_EQ(out.value()[i], 0.0);
  tape.backward(out, Tensor<double>(out.shape(), 1.0));
  for (Index i = 0; i < x.numel(); ++i) EXPECT_EQ(xv.grad()[i], 0.0);
}

TEST(RoiPool, RoundsCornersHalfAwayFromZero) {
  // channel 0 = -(10 h + w) (max at a bin's top-left), channel 1 = 10 h + w (max at bottom-right).
  // Scale 0.5: corner 5 -> 2.5 rounds to 3 and -5 -> -2.5 to -3 (banker's rounding gives 2, -2).
  Tensor<double> x({1, 2, 6, 6});
  for (Index h = 0; h < 6; ++h) {
    for (Index w = 0; w < 6; ++w) x(0, 0, h, w) = -(10.0 * h + w), x(0, 1, h, w) = 10.0 * h + w;
  }
  const Tensor<double> boxes({2, 5}, {0, 5, 5, 11, 11, 0, -5, -5, 5, 5});
  Tape<double> tape;
  Var<double> out = roi_max_pool2d(tape.leaf(x), boxes, RoiPoolOptions(1).spatial_scale(0.5));
  EXPECT_EQ(out.value()(0, 0, 0, 0), -33.0);  // cells (3, 3)..(6, 6), clipped to 5
  EXPECT_EQ(out.value()(1, 1, 0, 0), 33.0);   // cells (-3, -3)..(3, 3), clipped to 0
}

TEST(RoiPool, TiesSendTheWholeGradientToTheFirstArgMax) {
  const Tensor<double> x({1, 1, 4, 4}, 1.0);
  const Tensor<double> boxes({1, 5}, {0, 0, 0, 3, 3});
  Tape<double> tape;
  Var<double> xv = tape.leaf(x);
  Var<double> out = roi_max_pool2d(xv, boxes, RoiPoolOptions(2));
  tape.backward(out, Tensor<double>(out.shape(), 1.0));
  // bins are the 2x2 quadrants; each gives its gradient to its top-left cell
  for (Index h = 0; h < 4; ++h) {
    for (Index w = 0; w < 4; ++w) {
      EXPECT_EQ(xv.grad()[h * 4 + w], (h % 2 == 0 && w % 2 == 0) ? 1.0 : 0.0) << h << "," << w;
    }
  }
}

TEST(RoiPool, GradcheckInDouble) {
  const Tensor<double> boxes = test_boxes(0.5, 7, 8);
  auto result = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) {
        return roi_max_pool2d(in[0], boxes, RoiPoolOptions(3, 2).spatial_scale(0.5));
      },
      {random_tensor({2, 2, 7, 8}, 21)});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(RoiPool, BitwiseIdenticalForAnyThreadCount) {
  // many overlapping boxes on one image: several scatter into the same cells
  const Tensor<float> x = testing::random_tensor_float({2, 37, 19, 23}, 8);
  Tensor<float> boxes({200, 5});
  CounterRng rng(4, 0);
  for (Index k = 0; k < 200; ++k) {
    boxes(k, 0) = static_cast<float>(k % 2);
    const double x1 = rng.uniform(4 * k) * 300 - 20, y1 = rng.uniform(4 * k + 1) * 250 - 20;
    boxes(k, 1) = static_cast<float>(x1);
    boxes(k, 2) = static_cast<float>(y1);
    boxes(k, 3) = static_cast<float>(x1 + 16 + rng.uniform(4 * k + 2) * 200);
    boxes(k, 4) = static_cast<float>(y1 + 16 + rng.uniform(4 * k + 3) * 200);
  }
  const Tensor<float> seed = testing::random_tensor_float({200, 37, 7, 7}, 9);
  auto run = [&](int threads, Tensor<float>& out, Tensor<float>& grad) {
    ThreadLimit limit(threads);
    Tape<float> tape;
    Var<float> xv = tape.leaf(x);
    Var<float> y = roi_max_pool2d(xv, boxes, RoiPoolOptions(7).spatial_scale(1.0 / 16));
    tape.backward(y, seed);
    out = y.value();
    grad = xv.grad();
  };
  Tensor<float> out1, grad1, out2, grad2;
  run(1, out1, grad1);
  run(2, out2, grad2);
  ASSERT_EQ(out1.shape(), out2.shape());
  for (Index i = 0; i < out1.numel(); ++i) ASSERT_EQ(out1[i], out2[i]);
  for (Index i = 0; i < grad1.numel(); ++i) ASSERT_EQ(grad1[i], grad2[i]);
}

TEST(RoiPool, FloatMatchesDoubleOnExactInputs) {
  // integer-valued coordinates and a power-of-two scale: float and double pick the same cells
  const Tensor<double> xd = random_tensor({2, 3, 9, 11}, 12);
  const Tensor<double> bd = test_boxes(0.25, 9, 11);
  Tensor<float> xf(xd.shape()), bf(bd.shape());
  for (Index i = 0; i < xd.numel(); ++i) xf[i] = static_cast<float>(xd[i]);
  for (Index i = 0; i < bd.numel(); ++i) bf[i] = static_cast<float>(bd[i]);
  Tensor<double> od;
  Tensor<float> of;
  std::vector<std::int32_t> ad, af;
  roi_max_pool2d_forward(xd, bd, RoiPoolOptions(3).spatial_scale(0.25), od, ad);
  roi_max_pool2d_forward(xf, bf, RoiPoolOptions(3).spatial_scale(0.25), of, af);
  EXPECT_EQ(ad, af);
  for (Index i = 0; i < od.numel(); ++i) EXPECT_EQ(of[i], static_cast<float>(od[i]));
}

TEST(RoiPool, BadBatchIndexIsAnIndexErrorNamingTheBox) {
  Tape<double> tape;
  Var<double> x = tape.leaf(Tensor<double>({2, 1, 4, 4}));
  const Tensor<double> out_of_range({3, 5}, {0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 2, 0, 0, 1, 1});
  try {
    roi_max_pool2d(x, out_of_range, RoiPoolOptions(2));
    FAIL() << "expected IndexError";
  } catch (const IndexError& e) {
    EXPECT_NE(std::string(e.what()).find("box 2"), std::string::npos) << e.what();
  }
  const Tensor<double> negative({1, 5}, {-1, 0, 0, 1, 1});
  EXPECT_THROW(roi_max_pool2d(x, negative, RoiPoolOptions(2)), IndexError);
  const Tensor<double> fractional({2, 5}, {0, 0, 0, 1, 1, 0.5, 0, 0, 1, 1});
  try {
    roi_max_pool2d(x, fractional, RoiPoolOptions(2));
    FAIL() << "expected IndexError";
  } catch (const IndexError& e) {
    EXPECT_NE(std::string(e.what()).find("box 1"), std::string::npos) << e.what();
  }
}

TEST(RoiPool, RejectsNaNAndInfiniteCoordinatesAndBadShapes) {
  Tape<double> tape;
  Var<double> x = tape.leaf(Tensor<double>({1, 1, 4, 4}));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THROW(roi_max_pool2d(x, Tensor<double>({1, 5}, {0, 0, nan, 1, 1}), RoiPoolOptions(2)),
               ValueError);
  EXPECT_THROW(roi_max_pool2d(x, Tensor<double>({1, 5}, {nan, 0, 0, 1, 1}), RoiPoolOptions(2)),
               IndexError);
  EXPECT_THROW(roi_max_pool2d(x, Tensor<double>({1, 5}, {0, 0, 0, inf, 1}), RoiPoolOptions(2)),
               ValueError);
  EXPECT_THROW(roi_max_pool2d(x, Tensor<double>({1, 4}, {0, 0, 1, 1}), RoiPoolOptions(2)),
               ShapeError);
  EXPECT_THROW(roi_max_pool2d(x, Tensor<double>({1, 5}, {0, 0, 0, 1, 1}), RoiPoolOptions(0, 2)),
               ValueError);
  EXPECT_THROW(roi_max_pool2d(x, Tensor<double>({1, 5}, {0, 0, 0, 1, 1}),
                              RoiPoolOptions(2).spatial_scale(-1)),
               ValueError);
  Var<double> flat = tape.leaf(Tensor<double>({4, 4}));
  EXPECT_THROW(roi_max_pool2d(flat, Tensor<double>({1, 5}, {0, 0, 0, 1, 1}), RoiPoolOptions(2)),
               ShapeError);
}

TEST(RoiPool, NoBoxesGiveAnEmptyOutput) {
  Tape<double> tape;
  Var<double> x = tape.leaf(random_tensor({1, 3, 4, 4}, 2));
  RoiPool<double> pool(RoiPoolOptions(2, 3));
  Var<double> out = pool.forward(x, Tensor<double>({0, 5}));
  EXPECT_EQ(out.shape(), (Shape{0, 3, 2, 3}));
}

}  // namespace
}  // namespace graphpool
