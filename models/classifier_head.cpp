#include "models/classifier_head.hpp"

#include "core/loss.hpp"
#include "core/ops.hpp"
#include "layers/readout.hpp"

namespace graphpool {

template <class T>
Var<T> max_mean_readout(Var<T> x, std::span<const Index> node_ptr) {
  return concat_cols<T>({global_max_pool(x, node_ptr), global_mean_pool(x, node_ptr)});
}

template <class T>
ClassifierHead<T>::ClassifierHead(const ClassifierHeadOptions& options, Generator& gen)
    : lin1_(LinearOptions(options.in_features_, options.hidden_), gen),
      lin2_(LinearOptions(options.hidden_, options.hidden_ / 2), gen),
      lin3_(LinearOptions(options.hidden_ / 2, options.num_classes_), gen),
      dropout_(static_cast<T>(options.dropout_), gen) {
  this->register_module("lin1", lin1_);
  this->register_module("lin2", lin2_);
  this->register_module("lin3", lin3_);
  this->register_module("dropout", dropout_);
}

template <class T>
Var<T> ClassifierHead<T>::forward(Var<T> readout) {
  // log_softmax(W3 relu(W2 dropout(relu(W1 r + b1)) + b2) + b3)
  Var<T> h = relu(lin1_.forward(readout));
  h = dropout_.forward(h);
  h = relu(lin2_.forward(h));
  return log_softmax(lin3_.forward(h));
}

template Var<float> max_mean_readout(Var<float>, std::span<const Index>);
template Var<double> max_mean_readout(Var<double>, std::span<const Index>);
template class ClassifierHead<float>;
template class ClassifierHead<double>;

}  // namespace graphpool
