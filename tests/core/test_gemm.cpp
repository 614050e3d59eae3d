#include "core/gemm.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "tests/support/compare.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::bitwise_equal;
using testing::max_abs_diff;
using testing::message_of;

enum class Form { kNN, kNT, kTN };

const char* name(Form f) {
  return f == Form::kNN ? "nn" : f == Form::kNT ? "nt" : "tn";
}

template <class T>
Tensor<T> random(const Shape& shape, std::uint64_t seed) {
  if constexpr (std::is_same_v<T, double>) {
    return testing::random_tensor(shape, seed);
  } else {
    return testing::random_tensor_float(shape, seed);
  }
}

// Operand shapes of C [M, N] = op(A) op(B) with inner size K.
Shape a_shape(Form f, Index M, Index K) {
  return f == Form::kTN ? Shape{K, M} : Shape{M, K};
}
Shape b_shape(Form f, Index K, Index N) {
  return f == Form::kNT ? Shape{N, K} : Shape{K, N};
}

// c (+)= op(a) op(b) by the naive triple loop in double.
template <class T>
Tensor<double> naive(Form f, const Tensor<T>& a, const Tensor<T>& b, const Tensor<T>& c0,
                     bool add) {
  const Index M = c0.dim(0), N = c0.dim(1);
  const Index K = f == Form::kTN ? a.dim(0) : a.dim(1);
  Tensor<double> c({M, N});
  for (Index i = 0; i < M; ++i) {
    for (Index j = 0; j < N; ++j) {
      double s = add ? static_cast<double>(c0(i, j)) : 0.0;
      for (Index k = 0; k < K; ++k) {
        const double av = f == Form::kTN ? a(k, i) : a(i, k);
        const double bv = f == Form::kNT ? b(j, k) : b(k, j);
        s += av * bv;
      }
      c(i, j) = s;
    }
  }
  return c;
}

template <class T>
void run(Form f, const Tensor<T>& a, const Tensor<T>& b, Tensor<T>& c, GemmWrite write) {
  switch (f) {
    case Form::kNN:
      gemm_nn<T>(a.matrix(), b.matrix(), c.matrix(), write);
      break;
    case Form::kNT:
      gemm_nt<T>(a.matrix(), b.matrix(), c.matrix(), write);
      break;
    case Form::kTN:
      gemm_tn<T>(a.matrix(), b.matrix(), c.matrix(), write);
      break;
  }
}

// Every form, assign and accumulate, on odd sizes from 1 x 1 x 1 to products that the row blocks
// of gemm_nn / gemm_nt (M large), the tiles of C of gemm_tn (small operands) and its partial
// products (K, the summed rows, 20011) split, partial last blocks and tiles included.
template <class T>
void check_against_naive(double tol_per_k) {
  struct Size {
    Index M, K, N;
  };
  const Size sizes[] = {{1, 1, 1},      {7, 5, 3},       {33, 17, 9},    {1, 130, 1},
                        {301, 129, 65}, {1037, 70, 131}, {3001, 67, 29}, {37, 20011, 45},
                        {5003, 3, 128}, {777, 15, 33},   {128, 5003, 1}, {3, 5003, 128},
                        {5, 999, 2},    {15, 300, 200}};
  std::uint64_t seed = 1;
  for (Form f : {Form::kNN, Form::kNT, Form::kTN}) {
    for (const Size& s : sizes) {
      const Tensor<T> a = random<T>(a_shape(f, s.M, s.K), seed++);
      const Tensor<T> b = random<T>(b_shape(f, s.K, s.N), seed++);
      const Tensor<T> c0 = random<T>({s.M, s.N}, seed++);
      const double tol = tol_per_k * static_cast<double>(s.K);
      // assign overwrites whatever C held (NaN here), accumulate adds into C
      Tensor<T> c({s.M, s.N}, std::numeric_limits<T>::quiet_NaN());
      run<T>(f, a, b, c, GemmWrite::kAssign);
      EXPECT_LT(max_abs_diff(c, naive<T>(f, a, b, c0, false)), tol)
          << name(f) << " assign M " << s.M << " K " << s.K << " N " << s.N;
      c = c0;
      run<T>(f, a, b, c, GemmWrite::kAdd);
      EXPECT_LT(max_abs_diff(c, naive<T>(f, a, b, c0, true)), tol)
          << name(f) << " add M " << s.M << " K " << s.K << " N " << s.N;
    }
  }
}

