#include "layers/attention_pool.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/parallel.hpp"
#include "core/random.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::gradcheck;
using testing::random_tensor;
using Mat = std::vector<std::vector<double>>;

// --- an independent naive MAP in plain loops
// ------------------------------------------------------

Mat linear(const Mat& x, const Tensor<double>& w, const Tensor<double>& b) {
  Mat y(x.size(), std::vector<double>(static_cast<std::size_t>(w.dim(1))));
  for (std::size_t r = 0; r < x.size(); ++r) {
    for (Index o = 0; o < w.dim(1); ++o) {
      double acc = b[o];
      for (Index i = 0; i < w.dim(0); ++i) acc += x[r][static_cast<std::size_t>(i)] * w(i, o);
      y[r][static_cast<std::size_t>(o)] = acc;
    }
  }
  return y;
}

double gelu_exact(double v) {
  return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
}
double gelu_tanh(double v) {
  return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
}

// tokens [N, L, D] -> [N, Q, D], from the formula at the top of attention_pool.hpp
Tensor<double> naive_map(const Tensor<double>& tokens, AttentionPool<double>& map) {
  std::map<std::string, const Tensor<double>*> p;
  for (auto& [name, param] : map.named_parameters()) p[name] = &param->value;
  const Index N = tokens.dim(0), L = tokens.dim(1), D = tokens.dim(2);
  const Index Q = map.options().queries_, H = map.options().heads_, dh = D / H;
  Mat probe(static_cast<std::size_t>(Q), std::vector<double>(static_cast<std::size_t>(D)));
  for (Index i = 0; i < Q; ++i)
    for (Index c = 0; c < D; ++c) probe[i][c] = (*p["probe"])(i, c);
  const Mat q = linear(probe, *p["q_proj.weight"], *p["q_proj.bias"]);
  Tensor<double> out({N, Q, D});
  for (Index n = 0; n < N; ++n) {
    Mat x(static_cast<std::size_t>(L), std::vector<double>(static_cast<std::size_t>(D)));
    for (Index l = 0; l < L; ++l)
      for (Index c = 0; c < D; ++c) x[l][c] = tokens[(n * L + l) * D + c];
    const Mat k = linear(x, *p["k_proj.weight"], *p["k_proj.bias"]);
    const Mat v = linear(x, *p["v_proj.weight"], *p["v_proj.bias"]);
    Mat att(static_cast<std::size_t>(Q), std::vector<double>(static_cast<std::size_t>(D), 0.0));
    for (Index h = 0; h < H; ++h) {
      for (Index i = 0; i < Q; ++i) {
        std::vector<double> score(static_cast<std::size_t>(L));
        double z = 0;
        for (Index l = 0; l < L; ++l) {
          double dot = 0;
          for (Index c = h * dh; c < (h + 1) * dh; ++c) dot += q[i][c] * k[l][c];
          score[l] = std::exp(dot / std::sqrt(double(dh)));
          z += score[l];
        }
        for (Index l = 0; l < L; ++l)
          for (Index c = h * dh; c < (h + 1) * dh; ++c) att[i][c] += score[l] / z * v[l][c];
      }
    }
    const Mat a = linear(att, *p["out_proj.weight"], *p["out_proj.bias"]);
    Mat y = a;
    for (auto& row : y) {
      double mu = 0, var = 0;
      for (double e : row) mu += e / D;
      for (double e : row) var += (e - mu) * (e - mu) / D;
      for (Index c = 0; c < D; ++c) {
        row[c] = (row[c] - mu) / std::sqrt(var + map.options().layer_norm_eps_) *
                     (*p["norm.weight"])[c] +
                 (*p["norm.bias"])[c];
      }
    }
    Mat hdn = linear(y, *p["mlp.fc1.weight"], *p["mlp.fc1.bias"]);
    for (auto& row : hdn) {
      for (double& e : row) {
        switch (map.options().activation_) {
          case Activation::kGelu:
            e = gelu_exact(e);
            break;
          case Activation::kGeluTanh:
            e = gelu_tanh(e);
            break;
          case Activation::kRelu:
            e = std::max(e, 0.0);
            break;
        }
      }
    }
    const Mat m = linear(hdn, *p["mlp.fc2.weight"], *p["mlp.fc2.bias"]);
    for (Index i = 0; i < Q; ++i)
      for (Index c = 0; c < D; ++c) out[(n * Q + i) * D + c] = a[i][c] + m[i][c];
  }
  return out;
}

// Randomises every parameter (norm gain/bias start at 1/0, which would hide their use).
void randomise(AttentionPool<double>& map, std::uint64_t seed) {
  for (Parameter<double>* p : map.parameters()) p->value = random_tensor(p->value.shape(), seed++);
}

Tensor<double> run_map(AttentionPool<double>& map, const Tensor<double>& tokens) {
  Tape<double> tape;
  return map.forward(tape.leaf(tokens)).value();
}

