#pragma once
/// Pooling as select / connect / reduce, shared by top-k pooling and SAGPool (PyG
/// `nn/pool/select/topk.py`, `connect/filter_edges.py`):
///   select:  per graph, the k_g best-scoring nodes (k_g = ceil(ratio n_g) in float32, or a fixed
///            k, or PyG's min_score rule), ordered by graph, then descending score, ties to the
///            lower node id;
///   connect: the induced subgraph on the kept nodes (graph/coarsen.hpp), renumbered to positions
///            in `kept`;
///   reduce:  x' = x[kept] * gate[kept], gate = tanh / sigmoid / identity of the score (or the
///            per-graph softmax of the score under min_score), differentiable in x and the score.
///   PoolOutput<float> out = pool_by_score(x, batch, score, SelectOptions().ratio(0.5));
#include <optional>
#include <span>
#include <vector>

#include "core/tape.hpp"
#include "graph/graph_batch.hpp"

namespace graphpool {

/// The gate applied to the selection score before it multiplies the kept features (PyG's
/// `nonlinearity`); ignored under min_score, where the gate is the per-graph softmax.
enum class PoolNonlinearity { kTanh, kSigmoid, kNone };

/// The fields (and chained setters) saying how many nodes a top-k style pooling keeps; pooling
/// options derive from it so their setters chain: TopKPoolOptions(128).ratio(0.3).k(std::nullopt).
/// Precedence: min_score, then k, then ratio (setting both min_score and k is an error).
template <class Derived>
struct SelectFields {
  /// Fraction of nodes kept per graph, in (0, 1]: k_g = ceil(ratio * n_g) in float32 (default 0.5).
  Derived& ratio(double r) {
    ratio_ = r;
    return self();
  }
  /// A fixed number of nodes kept per graph (>= 1; graphs with fewer keep all); overrides ratio.
  Derived& k(std::optional<Index> k) {
    k_ = k;
    return self();
  }
  /// PyG's min_score: the scores are soft-maxed per graph, and nodes with softmax score >
  /// min(min_score, max_g - tol) are kept (the best node of a graph always survives).
  Derived& min_score(std::optional<double> s) {
    min_score_ = s;
    return self();
  }
  /// Tolerance of the min_score rule (PyG's tol, default 1e-7).
  Derived& tol(double t) {
    tol_ = t;
    return self();
  }
  double ratio_ = 0.5;
  std::optional<Index> k_;
  std::optional<double> min_score_;
  double tol_ = 1e-7;

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
};

/// The select rule on its own, for the free functions.
///   SelectOutput<float> sel = select_top_k<float>(scores, batch.node_ptr(), SelectOptions().k(3));
struct SelectOptions : SelectFields<SelectOptions> {
  SelectOptions() = default;
  template <class D>
  SelectOptions(const SelectFields<D>& f) {  // NOLINT(google-explicit-constructor)
    ratio_ = f.ratio_, k_ = f.k_, min_score_ = f.min_score_, tol_ = f.tol_;
  }
  /// Throws ValueError naming the bad value (`who` prefixes the message).
  void validate(const char* who) const;
};

/// The kept nodes of one pooling step; the constructor checks every invariant (ids in range and
/// inside their graph, no node twice, kept_ptr consistent, scores non-increasing within a graph
/// with ties in ascending id order, no NaN) and throws ValueError / IndexError otherwise.
///   sel.kept()[sel.kept_ptr()[g]]    // the best node of graph g (if it kept any)
template <class T>
class SelectOutput {
 public:
  SelectOutput() : kept_ptr_(1, 0) {}
  /// kept [K] node ids; kept_ptr [G + 1]; score [K] the selection score of every kept node;
  /// node_ptr [G + 1] the graphs before selection.
  SelectOutput(std::vector<Index> kept, std::vector<Index> kept_ptr, std::vector<T> score,
               std::span<const Index> node_ptr);

  /// [K] ids (before pooling) of the kept nodes, by graph, then descending score.
  std::span<const Index> kept() const { return kept_; }
  /// [G + 1]: the kept nodes of graph g are kept()[kept_ptr[g] .. kept_ptr[g + 1]).
  std::span<const Index> kept_ptr() const { return kept_ptr_; }
  /// [K] the score each kept node was selected by.
  std::span<const T> score() const { return score_; }
  Index size() const { return static_cast<Index>(kept_.size()); }
  Index num_graphs() const { return static_cast<Index>(kept_ptr_.size()) - 1; }
  /// Number of nodes before selection.
  Index num_nodes() const { return num_nodes_; }

 private:
  std::vector<Index> kept_;
  std::vector<Index> kept_ptr_;
  std::vector<T> score_;
  Index num_nodes_ = 0;
};

/// Number of nodes a graph of n nodes keeps under `options` without min_score:
/// min(n, max(1, ceil(float(ratio) * float(n)))) or min(n, k); 0 for n = 0.
Index top_k_count(Index n, const SelectOptions& options);

/// select: the per-graph top-k of score [N] over graphs node_ptr [G + 1] (N = node_ptr[G]).
/// ValueError for a NaN score (naming the node) or a bad rule.
template <class T>
SelectOutput<T> select_top_k(std::span<const T> score, std::span<const Index> node_ptr,
                             const SelectOptions& options);

/// y = softmax of score [N] within every graph of node_ptr (PyG's `softmax(src, index)`:
/// exp(s - max_g) / (sum_g exp(s - max_g) + 1e-16)); backward dy_i/ds_j = y_i (delta_ij - y_j).
template <class T>
Var<T> segment_softmax(Var<T> score, std::span<const Index> node_ptr);

/// gate [K] = f(score[kept]) (score has N elements, any shape); backward through f.
template <class T>
Var<T> gather_gate(Var<T> score, std::span<const Index> kept, PoolNonlinearity f);

/// reduce: out [K, F] = x[kept] * gate (row i scaled by gate[i]); kept ids distinct.
template <class T>
Var<T> gated_gather(Var<T> x, std::span<const Index> kept, Var<T> gate);

/// What a pooling step returns: what the next layer, backward and unpooling need.
template <class T>
struct PoolOutput {
  Var<T> x;                     ///< [K, F] pooled features x[kept] * gate
  GraphBatch batch;             ///< pooled graphs: node i is old node kept()[i]
  Var<T> score;                 ///< [K] the gate values (PyG's returned `score[perm]`)
  SelectOutput<T> selection;    ///< kept ids, per-graph offsets, selection scores
  std::vector<Index> edge_ids;  ///< [pooled edges] CSR id in the input of every kept edge
  std::span<const Index> kept() const { return selection.kept(); }
};

/// select -> connect -> reduce from per-node scores [N] (or [N, 1]) of x [N, F] on `batch`.
/// Without min_score: select on score, gate = f(score). With min_score: s = segment_softmax(score),
/// select on s, gate = s (f ignored), as PyG.
template <class T>
PoolOutput<T> pool_by_score(Var<T> x, const GraphBatch& batch, Var<T> score,
                            const SelectOptions& options,
                            PoolNonlinearity f = PoolNonlinearity::kTanh);

}  // namespace graphpool