TEST(Gemm, AllFormsMatchNaiveLoopInDouble) {
  check_against_naive<double>(1e-15);
}

TEST(Gemm, AllFormsMatchNaiveLoopInFloat) {
  check_against_naive<float>(1e-6);
}

TEST(Gemm, EmptyInnerDimensionAssignsZeroAndAddsNothing) {
  for (Form f : {Form::kNN, Form::kNT, Form::kTN}) {
    const Tensor<double> a(a_shape(f, 4, 0)), b(b_shape(f, 0, 3));
    Tensor<double> c({4, 3}, 7.0);
    run<double>(f, a, b, c, GemmWrite::kAdd);
    EXPECT_EQ(max_abs_diff(c, Tensor<double>({4, 3}, 7.0)), 0.0) << name(f);
    run<double>(f, a, b, c, GemmWrite::kAssign);
    EXPECT_EQ(max_abs_diff(c, Tensor<double>({4, 3}, 0.0)), 0.0) << name(f);
    // an empty output is a no-op
    const Tensor<double> a0(a_shape(f, 0, 5)), b0(b_shape(f, 5, 3));
    Tensor<double> c0({0, 3});
    run<double>(f, a0, b0, c0, GemmWrite::kAssign);
  }
}

TEST(Gemm, WorksOnBlocksOfLargerMatricesAndLeavesTheRestAlone) {
  // C's columns 2..6 = A's columns 1..4 times B (rows 3..6 of a wider matrix); row strides differ
  const Tensor<double> a = random<double>({1500, 9}, 40), b = random<double>({10, 11}, 41);
  Tensor<double> c({1500, 12}, -3.0);
  auto av = a.matrix().middleCols(1, 4);
  auto bv = b.matrix().block(3, 2, 4, 5);
  gemm_nn<double>(av, bv, c.matrix().middleCols(2, 5));
  const RowMatrix<double> want = av * bv;
  EXPECT_LT((c.matrix().middleCols(2, 5) - want).cwiseAbs().maxCoeff(), 1e-14);
  EXPECT_TRUE((c.matrix().leftCols(2).array() == -3.0).all());
  EXPECT_TRUE((c.matrix().rightCols(5).array() == -3.0).all());
  // A^T B on column blocks, accumulated into a block of C
  Tensor<double> d({20, 20}, 1.0);
  gemm_tn<double>(a.matrix().middleCols(2, 3), c.matrix().middleCols(2, 5),
                  d.matrix().block(1, 4, 3, 5), GemmWrite::kAdd);
  const RowMatrix<double> want_tn =
      RowMatrix<double>::Ones(3, 5) + a.matrix().middleCols(2, 3).transpose() * want;
  EXPECT_LT((d.matrix().block(1, 4, 3, 5) - want_tn).cwiseAbs().maxCoeff(), 1e-11);
  d.matrix().block(1, 4, 3, 5).setOnes();
  EXPECT_TRUE((d.matrix().array() == 1.0).all());
}

TEST(Gemm, BitwiseIdenticalForOneAndTwoThreads) {
  // sizes with many row blocks (gemm_nn, gemm_nt: M), partial products (gemm_tn, K = 5107 summed
  // rows) and tiles of C (gemm_tn, K = 3001: the operands fit in cache), partial last ones
  struct Case {
    Form form;
    Index summed;
    Index N;
  };
  for (auto [f, summed, N] :
       {Case{Form::kNN, 5107, 131}, Case{Form::kNT, 5107, 131}, Case{Form::kTN, 5107, 131},
        Case{Form::kTN, 3001, 131}, Case{Form::kNN, 5107, 1},   // N = 1: the thin (Eigen) path
        Case{Form::kTN, 5107, 1}, Case{Form::kNN, -5107, 128},  // K = 3: the thin-inner path
        Case{Form::kTN, -5107, 128}}) {  // C [3, 128]: a thin gemm_tn, rows summed in chunks
    const bool thin_inner = summed < 0;
    summed = thin_inner ? -summed : summed;
    const Index M = f == Form::kTN ? (thin_inner ? 3 : 129) : summed;
    const Index K = f == Form::kTN ? summed : (thin_inner ? 3 : 129);
    const Tensor<float> a = random<float>(a_shape(f, M, K), 50);
    const Tensor<float> b = random<float>(b_shape(f, K, N), 51);
    const Tensor<float> c0 = random<float>({M, N}, 52);
    Tensor<float> one = c0, two = c0;
    {
      ThreadLimit limit(1);
      run<float>(f, a, b, one, GemmWrite::kAdd);
    }
    {
      ThreadLimit limit(2);
      run<float>(f, a, b, two, GemmWrite::kAdd);
    }
    EXPECT_TRUE(bitwise_equal(one, two)) << name(f) << " N " << N;
    EXPECT_LT(max_abs_diff(one, naive<float>(f, a, b, c0, true)), 1e-6 * K) << name(f);
  }
}

