#pragma once
/// Softmax aggregation with a (learnable) temperature, PyG's `SoftmaxAggregation(t, learn,
/// channels)` (DeeperGCN): per graph g and feature f,
///   out[g, f] = sum_{i in g} softmax_i(t_f x[i, f]) x[i, f]
///   softmax_i(s) = exp(s_i - max_g s) / (sum_{j in g} exp(s_j - max_g s) + 1e-16)   (PyG's
///   softmax)
/// with one temperature t (channels = 1) or one per feature (channels = F). t -> 0 is the mean,
/// t -> +inf the max, t -> -inf the min. An empty graph gives 0. Summation in node order per
/// (graph, feature): bitwise identical for any number of threads.
///   SoftmaxAggregation<float> agg(SoftmaxAggregationOptions().learn(true));
///   Var<float> h = agg.forward(x, batch.node_ptr());   // [num_graphs, F]
#include <span>

#include "core/module.hpp"
#include "core/tape.hpp"

namespace graphpool {

// --- kernels (views, no tape) ------------------------------------------------------------------

/// Forward: out [G, F] and, for backward, shift = max_g(t x) and norm = sum exp(t x - shift) +
/// 1e-16 ([G, F] each; 0 and 1 for an empty graph). t has 1 or F entries. All outputs overwritten.
template <class T>
void segment_softmax_aggregate(ConstMatrixMap<T> x, std::span<const T> t,
                               std::span<const Index> node_ptr, MatrixMap<T> out,
                               MatrixMap<T> shift, MatrixMap<T> norm);

/// Backward: with a_i = exp(t x_i - shift) / norm,
///   grad_x[i, f] += g[f] a_i (1 + t_f (x_i - out))       grad_t[c] += sum g a_i (x_i - out) x_i
/// (the t sum runs over every graph, and over features when t has one entry). grad_t may be empty
/// (t needs no gradient), so may grad_x (0 rows).
template <class T>
void segment_softmax_aggregate_backward(ConstMatrixMap<T> x, std::span<const T> t,
                                        std::span<const Index> node_ptr, ConstMatrixMap<T> out,
                                        ConstMatrixMap<T> shift, ConstMatrixMap<T> norm,
                                        ConstMatrixMap<T> grad_out, MatrixMap<T> grad_x,
                                        std::span<T> grad_t);

// --- tape op -----------------------------------------------------------------------------------

/// x [N, F], t [1] or [F] (a parameter or a constant) -> [G, F]. node_ptr is not copied (keep it
/// alive until backward). ShapeError if t has neither 1 nor F entries.
///   Var<double> h = softmax_aggregation(x, tape.parameter(t), node_ptr);
template <class T>
Var<T> softmax_aggregation(Var<T> x, Var<T> t, std::span<const Index> node_ptr);

// --- module ------------------------------------------------------------------------------------

/// Options of SoftmaxAggregation (PyG's arguments; semi_grad is not offered).
///   SoftmaxAggregationOptions().t(0.5).learn(true).channels(64)
struct SoftmaxAggregationOptions {
  SoftmaxAggregationOptions() = default;
  /// Initial (or fixed) temperature (default 1).
  SoftmaxAggregationOptions& t(double value) {
    t_ = value;
    return *this;
  }
  /// Learn t as a parameter "t" (default false: t is a constant).
  SoftmaxAggregationOptions& learn(bool on) {
    learn_ = on;
    return *this;
  }
  /// Number of temperatures: 1 (shared) or F (one per feature; needs learn, as PyG).
  SoftmaxAggregationOptions& channels(Index c) {
    channels_ = c;
    return *this;
  }
  double t_ = 1.0;
  bool learn_ = false;
  Index channels_ = 1;
};

/// PyG's SoftmaxAggregation as a module; parameter "t" [channels] when learn(true).
///   SoftmaxAggregation<float> agg(SoftmaxAggregationOptions().learn(true));
template <class T>
class SoftmaxAggregation : public Module<T> {
 public:
  /// ValueError if channels < 1, or channels > 1 without learn (as PyG).
  explicit SoftmaxAggregation(const SoftmaxAggregationOptions& options = {});
  /// x [N, F] -> [G, F].
  Var<T> forward(Var<T> x, std::span<const Index> node_ptr);
  const SoftmaxAggregationOptions& options() const { return options_; }
  /// The temperature parameter (nullptr unless learn(true)).
  Parameter<T>* t() { return t_; }

 private:
  SoftmaxAggregationOptions options_;
  Parameter<T>* t_ = nullptr;
};

extern template class SoftmaxAggregation<float>;
extern template class SoftmaxAggregation<double>;

}  // namespace graphpool
