#pragma once
/// Variance and standard deviation per graph, PyG's `VarAggregation` / `StdAggregation`:
///   var[g, f] = mean_{i in g} x[i, f]^2 - (mean_{i in g} x[i, f])^2     (biased; PyG's formula)
///   std[g, f] = sqrt(max(var, 1e-5)), then set to 0 where it is <= sqrt(1e-5)
/// The std rule is PyG's `var.clamp(min=1e-5).sqrt().masked_fill(out <= sqrt(1e-5), 0)`: a graph
/// whose variance is <= 1e-5 (a constant feature, a single node, an empty graph) gives std 0 AND
/// no gradient (instead of sqrt's infinite slope at 0); above it, d std / d var = 1 / (2 std).
/// The one-pass formula is PyG's, including its cancellation: var can come out slightly negative
/// for large, nearly constant features (std then gives 0). An empty graph gives var 0.
/// d var / d x_i = 2 (x_i - mean) / n. One fused pass over x computes both sums (no [N, F] x^2
/// temporary); sums in node order per (graph, feature), bitwise identical for any thread count.
///   Var<float> v = global_var_pool(x, batch.node_ptr());   // [num_graphs, F]
///   Var<float> s = global_std_pool(x, batch.node_ptr());
#include <span>

#include "core/module.hpp"
#include "core/tape.hpp"

namespace graphpool {

/// The variance threshold of StdAggregation (PyG's 1e-5).
inline constexpr double kStdMinVariance = 1e-5;

// --- kernels (views, no tape) ------------------------------------------------------------------

/// var [G, F] and mean [G, F] (kept for backward), both overwritten.
template <class T>
void segment_var(ConstMatrixMap<T> x, std::span<const Index> node_ptr, MatrixMap<T> var,
                 MatrixMap<T> mean);

/// grad_x[i] += 2 grad_var[g] (x[i] - mean[g]) / n_g for every node i of graph g.
template <class T>
void segment_var_backward(ConstMatrixMap<T> x, std::span<const Index> node_ptr,
                          ConstMatrixMap<T> mean, ConstMatrixMap<T> grad_var, MatrixMap<T> grad_x);

/// In place: var -> std by PyG's rule (see the top of the file).
template <class T>
void std_from_var(MatrixMap<T> values);

/// grad_var = grad_std / (2 std) where std > 0, else 0 (overwrites grad_var).
template <class T>
void std_backward(ConstMatrixMap<T> std, ConstMatrixMap<T> grad_std, MatrixMap<T> grad_var);

// --- tape ops ----------------------------------------------------------------------------------

/// x [N, F] -> var [G, F] (PyG's VarAggregation). node_ptr is not copied (keep it alive).
template <class T>
Var<T> global_var_pool(Var<T> x, std::span<const Index> node_ptr);

/// x [N, F] -> std [G, F] (PyG's StdAggregation, see the threshold rule above).
template <class T>
Var<T> global_std_pool(Var<T> x, std::span<const Index> node_ptr);

// --- modules -----------------------------------------------------------------------------------

/// PyG's VarAggregation (no parameters).
///   VarAggregation<float> agg;  Var<float> v = agg.forward(x, node_ptr);
template <class T>
class VarAggregation : public Module<T> {
 public:
  Var<T> forward(Var<T> x, std::span<const Index> node_ptr) { return global_var_pool(x, node_ptr); }
};

/// PyG's StdAggregation (no parameters).
///   StdAggregation<float> agg;  Var<float> s = agg.forward(x, node_ptr);
template <class T>
class StdAggregation : public Module<T> {
 public:
  Var<T> forward(Var<T> x, std::span<const Index> node_ptr) { return global_std_pool(x, node_ptr); }
};

}  // namespace graphpool
