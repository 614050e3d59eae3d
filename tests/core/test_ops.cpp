#include <gtest/gtest.h>

#include <cmath>
#include <tuple>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/ops.hpp"
#include "core/parallel.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::gradcheck;
using testing::random_tensor;
using Inputs = std::span<const Var<double>>;

TEST(Ops, ForwardAgainstHandValues) {
  Tape<double> tape;
  Var<double> a = tape.leaf(Tensor<double>({2, 2}, std::vector<double>{1, 2, 3, 4}));
  Var<double> b = tape.leaf(Tensor<double>({2, 2}, std::vector<double>{5, 6, 7, 8}));
  EXPECT_EQ(matmul(a, b).value()[0], 1 * 5 + 2 * 7);
  EXPECT_EQ(matmul(a, b).value()[3], 3 * 6 + 4 * 8);
  EXPECT_EQ(add(a, b).value()[1], 8);
  EXPECT_EQ(sub(a, b).value()[1], -4);
  EXPECT_EQ(mul(a, b).value()[2], 21);
  Var<double> bias = tape.leaf(Tensor<double>({2}, std::vector<double>{10, 20}));
  EXPECT_EQ(add_bias(a, bias).value()[3], 24);
  EXPECT_EQ(scale_rows(a, bias).value()[2], 60);
  Var<double> cat = concat_cols<double>({a, b});
  EXPECT_EQ(cat.shape(), (Shape{2, 4}));
  EXPECT_EQ(cat.value()(1, 2), 7);
  std::vector<Index> rows{1, 1, 0};
  EXPECT_EQ(gather_rows(a, rows).value()(1, 1), 4);
  std::vector<Index> targets{2, 0};
  Var<double> s = scatter_rows(a, targets, 3);
  EXPECT_EQ(s.value()(2, 0), 1);
  EXPECT_EQ(s.value()(1, 0), 0);
  EXPECT_EQ(mean(a).value().item(), 2.5);
  EXPECT_NEAR(sigmoid(a).value()[0], 1 / (1 + std::exp(-1.0)), 1e-15);
}

TEST(Ops, ShapeAndIndexErrorsNameTheValues) {
  Tape<double> tape;
  Var<double> a = tape.leaf(Tensor<double>({2, 3}));
  Var<double> b = tape.leaf(Tensor<double>({2, 2}));
  try {
    matmul(a, b);
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 3]"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("[2, 2]"), std::string::npos);
  }
  EXPECT_THROW(add(a, b), ShapeError);
  std::vector<Index> rows{0, 5};
  try {
    gather_rows(a, rows);
    FAIL();
  } catch (const IndexError& e) {
    EXPECT_NE(std::string(e.what()).find("rows[1] = 5"), std::string::npos) << e.what();
  }
  std::vector<Index> dup{1, 1};
  EXPECT_THROW(scatter_rows(b, dup, 3), IndexError);
}

