#pragma once
/// The GCN normalisation of one graph structure (PyG `gcn_norm`), computed once and shared by every
/// GCN layer and SAGPool scorer that runs on that structure:
///   A_hat = D^-1/2 (A + I) D^-1/2,  A[t, s] = sum of the weights of the edges s -> t (1 each when
///   unweighted, so duplicates add up),  D[t] = 1 + sum of A[t, :] (in-degree + 1, at the target).
/// Stored as the graph's CSR by target (the gather layout of out = A_hat x) plus its transpose
/// (CSR by source), so both A_hat x and A_hat^T g are parallel, deterministic gathers.
///   GcnNorm<float> norm(batch.graph());
///   norm.propagate(xw, out);        // out = A_hat xw, both [N, C]
/// Copies are cheap (shared, immutable data): backward closures keep their own copy.
#include <memory>
#include <span>

#include "core/tensor.hpp"
#include "graph/graph.hpp"

namespace graphpool {

template <class T>
class GcnNorm {
 public:
  /// The normalisation of the empty graph.
  GcnNorm();
  explicit GcnNorm(const Graph& graph);

  Index num_nodes() const;
  Index num_edges() const;
  /// [N + 1], [E]: the graph's CSR by target (incoming edges of t are edge_ptr[t] ..
  /// edge_ptr[t+1]).
  std::span<const Index> edge_ptr() const;
  std::span<const Index> sources() const;
  /// [E]: A_hat[t, sources[e]] contribution of CSR edge e = d_t^-1/2 w_e d_s^-1/2.
  std::span<const T> edge_coef() const;
  /// [N]: the self-loop coefficient A_hat[t, t] contribution of I, d_t^-1/2 d_t^-1/2.
  std::span<const T> self_coef() const;
  /// [N]: D^-1/2.
  std::span<const T> deg_inv_sqrt() const;

  /// out = A_hat x (out += A_hat x when `add`), plus bias [C] on every row when bias is not
  /// empty; x and out are [N, C] and must not alias.
  void propagate(const Eigen::Ref<const RowMatrix<T>>& x, MatrixMap<T> out, bool add = false,
                 std::span<const T> bias = {}) const;
  /// out = A_hat^T x (the backward of propagate; += when `add`); x, out [N, C], not aliased.
  void propagate_transpose(const Eigen::Ref<const RowMatrix<T>>& x, MatrixMap<T> out,
                           bool add = false) const;
  /// A_hat as a dense [N, N] matrix (for tests and small graphs).
  RowMatrix<T> dense() const;

 private:
  struct Data;
  std::shared_ptr<const Data> data_;
};

extern template class GcnNorm<float>;
extern template class GcnNorm<double>;

}  // namespace graphpool
