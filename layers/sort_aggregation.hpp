#pragma once
/// Sort pooling (DGCNN, Zhang et al. 2018; PyG's `SortAggregation(k)`): the nodes of each graph
/// sorted by their LAST feature, descending; the first k kept, fewer padded with zero rows; the
/// [k, F] block flattened to one row: x [N, F] -> [G, k * F].
///   out[g, j * F + f] = x[rows[g * k + j], f]   (0 where rows[..] = -1: padding)
/// Ties (equal last features) keep node order: the lower node index comes first (a stable sort;
/// torch.sort in PyG is not stable, so PyG's order among ties is unspecified). A NaN key sorts
/// first, as torch's descending sort. Padding: PyG pads with min(x) - 1 and then replaces EVERY
/// element equal to it by 0; we write 0 into the padding rows only (same result unless min(x) - 1
/// rounds to min(x), i.e. |min(x)| >= 2^24 in float). Gradient: each kept node's row receives its
/// slice of the output gradient; dropped nodes and padding receive none. Sorting is per graph in
/// parallel (independent), so the result does not depend on the thread count.
///   Var<float> h = sort_aggregation(x, batch.node_ptr(), /*k=*/30);   // [num_graphs, 30 * F]
#include <span>

#include "core/module.hpp"
#include "core/tape.hpp"

namespace graphpool {

/// The kept node of each output slot: rows[g * k + j] = the j-th node of graph g by descending
/// key (ties by node index), -1 past the graph's size. keys [N], rows [G * k] (overwritten).
template <class T>
void sort_pool_rows(std::span<const T> keys, std::span<const Index> node_ptr, Index k,
                    std::span<Index> rows);

/// x [N, F] -> [G, k * F] (see the top of the file). ValueError if k < 1; node_ptr is copied.
template <class T>
Var<T> sort_aggregation(Var<T> x, std::span<const Index> node_ptr, Index k);

/// Options of SortAggregation: the number of nodes kept per graph (required).
///   SortAggregationOptions(30)
struct SortAggregationOptions {
  explicit SortAggregationOptions(Index k) : k_(k) {}
  Index k_;
};

/// PyG's SortAggregation as a module (no parameters).
///   SortAggregation<float> sort_pool(SortAggregationOptions(30));
///   Var<float> h = sort_pool.forward(x, batch.node_ptr());   // [num_graphs, 30 * F]
template <class T>
class SortAggregation : public Module<T> {
 public:
  explicit SortAggregation(const SortAggregationOptions& options) : options_(options) {}
  Var<T> forward(Var<T> x, std::span<const Index> node_ptr) {
    return sort_aggregation(x, node_ptr, options_.k_);
  }
  const SortAggregationOptions& options() const { return options_; }

 private:
  SortAggregationOptions options_;
};

}  // namespace graphpool
