#include "layers/sag_pool.hpp"

#include <string>

#include "core/errors.hpp"

namespace graphpool {

template <class T>
PoolOutput<T> sag_pool(Var<T> x, const GraphBatch& batch, const GcnNorm<T>& norm, Var<T> weight,
                       Var<T> bias, const SagPoolOptions& options) {
  const SelectOptions select(options);
  select.validate("sag_pool");
  if (norm.num_nodes() != batch.num_nodes() || norm.num_edges() != batch.num_edges()) {
    throw ShapeError("sag_pool: the batch has " + std::to_string(batch.num_nodes()) +
                     " nodes and " + std::to_string(batch.num_edges()) +
                     " edges but the GCN normalisation was built for " +
                     std::to_string(norm.num_nodes()) + " nodes and " +
                     std::to_string(norm.num_edges()) + " edges");
  }
  if (weight.shape().rank() != 2 || weight.shape()[1] != 1) {
    throw ShapeError("sag_pool: the scorer weight must be [F, 1], got " + weight.shape().str());
  }
  // score [N, 1] = A_hat (x w) + b
  Var<T> score = gcn_conv(x, norm, weight, bias);
  return pool_by_score(x, batch, score, select, options.nonlinearity_);
}

template <class T>
SagPool<T>::SagPool(const SagPoolOptions& options, Generator& gen)
    : options_(options), score_gcn_(GcnConvOptions(options.in_channels_, 1), gen) {
  SelectOptions(options).validate("SagPool");
  this->register_module("score_gcn", score_gcn_);
}

template <class T>
PoolOutput<T> SagPool<T>::forward(Var<T> x, const GraphBatch& batch, const GcnNorm<T>& norm) {
  Tape<T>& tape = *x.tape;
  return sag_pool(x, batch, norm, tape.parameter(score_gcn_.weight()),
                  tape.parameter(*score_gcn_.bias()), options_);
}

template <class T>
PoolOutput<T> SagPool<T>::forward(Var<T> x, const GraphBatch& batch) {
  return forward(x, batch, GcnNorm<T>(batch.graph()));
}

#define GRAPHPOOL_INSTANTIATE_SAG(T)                                                            \
  template PoolOutput<T> sag_pool(Var<T>, const GraphBatch&, const GcnNorm<T>&, Var<T>, Var<T>, \
                                  const SagPoolOptions&);                                       \
  template class SagPool<T>;

GRAPHPOOL_INSTANTIATE_SAG(float)
GRAPHPOOL_INSTANTIATE_SAG(double)

}  // namespace graphpool
