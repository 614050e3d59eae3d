#pragma once
/// DiffPool on padded dense batches (PyG `dense_diff_pool`, Ying et al. 2018):
///   s   = softmax(s) over the C clusters, then x * mask and s * mask;
///   x'  = s^T x                                    [B, C, F]
///   A'  = s^T A s                                  [B, C, C]
///   link loss    = ||A - s s^T||_F / numel(A)      (all batches in one Frobenius norm; without
///                                                   the division when normalize is false)
///   entropy loss = mean over the B * N rows of -sum_c s log(s + 1e-15)  (padded rows count, as 0)
///   DenseBatch<float> d = to_dense_batch(h, batch);
///   Var<float> adj = tape.constant(to_dense_adj<float>(batch));
///   DiffPoolOutput<float> out = dense_diff_pool(d.x, adj, assign_logits, d.mask);
#include <cstdint>
#include <span>

#include "core/tape.hpp"

namespace graphpool {

/// What dense_diff_pool returns (PyG's tuple, plus the assignment actually used).
template <class T>
struct DiffPoolOutput {
  Var<T> x;             ///< [B, C, F] pooled features s^T x
  Var<T> adj;           ///< [B, C, C] coarsened adjacency s^T A s
  Var<T> link_loss;     ///< [] ||A - s s^T||_F (/ numel(A))
  Var<T> entropy_loss;  ///< [] mean row entropy of s
  Var<T> s;             ///< [B, N, C] softmax(s) * mask
};

/// PyG's keyword arguments.
///   DenseDiffPoolOptions().normalize(false)
struct DenseDiffPoolOptions {
  /// Divide the link loss by numel(A) (default true, as PyG).
  DenseDiffPoolOptions& normalize(bool on) {
    normalize_ = on;
    return *this;
  }
  bool normalize_ = true;
};

/// x [B, N, F], adj [B, N, N], s [B, N, C] logits (rank-2 inputs count as B = 1, as PyG's
/// unsqueeze); mask empty or [B * N] (1 = real node). ShapeError names mismatched shapes.
template <class T>
DiffPoolOutput<T> dense_diff_pool(Var<T> x, Var<T> adj, Var<T> s,
                                  std::span<const std::uint8_t> mask = {},
                                  const DenseDiffPoolOptions& options = {});

/// ||adj - s s^T||_F (/ numel(adj) when normalize) for adj [B, N, N], s [B, N, C] (s already
/// soft-maxed). Backward with G = d/dR = g R / ||R||: dadj = G, ds = -(G + G^T) s (0 if R = 0).
template <class T>
Var<T> diff_pool_link_loss(Var<T> adj, Var<T> s, bool normalize = true);

/// mean over rows r of -sum_c s_rc log(s_rc + 1e-15), s [B, N, C] -> [];
/// ds_rc = -(log(s_rc + eps) + s_rc / (s_rc + eps)) / rows.
template <class T>
Var<T> diff_pool_entropy_loss(Var<T> s);

}  // namespace graphpool