TEST(AttentionPool, MatchesNaiveLoopForEveryActivationAndHeadCount) {
  for (auto act : {Activation::kGelu, Activation::kGeluTanh, Activation::kRelu}) {
    for (Index heads : {1, 2, 4}) {
      Generator gen(7);
      AttentionPool<double> map(
          AttentionPoolOptions(8).heads(heads).queries(3).mlp_dim(5).activation(act), gen);
      randomise(map, 100);
      const Tensor<double> tokens = random_tensor({2, 5, 8}, 3, -2, 2);
      const Tensor<double> got = run_map(map, tokens);
      const Tensor<double> expected = naive_map(tokens, map);
      ASSERT_EQ(got.shape(), (Shape{2, 3, 8}));
      for (Index i = 0; i < got.numel(); ++i) {
        ASSERT_NEAR(got[i], expected[i], 1e-12) << "heads " << heads << " element " << i;
      }
    }
  }
}

TEST(AttentionPool, DefaultsAreOneQueryAndFourTimesWiderMlp) {
  Generator gen(1);
  AttentionPool<double> map(AttentionPoolOptions(6).heads(3), gen);
  std::map<std::string, Shape> shapes;
  for (auto& [name, p] : map.named_parameters()) shapes[name] = p->value.shape();
  EXPECT_EQ(shapes.at("probe"), (Shape{1, 6}));
  EXPECT_EQ(shapes.at("mlp.fc1.weight"), (Shape{6, 24}));
  EXPECT_EQ(shapes.at("mlp.fc2.weight"), (Shape{24, 6}));
  EXPECT_EQ(shapes.size(), 15u);  // probe, norm x2, 6 Linear x (weight, bias)
  EXPECT_EQ(run_map(map, random_tensor({4, 3, 6}, 2)).shape(), (Shape{4, 1, 6}));
}

TEST(AttentionPool, GradcheckTokensAndEveryParameter) {
  for (auto act : {Activation::kGelu, Activation::kGeluTanh}) {
    Generator gen(3);
    AttentionPool<double> map(
        AttentionPoolOptions(4).heads(2).queries(2).mlp_dim(6).activation(act), gen);
    randomise(map, 40);
    auto result = gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) { return map.forward(in[0]); },
        {random_tensor({2, 3, 4}, 9)}, map.parameters());
    EXPECT_TRUE(result.ok) << result.report;
  }
}

TEST(AttentionPool, InvariantToThePermutationOfTokens) {
  Generator gen(5);
  AttentionPool<double> map(AttentionPoolOptions(8).heads(2).queries(2), gen);
  randomise(map, 60);
  const Index N = 3, L = 7, D = 8;
  const Tensor<double> tokens = random_tensor({N, L, D}, 4);
  Tensor<double> permuted(tokens.shape());
  for (Index n = 0; n < N; ++n) {
    const std::vector<Index> perm =
        random_permutation(L, CounterRng(11, static_cast<std::uint64_t>(n)));
    for (Index l = 0; l < L; ++l)
      for (Index c = 0; c < D; ++c)
        permuted[(n * L + l) * D + c] = tokens[(n * L + perm[l]) * D + c];
  }
  const Tensor<double> a = run_map(map, tokens), b = run_map(map, permuted);
  double moved = 0;
  for (Index i = 0; i < tokens.numel(); ++i) moved += std::abs(tokens[i] - permuted[i]);
  ASSERT_GT(moved, 1.0);  // the permutation did move tokens
  for (Index i = 0; i < a.numel(); ++i) EXPECT_NEAR(a[i], b[i], 1e-12);
}

TEST(AttentionPool, HeadsMustDivideTheDimension) {
  Generator gen(0);
  EXPECT_THROW(AttentionPool<double>(AttentionPoolOptions(6).heads(4), gen), ValueError);
  EXPECT_THROW(AttentionPool<double>(AttentionPoolOptions(6).heads(0), gen), ValueError);
  EXPECT_THROW(AttentionPool<double>(AttentionPoolOptions(6).queries(0), gen), ValueError);
  Tape<double> tape;
  Var<double> q = tape.leaf(random_tensor({1, 6}, 1));
  Var<double> k = tape.leaf(random_tensor({4, 6}, 2));
  EXPECT_THROW(multi_head_attention(q, k, k, 2, 4, true), ValueError);
}

TEST(AttentionPool, RejectsBadTokenShapes) {
  Generator gen(0);
  AttentionPool<double> map(AttentionPoolOptions(4).heads(2), gen);
  Tape<double> tape;
  EXPECT_THROW(map.forward(tape.leaf(Tensor<double>({3, 4}))), ShapeError);
  EXPECT_THROW(map.forward(tape.leaf(Tensor<double>({2, 3, 5}))), ShapeError);
  EXPECT_THROW(map.forward(tape.leaf(Tensor<double>({2, 0, 4}))), ShapeError);
}