TEST(Gemm, BiasFormAssignsBiasPlusProductForThinAndWideInnerSizes) {
  // C = bias + A B, whatever C held; K = 3 takes the thin-inner kernel, K = 40 BLIS
  for (const Index K : {Index{3}, Index{40}}) {
    const Index M = 4099, N = 70;
    const Tensor<float> a = random<float>({M, K}, 60), b = random<float>({K, N}, 61);
    const Tensor<float> bias = random<float>({N}, 62);
    Tensor<double> want = naive<float>(Form::kNN, a, b, Tensor<float>({M, N}), false);
    for (Index i = 0; i < M; ++i) {
      for (Index j = 0; j < N; ++j) want(i, j) += bias[j];
    }
    Tensor<float> one({M, N}, std::numeric_limits<float>::quiet_NaN()), two = one;
    {
      ThreadLimit limit(1);
      gemm_nn_bias<float>(a.matrix(), b.matrix(), bias.values(), one.matrix());
    }
    {
      ThreadLimit limit(2);
      gemm_nn_bias<float>(a.matrix(), b.matrix(), bias.values(), two.matrix());
    }
    EXPECT_LT(max_abs_diff(one, want), 1e-6 * static_cast<double>(K + 1)) << "K " << K;
    EXPECT_TRUE(bitwise_equal(one, two)) << "K " << K;
  }
}

TEST(Gemm, RepeatedTwoThreadRunsAllEqualTheOneThreadResult) {
  // Blocks run concurrently on two threads: a GEMM kernel that is not reentrant gives wrong,
  // varying results here. Debian's OpenBLAS 0.3.21 does: its serial build in 1,118 of 16,000
  // calls of a standalone two-thread check, its pthread build in 5 of 30 repeats of this test with
  // 40 runs per form. core/gemm.cpp runs BLIS.
  for (Form f : {Form::kNN, Form::kNT, Form::kTN}) {
    const Index M = f == Form::kTN ? 128 : 4096, K = f == Form::kTN ? 4096 : 128, N = 128;
    const Tensor<float> a = random<float>(a_shape(f, M, K), 60);
    const Tensor<float> b = random<float>(b_shape(f, K, N), 61);
    Tensor<float> one({M, N});
    {
      ThreadLimit limit(1);
      run<float>(f, a, b, one, GemmWrite::kAssign);
    }
    ThreadLimit limit(2);
    int differing = 0;
    // a rare race (OpenBLAS pthread: ~1 in 700 runs) needs many runs to show
    constexpr int kRuns = 200;
    for (int repeat = 0; repeat < kRuns; ++repeat) {
      Tensor<float> two({M, N});
      run<float>(f, a, b, two, GemmWrite::kAssign);
      differing += bitwise_equal(one, two) ? 0 : 1;
    }
    EXPECT_EQ(differing, 0) << name(f) << ": two-thread runs that differ, of " << kRuns;
  }
}

