#include "models/sagpool_g.hpp"

#include "core/ops.hpp"

namespace graphpool {

template <class T>
SagPoolG<T>::SagPoolG(const SagPoolGOptions& options, Generator& gen)
    : options_(options),
      conv1_(GcnConvOptions(options.in_features_, options.hidden_), gen),
      conv2_(GcnConvOptions(options.hidden_, options.hidden_), gen),
      conv3_(GcnConvOptions(options.hidden_, options.hidden_), gen),
      pool_(SagPoolOptions(3 * options.hidden_).ratio(options.ratio_), gen),
      head_(ClassifierHeadOptions(6 * options.hidden_, options.hidden_, options.num_classes_)
                .dropout(options.dropout_),
            gen) {
  this->register_module("conv1", conv1_);
  this->register_module("conv2", conv2_);
  this->register_module("conv3", conv3_);
  this->register_module("pool", pool_);
  this->register_module("head", head_);
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
  return head_.forward(max_mean_readout(out.x, pooled_.node_ptr()));
}

template class SagPoolG<float>;
template class SagPoolG<double>;

}  // namespace graphpool