TEST(MultiHeadAttention, MatchesNaiveLoopWithPerSetQueries) {
  const Index N = 2, Q = 3, L = 4, D = 6, H = 3, dh = 2;
  const Tensor<double> q = random_tensor({N * Q, D}, 1), k = random_tensor({N * L, D}, 2);
  const Tensor<double> v = random_tensor({N * L, D}, 3);
  Tape<double> tape;
  const Tensor<double> out =
      multi_head_attention(tape.leaf(q), tape.leaf(k), tape.leaf(v), N, H, false).value();
  for (Index n = 0; n < N; ++n) {
    for (Index i = 0; i < Q; ++i) {
      for (Index h = 0; h < H; ++h) {
        std::vector<double> w(L);
        double z = 0;
        for (Index l = 0; l < L; ++l) {
          double dot = 0;
          for (Index c = h * dh; c < (h + 1) * dh; ++c) dot += q(n * Q + i, c) * k(n * L + l, c);
          z += (w[l] = std::exp(dot / std::sqrt(2.0)));
        }
        for (Index c = h * dh; c < (h + 1) * dh; ++c) {
          double expected = 0;
          for (Index l = 0; l < L; ++l) expected += w[l] / z * v(n * L + l, c);
          EXPECT_NEAR(out(n * Q + i, c), expected, 1e-13);
        }
      }
    }
  }
}

TEST(MultiHeadAttention, GradcheckSharedAndPerSetQueries) {
  for (bool shared : {true, false}) {
    const Index N = 3, Q = 2, L = 4, D = 6;
    auto result = gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) {
          return multi_head_attention(in[0], in[1], in[2], N, 3, shared);
        },
        {random_tensor({shared ? Q : N * Q, D}, 1, -2, 2), random_tensor({N * L, D}, 2, -2, 2),
         random_tensor({N * L, D}, 3)});
    EXPECT_TRUE(result.ok) << (shared ? "shared: " : "per set: ") << result.report;
  }
}

TEST(MultiHeadAttention, OneTokenReturnsItsValueAndHugeScoresStayFinite) {
  Tape<double> tape;
  const Tensor<double> v = random_tensor({2, 4}, 5);
  Var<double> one =
      multi_head_attention(tape.leaf(random_tensor({1, 4}, 4)), tape.leaf(random_tensor({2, 4}, 6)),
                           tape.leaf(v), 2, 2, true);
  for (Index i = 0; i < v.numel(); ++i) EXPECT_NEAR(one.value()[i], v[i], 1e-15);
  Var<double> big = multi_head_attention(tape.leaf(random_tensor({1, 4}, 4, 500, 1000)),
                                         tape.leaf(random_tensor({6, 4}, 6, 500, 1000)),
                                         tape.leaf(random_tensor({6, 4}, 7)), 1, 2, true);
  for (Index i = 0; i < big.value().numel(); ++i) EXPECT_TRUE(std::isfinite(big.value()[i]));
}

TEST(LayerNorm, GradcheckInputGainAndBias) {
  auto result = gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) {
        return layer_norm(in[0], in[1], in[2], 1e-6);
      },
      {random_tensor({3, 5}, 1, -2, 2), random_tensor({5}, 2), random_tensor({5}, 3)});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(Activation, GradcheckEveryKind) {
  for (auto act : {Activation::kGelu, Activation::kGeluTanh, Activation::kRelu}) {
    auto result = gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) { return activation(in[0], act); },
        {random_tensor({4, 5}, 8, -3, 3)});
    EXPECT_TRUE(result.ok) << result.report;
  }
}

TEST(AttentionPool, BitwiseIdenticalForAnyThreadCount) {
  const Tensor<float> tokens = testing::random_tensor_float({16, 50, 32}, 12);
  const Tensor<float> seed = testing::random_tensor_float({16, 2, 32}, 13);
  auto run = [&](int threads, std::vector<Tensor<float>>& results) {
    ThreadLimit limit(threads);
    Generator gen(9);
    AttentionPool<float> map(AttentionPoolOptions(32).heads(4).queries(2), gen);
    Tape<float> tape;
    Var<float> x = tape.leaf(tokens);
    Var<float> y = map.forward(x);
    tape.backward(y, seed);
    results = {y.value(), x.grad()};
    for (Parameter<float>* p : map.parameters()) results.push_back(p->grad);
  };
  std::vector<Tensor<float>> one, two;
  run(1, one);
  run(2, two);
  ASSERT_EQ(one.size(), two.size());
  for (std::size_t t = 0; t < one.size(); ++t) {
    for (Index i = 0; i < one[t].numel(); ++i) ASSERT_EQ(one[t][i], two[t][i]) << t << " " << i;
  }
}

}  // namespace
}  // namespace graphpool