TEST(Gemm, ColumnSumsMatchNaiveLoopAssignOrAddAndAreThreadCountIndependent) {
  const Index M = 1031, N = 7;  // five blocks of 256 rows, the last one partial
  const Tensor<double> a = random<double>({M, N}, 60);
  std::vector<double> expected(N, 0.5);
  // expected[j] = 0.5 + sum_i a[i, j], summed in plain row order
  for (Index i = 0; i < M; ++i)
    for (Index j = 0; j < N; ++j) expected[j] += a.matrix()(i, j);
  for (int threads : {1, 2}) {
    ThreadLimit limit(threads);
    std::vector<double> sums(N, 123.0), added(N, 0.5);
    column_sums<double>(a.matrix(), sums);
    column_sums<double>(a.matrix(), added, GemmWrite::kAdd);
    for (Index j = 0; j < N; ++j) {
      EXPECT_NEAR(sums[j], expected[j] - 0.5, 1e-12) << "column " << j;
      EXPECT_NEAR(added[j], expected[j], 1e-12) << "column " << j;
    }
  }
  const Tensor<float> f = random<float>({M, N}, 61);
  std::vector<float> one(N), two(N);
  {
    ThreadLimit limit(1);
    column_sums<float>(f.matrix(), one);
  }
  {
    ThreadLimit limit(2);
    column_sums<float>(f.matrix(), two);
  }
  EXPECT_EQ(one, two);
  std::vector<double> wrong(N + 1);
  const std::string m = message_of<ShapeError>([&] { column_sums<double>(a.matrix(), wrong); });
  EXPECT_NE(m.find("c has 8 entries, A has 7 columns"), std::string::npos) << m;
}

TEST(Gemm, RowBlocksDependOnTheShapeOnly) {
  EXPECT_EQ(gemm_row_block(5106, 128, 128), 256);
  EXPECT_EQ(gemm_row_block(1250, 128, 128), 160);   // at least 8 blocks where rows allow
  EXPECT_EQ(gemm_row_block(128, 256, 128), 16);     // the head layer: 8 blocks, not 1
  EXPECT_EQ(gemm_row_block(100000, 3, 128), 1024);  // capped: memory-bound products still split
  EXPECT_EQ(gemm_row_block(5106, 4096, 4096), 16);  // at least one SIMD panel of rows
  EXPECT_EQ(gemm_row_block(40, 128, 128), 16);
  EXPECT_EQ(gemm_row_block(1000, 129, 131) % 16, 0);
  EXPECT_EQ(gemm_tn_row_block(5106, 128, 128), 512);      // 10 partials of [128, 128]
  EXPECT_EQ(gemm_tn_row_block(510600, 128, 128), 31920);  // at most 16 partials
  EXPECT_GE(gemm_tn_row_block(2500, 128, 128), 2500);     // A and B in cache: tiles of C
  const GemmTiles square = gemm_tn_tiles(128, 128), thin = gemm_tn_tiles(128, 1),
                  flat = gemm_tn_tiles(3, 128);
  EXPECT_EQ(square.rows, 32);  // 4 x 2 tiles of [32, 64]
  EXPECT_EQ(square.cols, 64);
  EXPECT_EQ(square.count_down(128), 4);
  EXPECT_EQ(square.count_across(128), 2);
  EXPECT_EQ(thin.rows, 32);  // 4 tiles of [32, 1]
  EXPECT_EQ(thin.cols, 1);
  EXPECT_EQ(flat.rows, 3);  // 2 tiles of [3, 64]
  EXPECT_EQ(flat.cols, 64);
}

TEST(Gemm, ShapeErrorsSayExpectedAndGot) {
  const Tensor<double> a({4, 3}), b({5, 2});
  Tensor<double> c({4, 2});
  const std::string m =
      message_of<ShapeError>([&] { gemm_nn<double>(a.matrix(), b.matrix(), c.matrix()); });
  EXPECT_NE(m.find("gemm_nn: expected A [M, K], B [K, N] and C [M, N]"), std::string::npos) << m;
  EXPECT_NE(m.find("A [4, 3], B [5, 2] and C [4, 2]"), std::string::npos) << m;
  EXPECT_THROW(gemm_nt<double>(a.matrix(), b.matrix(), c.matrix()), ShapeError);
  Tensor<double> ct({3, 2});
  EXPECT_THROW(gemm_tn<double>(a.matrix(), b.matrix(), ct.matrix()), ShapeError);
}

}  // namespace
}  // namespace graphpool
