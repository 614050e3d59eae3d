#pragma once
/// Self-attention graph pooling (SAGPool, PyG `SAGPooling` with a GCN scorer as the peer):
/// score = GCN(x, A) to one channel, keep the best ceil(ratio n_g) nodes of every graph,
/// x' = x[kept] * tanh(score[kept]), induced subgraph.
///   SagPool<float> pool(SagPoolOptions(128).ratio(0.5), gen);
///   PoolOutput<float> out = pool.forward(x, batch, norm);   // norm: GcnNorm of batch.graph()
#include "core/module.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"
#include "layers/gcn.hpp"
#include "layers/select.hpp"

namespace graphpool {

struct SagPoolOptions : SelectFields<SagPoolOptions> {
  explicit SagPoolOptions(Index in_channels) : in_channels_(in_channels) {}
  /// Gate applied to the score (default tanh, as PyG); ignored under min_score.
  SagPoolOptions& nonlinearity(PoolNonlinearity f) {
    nonlinearity_ = f;
    return *this;
  }
  Index in_channels_;
  PoolNonlinearity nonlinearity_ = PoolNonlinearity::kTanh;
};

/// The functional form: score = A_hat (x w) + b (w [F, 1], b [1]), then pool_by_score.
template <class T>
PoolOutput<T> sag_pool(Var<T> x, const GraphBatch& batch, const GcnNorm<T>& norm, Var<T> weight,
                       Var<T> bias, const SagPoolOptions& options);

/// The module: a GcnConv(F, 1) scorer (Glorot weight, zero bias) named "score_gcn".
template <class T>
class SagPool : public Module<T> {
 public:
  SagPool(const SagPoolOptions& options, Generator& gen);
  /// Scores on `norm`, the GCN normalisation of batch.graph() (SAGPool_h reuses the one of the
  /// GCN layer before it).
  PoolOutput<T> forward(Var<T> x, const GraphBatch& batch, const GcnNorm<T>& norm);
  /// Builds the normalisation of batch.graph() first.
  PoolOutput<T> forward(Var<T> x, const GraphBatch& batch);
  GcnConv<T>& score_gcn() { return score_gcn_; }
  const SagPoolOptions& options() const { return options_; }

 private:
  SagPoolOptions options_;
  GcnConv<T> score_gcn_;
};

extern template class SagPool<float>;
extern template class SagPool<double>;

}  // namespace graphpool
