#include "core/linear.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/ops.hpp"
#include "tests/support/compare.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::random_tensor;

// y[r, j] = b[j] + sum_k x[r, k] W[k, j] by the naive loop.
Tensor<double> naive_linear(const Tensor<double>& x, const Tensor<double>& w,
                            const Tensor<double>* b) {
  Tensor<double> y({x.dim(0), w.dim(1)});
  for (Index r = 0; r < x.dim(0); ++r) {
    for (Index j = 0; j < w.dim(1); ++j) {
      double s = b ? (*b)[j] : 0.0;
      for (Index k = 0; k < x.dim(1); ++k) s += x(r, k) * w(k, j);
      y(r, j) = s;
    }
  }
  return y;
}

TEST(Linear, ForwardAndBackwardMatchNaiveLoops) {
  for (bool bias : {true, false}) {
    Generator gen(3);
    Linear<double> fc(LinearOptions(7, 5).bias(bias), gen);
    const Tensor<double> x0 = random_tensor({1031, 7}, 1);  // several row blocks
    const Tensor<double> seed = random_tensor({1031, 5}, 2);
    Tape<double> tape;
    Var<double> x = tape.leaf(x0);
    Var<double> y = fc.forward(x);
    EXPECT_LT(testing::max_abs_diff(y.value(), naive_linear(x0, fc.weight().value,
                                                            bias ? &fc.bias()->value : nullptr)),
              1e-13);
    tape.backward(y, seed);
    // dx = seed W^T;  dW = x^T seed;  db = column sums of seed
    Tensor<double> dx({1031, 7}), dw({7, 5}), db({5});
    for (Index r = 0; r < 1031; ++r) {
      for (Index j = 0; j < 5; ++j) {
        db[j] += seed(r, j);
        for (Index k = 0; k < 7; ++k) {
          dx(r, k) += seed(r, j) * fc.weight().value(k, j);
          dw(k, j) += x0(r, k) * seed(r, j);
        }
      }
    }
    EXPECT_LT(testing::max_abs_diff(x.grad(), dx), 1e-13);
    EXPECT_LT(testing::max_abs_diff(fc.weight().grad, dw), 1e-11);
    if (bias) {
      EXPECT_LT(testing::max_abs_diff(fc.bias()->grad, db), 1e-11);
    }
  }
}

TEST(Linear, GradcheckWithSharedUseAccumulates) {
  Generator gen(5);
  Linear<double> fc(LinearOptions(4, 3), gen);
  // fc applied twice: the second use accumulates into the adjoints the first assigned
  auto result = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) {
        return add(fc.forward(in[0]), fc.forward(in[1]));
      },
      {random_tensor({6, 4}, 1), random_tensor({6, 4}, 2)}, {&fc.weight(), fc.bias()});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(Linear, OneAndTwoThreadsGiveIdenticalBits) {
  Generator gen(7);
  Linear<float> fc(LinearOptions(128, 96), gen);
  const Tensor<float> x0 = testing::random_tensor_float({2049, 128}, 1);
  const Tensor<float> seed = testing::random_tensor_float({2049, 96}, 2);
  auto run = [&](int threads) {
    ThreadLimit limit(threads);
    fc.zero_grad();
    Tape<float> tape;
    Var<float> x = tape.leaf(x0);
    Var<float> y = fc.forward(x);
    tape.backward(y, seed);
    return std::vector<Tensor<float>>{y.value(), x.grad(), fc.weight().grad, fc.bias()->grad};
  };
  auto one = run(1), two = run(2);
  for (std::size_t k = 0; k < one.size(); ++k) {
    EXPECT_TRUE(testing::bitwise_equal(one[k], two[k])) << "tensor " << k;
  }
}

TEST(Linear, ShapeErrorNamesExpectedAndGot) {
  Generator gen(1);
  Linear<double> fc(LinearOptions(4, 2), gen);
  Tape<double> tape;
  const std::string m = testing::message_of<ShapeError>([&] {
    fc.forward(tape.leaf(Tensor<double>({3, 5})));
  });
  EXPECT_NE(m.find("Linear: expected x of [rows, 4] but got [3, 5]"), std::string::npos) << m;
}

}  // namespace
}  // namespace graphpool