TEST(OpsGradcheck, Elementwise) {
  auto x = random_tensor({3, 4}, 1), y = random_tensor({3, 4}, 2);
  for (auto op : {0, 1, 2}) {
    auto r = gradcheck(
        [op](Tape<double>&, Inputs in) {
          return op == 0 ? add(in[0], in[1]) : op == 1 ? sub(in[0], in[1]) : mul(in[0], in[1]);
        },
        {x, y});
    EXPECT_TRUE(r.ok) << "op " << op << ": " << r.report;
  }
  auto r = gradcheck([](Tape<double>&, Inputs in) { return scale(in[0], -1.7); }, {x});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(OpsGradcheck, Activations) {
  // Keep relu's inputs away from the kink at 0 where the derivative is undefined.
  Tensor<double> x = random_tensor({4, 5}, 3);
  for (Index i = 0; i < x.numel(); ++i) x[i] += x[i] > 0 ? 0.1 : -0.1;
  EXPECT_TRUE(gradcheck([](Tape<double>&, Inputs in) { return relu(in[0]); }, {x}).ok);
  EXPECT_TRUE(gradcheck([](Tape<double>&, Inputs in) { return tanh(in[0]); }, {x}).ok);
  EXPECT_TRUE(gradcheck([](Tape<double>&, Inputs in) { return sigmoid(in[0]); }, {x}).ok);
  EXPECT_TRUE(gradcheck([](Tape<double>&, Inputs in) { return exp(in[0]); }, {x}).ok);
  Tensor<double> positive = random_tensor({4, 5}, 4, 0.5, 2.0);
  EXPECT_TRUE(gradcheck([](Tape<double>&, Inputs in) { return log(in[0]); }, {positive}).ok);
}

TEST(OpsGradcheck, InPlaceReluMatchesReluAndGradchecks) {
  Tensor<double> x = random_tensor({4, 5}, 5);
  for (Index i = 0; i < x.numel(); ++i) x[i] += x[i] > 0 ? 0.1 : -0.1;
  Tensor<double> w = random_tensor({5, 3}, 6);
  // relu_ on an intermediate that only it reads: same values and gradients as relu
  auto in_place = [](Tape<double>&, Inputs in) { return sum(relu_(matmul(in[0], in[1]))); };
  auto out_of_place = [](Tape<double>&, Inputs in) { return sum(relu(matmul(in[0], in[1]))); };
  EXPECT_TRUE(gradcheck(in_place, {x, w}).ok);
  Tape<double> a, b;
  Var<double> xa = a.leaf(x), wa = a.leaf(w), xb = b.leaf(x), wb = b.leaf(w);
  Var<double> ya = in_place(a, std::vector<Var<double>>{xa, wa});
  Var<double> yb = out_of_place(b, std::vector<Var<double>>{xb, wb});
  a.backward(ya);
  b.backward(yb);
  EXPECT_EQ(ya.value().item(), yb.value().item());
  for (Index i = 0; i < x.numel(); ++i) EXPECT_EQ(xa.grad()[i], xb.grad()[i]);
  for (Index i = 0; i < w.numel(); ++i) EXPECT_EQ(wa.grad()[i], wb.grad()[i]);
  // the returned Var is the input node, now holding relu(x)
  Tape<double> c;
  Var<double> v = c.leaf(x);
  Var<double> r = relu_(v);
  EXPECT_EQ(r.id, v.id);
  for (Index i = 0; i < x.numel(); ++i) EXPECT_EQ(v.value()[i], x[i] > 0 ? x[i] : 0.0);
}

TEST(Ops, LargeElementwiseMatchesNaiveLoopAndIsThreadCountIndependent) {
  // 70,000 elements: several fixed chunks, run on two threads
  const Tensor<float> x0 = [] {
    Tensor<double> d = random_tensor({700, 100}, 7, -3, 3);
    Tensor<float> f({700, 100});
    for (Index i = 0; i < d.numel(); ++i) f[i] = static_cast<float>(d[i]);
    return f;
  }();
  const Tensor<float> seed = [] {
    Tensor<double> d = random_tensor({700, 100}, 8);
    Tensor<float> f({700, 100});
    for (Index i = 0; i < d.numel(); ++i) f[i] = static_cast<float>(d[i]);
    return f;
  }();
  auto run = [&](int threads, bool in_place) {
    ThreadLimit limit(threads);
    Tape<float> tape;
    Var<float> x = tape.leaf(x0);
    Var<float> s = in_place ? relu_(scale(x, 1.0f)) : relu(x);
    Var<float> y = tanh(s);
    tape.backward(y, seed);
    return std::make_pair(y.value(), x.grad());
  };
  const auto one = run(1, false), two = run(2, false), fused = run(2, true);
  for (Index i = 0; i < x0.numel(); ++i) {
    // naive: y = tanh(relu(x)); dx = [x > 0] (1 - y^2) seed
    const float r = x0[i] > 0 ? x0[i] : 0.f;
    const float y = std::tanh(r);
    ASSERT_FLOAT_EQ(one.first[i], y) << i;  // (the compiler may contract to FMAs differently)
    ASSERT_NEAR(one.second[i], (x0[i] > 0 ? 1.f : 0.f) * ((1.f - y * y) * seed[i]), 1e-6f) << i;
    ASSERT_EQ(two.first[i], one.first[i]) << i;
    ASSERT_EQ(two.second[i], one.second[i]) << i;
    ASSERT_EQ(fused.first[i], one.first[i]) << i;
    ASSERT_EQ(fused.second[i], one.second[i]) << i;
  }
}

TEST(Ops, LargeConcatColsCopiesBlocksBothWaysForAnyThreadCount) {
  // 3,001 rows x (5 + 128 + 64) columns: many row chunks, run on two threads; the second part is
  // used twice, so its adjoint is first assigned, then added to
  const Tensor<double> p0 = random_tensor({3001, 5}, 20), p1 = random_tensor({3001, 128}, 21);
  const Tensor<double> seed = random_tensor({3001, 5 + 128 + 128}, 22);
  auto run = [&](int threads) {
    ThreadLimit limit(threads);
    Tape<double> tape;
    Var<double> a = tape.leaf(p0, true), b = tape.leaf(p1, true);
    Var<double> cat = concat_cols<double>({a, b, b});
    tape.backward(cat, seed);
    return std::make_tuple(cat.value(), a.grad(), b.grad());
  };
  const auto one = run(1), two = run(2);
  const auto& [y, da, db] = one;
  for (Index r = 0; r < 3001; ++r) {
    for (Index c = 0; c < 5; ++c) {
      ASSERT_EQ(y(r, c), p0(r, c));
      ASSERT_EQ(da(r, c), seed(r, c));
    }
    for (Index c = 0; c < 128; ++c) {
      ASSERT_EQ(y(r, 5 + c), p1(r, c));
      ASSERT_EQ(y(r, 133 + c), p1(r, c));
      ASSERT_EQ(db(r, c), seed(r, 5 + c) + seed(r, 133 + c));
    }
  }
  EXPECT_TRUE(std::get<0>(two).values().size() == y.values().size());
  for (Index i = 0; i < y.numel(); ++i) ASSERT_EQ(std::get<0>(two)[i], y[i]);
  for (Index i = 0; i < db.numel(); ++i) ASSERT_EQ(std::get<2>(two)[i], db[i]);
}

TEST(OpsGradcheck, MatmulBiasRowScale) {
  auto r = gradcheck([](Tape<double>&, Inputs in) { return matmul(in[0], in[1]); },
                     {random_tensor({5, 3}, 5), random_tensor({3, 4}, 6)});
  EXPECT_TRUE(r.ok) << r.report;
  // Large enough for several parallel row blocks.
  r = gradcheck([](Tape<double>&, Inputs in) { return matmul(in[0], in[1]); },
                {random_tensor({300, 2}, 7), random_tensor({2, 2}, 8)});
  EXPECT_TRUE(r.ok) << r.report;
  r = gradcheck([](Tape<double>&, Inputs in) { return add_bias(in[0], in[1]); },
                {random_tensor({5, 3}, 9), random_tensor({3}, 10)});
  EXPECT_TRUE(r.ok) << r.report;
  r = gradcheck([](Tape<double>&, Inputs in) { return scale_rows(in[0], in[1]); },
                {random_tensor({5, 3}, 11), random_tensor({5}, 12)});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(OpsGradcheck, ReductionsConcatGatherScatterReshape) {
  auto x = random_tensor({4, 3}, 13);
  EXPECT_TRUE(gradcheck([](Tape<double>&, Inputs in) { return sum(in[0]); }, {x}).ok);
  EXPECT_TRUE(gradcheck([](Tape<double>&, Inputs in) { return mean(in[0]); }, {x}).ok);
  auto r = gradcheck(
      [](Tape<double>&, Inputs in) {
        return concat_cols<double>({in[0], in[1], in[0]});
      },
      {x, random_tensor({4, 2}, 14)});
  EXPECT_TRUE(r.ok) << r.report;
  r = gradcheck(
      [](Tape<double>&, Inputs in) {
        std::vector<Index> rows{3, 0, 3, 1};
        return gather_rows(in[0], rows);
      },
      {x});
  EXPECT_TRUE(r.ok) << r.report;
  r = gradcheck(
      [](Tape<double>&, Inputs in) {
        std::vector<Index> rows{5, 0, 2, 4};
        return scatter_rows(in[0], rows, 6);
      },
      {x});
  EXPECT_TRUE(r.ok) << r.report;
  r = gradcheck([](Tape<double>&, Inputs in) { return reshape(in[0], Shape{2, 6}); }, {x});
  EXPECT_TRUE(r.ok) << r.report;
}

}  // namespace
}  // namespace graphpool
