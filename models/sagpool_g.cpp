#include "models/sagpool_g.hpp"

#include "core/loss.hpp"
#include "core/ops.hpp"
#include "layers/readout.hpp"

namespace graphpool {

template <class T>
SagPoolG<T>::SagPoolG(const SagPoolGOptions& options, Generator& gen)
    : options_(options),
      conv1_(GcnConvOptions(options.in_features_, options.hidden_), gen),
      conv2_(GcnConvOptions(options.hidden_, options.hidden_), gen),
      conv3_(GcnConvOptions(options.hidden_, options.hidden_), gen),
      pool_(SagPoolOptions(3 * options.hidden_).ratio(options.ratio_), gen),
      lin1_(LinearOptions(6 * options.hidden_, options.hidden_), gen),
      lin2_(LinearOptions(options.hidden_, options.hidden_ / 2), gen),
      lin3_(LinearOptions(options.hidden_ / 2, options.num_classes_), gen),
      dropout_(static_cast<T>(options.dropout_), gen) {
  this->register_module("conv1", conv1_);
  this->register_module("conv2", conv2_);
  this->register_module("conv3", conv3_);
  this->register_module("pool", pool_);
  this->register_module("lin1", lin1_);
  this->register_module("lin2", lin2_);
  this->register_module("lin3", lin3_);
  this->register_module("dropout", dropout_);
}

template <class T>
Var<T> SagPoolG<T>::forward(Var<T> x, const GraphBatch& batch) {
  const GcnNorm<T> norm(batch.graph());
  Var<T> h1 = relu(conv1_.forward(x, norm));
  Var<T> h2 = relu(conv2_.forward(h1, norm));
  Var<T> h3 = relu(conv3_.forward(h2, norm));
  // One SAGPool on [h1, h2, h3], scored on the same A_hat
  PoolOutput<T> out = pool_.forward(concat_cols<T>({h1, h2, h3}), batch, norm);
  pooled_ = std::move(out.batch);
  Var<T> readout = concat_cols<T>(
      {global_max_pool(out.x, pooled_.node_ptr()), global_mean_pool(out.x, pooled_.node_ptr())});
  Var<T> h = relu(lin1_.forward(readout));
  h = dropout_.forward(h);
  h = relu(lin2_.forward(h));
  return log_softmax(lin3_.forward(h));
}

template class SagPoolG<float>;
template class SagPoolG<double>;

}  // namespace graphpool
