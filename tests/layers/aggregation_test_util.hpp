#pragma once
// Helpers shared by the aggregation tests (softmax, power-mean, variance, attentional, Set2Set,
// sort, weight-and-sum, multi): one forward + backward run with a fixed upstream gradient, node
// shuffles inside each graph, and comparisons.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/parallel.hpp"
#include "core/parameter.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"

namespace graphpool::testing {

template <class T>
using AggregationFn = std::function<Var<T>(Var<T> x, std::span<const Index> node_ptr)>;

template <class T>
struct AggregationRun {
  Tensor<T> out;
  Tensor<T> grad_x;
  std::vector<Tensor<T>> param_grads;
};

// out = f(x), then backward of sum(out * seed) with seed[i] = sin(0.7 i + 0.3) (fixed).
template <class T>
AggregationRun<T> run_aggregation(const AggregationFn<T>& f, const Tensor<T>& x,
                                  std::span<const Index> node_ptr,
                                  const std::vector<Parameter<T>*>& params = {}) {
  for (auto* p : params) p->grad.set_zero();
  Tape<T> tape;
  Var<T> xv = tape.leaf(x);
  Var<T> out = f(xv, node_ptr);
  Tensor<T> seed(out.shape());
  for (Index i = 0; i < seed.numel(); ++i) seed[i] = static_cast<T>(std::sin(0.7 * i + 0.3));
  tape.backward(out, seed);
  AggregationRun<T> r{out.value(), xv.grad(), {}};
  for (auto* p : params) r.param_grads.push_back(p->grad);
  return r;
}

// perm[new position] = old node, a random shuffle inside each graph.
inline std::vector<Index> shuffle_within_graphs(std::span<const Index> node_ptr,
                                                std::uint64_t seed) {
  std::vector<Index> perm;
  for (std::size_t g = 0; g + 1 < node_ptr.size(); ++g) {
    auto local = random_permutation(node_ptr[g + 1] - node_ptr[g], CounterRng(seed, g));
    for (Index j : local) perm.push_back(node_ptr[g] + j);
  }
  return perm;
}

template <class T>
Tensor<T> rows_in_order(const Tensor<T>& x, const std::vector<Index>& perm) {
  Tensor<T> y(x.shape());
  const Index F = x.cols();
  for (Index i = 0; i < x.rows(); ++i) {
    for (Index f = 0; f < F; ++f) y(i, f) = x(perm[static_cast<std::size_t>(i)], f);
  }
  return y;
}

inline void expect_close(const Tensor<double>& want, const Tensor<double>& got, double tol,
                         const std::string& what) {
  ASSERT_EQ(want.shape(), got.shape()) << what;
  for (Index i = 0; i < want.numel(); ++i) {
    EXPECT_NEAR(want[i], got[i], tol * (1 + std::abs(want[i]))) << what << " element " << i;
  }
}

template <class T>
void expect_bitwise(const Tensor<T>& a, const Tensor<T>& b, const std::string& what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), sizeof(T) * static_cast<std::size_t>(a.numel())))
      << what << " differs bitwise";
}

// Shuffling the nodes inside each graph leaves the output (and parameter gradients) unchanged
// and permutes grad_x the same way.
inline void expect_permutation_invariant(const AggregationFn<double>& f, const Tensor<double>& x,
                                         std::span<const Index> node_ptr,
                                         const std::vector<Parameter<double>*>& params = {},
                                         double tol = 1e-12) {
  const std::vector<Index> perm = shuffle_within_graphs(node_ptr, 99);
  bool moved = false;
  for (std::size_t i = 0; i < perm.size(); ++i) moved = moved || perm[i] != static_cast<Index>(i);
  ASSERT_TRUE(moved) << "the shuffle must move some node";
  const auto a = run_aggregation(f, x, node_ptr, params);
  const auto b = run_aggregation(f, rows_in_order(x, perm), node_ptr, params);
  expect_close(a.out, b.out, tol, "out");
  expect_close(rows_in_order(a.grad_x, perm), b.grad_x, tol, "grad_x");
  for (std::size_t k = 0; k < params.size(); ++k) {
    expect_close(a.param_grads[k], b.param_grads[k], tol, "grad " + params[k]->name);
  }
}

// Bitwise identical outputs and gradients with one and two threads (float).
inline void expect_thread_count_independent(const AggregationFn<float>& f, const Tensor<float>& x,
                                            std::span<const Index> node_ptr,
                                            const std::vector<Parameter<float>*>& params = {}) {
  AggregationRun<float> one, two;
  {
    ThreadLimit limit(1);
    one = run_aggregation(f, x, node_ptr, params);
  }
  {
    ThreadLimit limit(2);
    two = run_aggregation(f, x, node_ptr, params);
  }
  expect_bitwise(one.out, two.out, "out");
  expect_bitwise(one.grad_x, two.grad_x, "grad_x");
  for (std::size_t k = 0; k < params.size(); ++k) {
    expect_bitwise(one.param_grads[k], two.param_grads[k], "grad " + params[k]->name);
  }
}

// node_ptr of graph_count graphs of 0..n_max nodes (graph 1 is always empty, graph 0 has 1 node).
inline std::vector<Index> varied_node_ptr(Index graph_count, Index n_max, std::uint64_t seed) {
  CounterRng rng(seed, 0);
  std::vector<Index> ptr{0};
  for (Index g = 0; g < graph_count; ++g) {
    Index n = static_cast<Index>(rng.below(static_cast<std::uint64_t>(g), n_max + 1));
    if (g == 0) n = 1;
    if (g == 1) n = 0;
    ptr.push_back(ptr.back() + n);
  }
  return ptr;
}

}  // namespace graphpool::testing
