#pragma once
/// The soft cluster assignment of the dense pooling layers: s = softmax(s / temp) over the clusters
/// (the last axis), then s * mask (padded nodes get an all-zero row), as PyG's dense_diff_pool and
/// dense_mincut_pool do before pooling.
///   Var<float> s = dense_assignment(logits, d.mask);      // [B, N, C], rows sum to 1 (or 0)
#include <cstdint>
#include <span>

#include "core/tape.hpp"

namespace graphpool {

/// s [B, N, C] (or [N, C]) -> softmax_c(s / temp) * mask[b, n]; mask empty means no mask, else it
/// has B * N entries. Max-shifted; backward ds = mask * y (g - sum_c g y) / temp.
template <class T>
Var<T> dense_assignment(Var<T> s, std::span<const std::uint8_t> mask = {}, double temp = 1.0);

/// The steps DiffPool and MinCut share, on inputs [B, N, F], [B, N, N], [B, N, C] (or the same
/// without B): s = dense_assignment(s, mask, temp), x masked, x' = s^T x and A' = s^T A s.
template <class T>
struct DenseCoarsening {
  Var<T> x;          ///< [B, C, F] pooled features
  Var<T> adj;        ///< [B, C, C] coarsened adjacency (not normalised)
  Var<T> s;          ///< [B, N, C] the masked soft assignment
  Var<T> input_adj;  ///< [B, N, N] the input adjacency, batched
};
template <class T>
DenseCoarsening<T> dense_coarsen(const char* what, Var<T> x, Var<T> adj, Var<T> s,
                                 std::span<const std::uint8_t> mask, double temp);

}  // namespace graphpool
