#pragma once
/// Pooling windows as clusters of grid nodes: on an H x W grid graph node (row, col) has id
/// row * W + col, and output (oh, ow) of a pooling op is cluster oh * out_w + ow holding the
/// window's in-bounds nodes in row-major order (so the cluster max's first arg-max is torch's).
/// Padding just means fewer members; the nominal size (with padding) is kept for
/// count_include_pad. The cluster_pool operators on these clusters equal the strided kernels.
///   ClusterMembership m = window_clusters(window_grid("max_pool2d", 9, 11, 3, 2, 1, 1, false));
#include "layers/cluster_pool.hpp"
#include "layers/pool2d_window.hpp"

namespace graphpool {

/// One cluster per output position of `grid` (regular, adaptive or global windows).
ClusterMembership window_clusters(const PoolGrid& grid);

/// [1, C, H, W] image -> [H * W, C] node features (node row * W + col), and back for outputs:
/// [K, C] cluster features -> [1, C, out_h, out_w].
template <class T>
Tensor<T> image_to_nodes(const Tensor<T>& image);
template <class T>
Tensor<T> nodes_to_image(const Tensor<T>& nodes, Index H, Index W);

}  // namespace graphpool
