#pragma once
/// Padded dense batches (PyG `to_dense_batch` / `to_dense_adj`): the input of the dense pooling
/// layers (DiffPool, MinCut). Graph b's nodes become rows 0 .. n_b - 1 of slice b; the rest is
/// padding, marked false in the mask.
///   DenseBatch<float> d = to_dense_batch(x, batch);         // d.x [B, N_max, F], d.mask [B,
///   N_max] Tensor<float> adj = to_dense_adj<float>(batch);         // [B, N_max, N_max]
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/tape.hpp"
#include "graph/graph_batch.hpp"

namespace graphpool {

/// x as a padded batch plus the mask of real nodes.
template <class T>
struct DenseBatch {
  Var<T> x;                        ///< [B, N_max, F]
  std::vector<std::uint8_t> mask;  ///< [B * N_max] row-major: 1 for a real node, 0 for padding
  Index batch_size = 0;            ///< B
  Index max_nodes = 0;             ///< N_max
};

/// Options of to_dense_batch / to_dense_adj (PyG's keyword arguments).
///   DenseBatchOptions().max_num_nodes(32).fill_value(0)
struct DenseBatchOptions {
  /// N_max; default the largest graph. Nodes at local position >= N_max are dropped (as PyG).
  DenseBatchOptions& max_num_nodes(std::optional<Index> n) {
    max_num_nodes_ = n;
    return *this;
  }
  /// The value of padded entries of x (default 0; the adjacency is always padded with 0).
  DenseBatchOptions& fill_value(double v) {
    fill_value_ = v;
    return *this;
  }
  std::optional<Index> max_num_nodes_;
  double fill_value_ = 0;
};

/// PyG's to_dense_batch(x, batch): out[g, i] = x[node_ptr[g] + i] for i < min(n_g, N_max), padding
/// elsewhere. x [N, F] with N = node_ptr.back(). Backward: dx[node] += dout[g, i] (dropped nodes
/// get 0).
template <class T>
DenseBatch<T> to_dense_batch(Var<T> x, std::span<const Index> node_ptr,
                             const DenseBatchOptions& options = {});
template <class T>
DenseBatch<T> to_dense_batch(Var<T> x, const GraphBatch& batch,
                             const DenseBatchOptions& options = {});

/// PyG's to_dense_adj(edge_index, batch, edge_attr=weights): adj[g, s, t] = sum of the weights of
/// the edges s -> t of graph g (local ids; 1 per edge when unweighted, so duplicates add up).
/// Edges touching a node beyond N_max are dropped (as PyG). A constant (no gradient).
template <class T>
Tensor<T> to_dense_adj(const GraphBatch& batch, const DenseBatchOptions& options = {});

/// x [B, N, F] with every row multiplied by mask [B * N] (0 or 1); x [N, F] counts as B = 1.
/// Backward dx = dout * mask. The `x * mask` step of PyG's dense pooling.
template <class T>
Var<T> mask_nodes(Var<T> x, std::span<const std::uint8_t> mask);

}  // namespace graphpool
