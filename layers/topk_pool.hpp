#pragma once
/// Top-k pooling (Graph U-Nets gPool, PyG `TopKPooling`): score = x p / ||p||, keep the best
/// ceil(ratio n_g) nodes of every graph, x' = x[kept] * tanh(score[kept]), induced subgraph.
///   TopKPool<float> pool(TopKPoolOptions(128).ratio(0.5), gen);
///   PoolOutput<float> out = pool.forward(x, batch);   // out.x, out.batch, out.kept(), out.score
#include "core/module.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"
#include "layers/select.hpp"

namespace graphpool {

struct TopKPoolOptions : SelectFields<TopKPoolOptions> {
  explicit TopKPoolOptions(Index in_channels) : in_channels_(in_channels) {}
  /// Gate applied to the score (default tanh, as PyG); ignored under min_score.
  TopKPoolOptions& nonlinearity(PoolNonlinearity f) {
    nonlinearity_ = f;
    return *this;
  }
  Index in_channels_;
  PoolNonlinearity nonlinearity_ = PoolNonlinearity::kTanh;
};

/// score [N] = x p / ||p|| (x [N, F], p [F]); with normalize = false, x p (PyG's score under
/// min_score). Backward: dx_i += ds_i p / ||p||, dp += x^T ds / ||p|| - (ds . x p) p / ||p||^3.
template <class T>
Var<T> topk_score(Var<T> x, Var<T> p, bool normalize = true);

/// The functional form: score, then pool_by_score (select, connect, reduce).
template <class T>
PoolOutput<T> topk_pool(Var<T> x, const GraphBatch& batch, Var<T> p,
                        const TopKPoolOptions& options);

/// The module: holds p [F], initialised U(-1/sqrt(F), 1/sqrt(F)) as PyG.
template <class T>
class TopKPool : public Module<T> {
 public:
  TopKPool(const TopKPoolOptions& options, Generator& gen);
  /// x [N, F] on `batch` -> pooled features, pooled batch, kept ids, gate scores.
  PoolOutput<T> forward(Var<T> x, const GraphBatch& batch);
  Parameter<T>& p() { return *p_; }
  const TopKPoolOptions& options() const { return options_; }

 private:
  TopKPoolOptions options_;
  Parameter<T>* p_;
};

extern template class TopKPool<float>;
extern template class TopKPool<double>;

}  // namespace graphpool
