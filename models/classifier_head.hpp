#pragma once
/// The parts SAGPool_h, SAGPool_g and the top-k classifier share (Lee et al. 2019):
/// the readout concat(global max, global mean) of a pooled batch, and the MLP head
/// in -> hidden -> hidden / 2 -> classes with ReLU, dropout after the first layer, log-softmax.
///   ClassifierHead<float> head(ClassifierHeadOptions(256, 128, 2).dropout(0.5), gen);
///   Var<float> log_probs = head.forward(max_mean_readout(x, batch.node_ptr()));
#include <span>

#include "core/dropout.hpp"
#include "core/linear.hpp"
#include "core/module.hpp"

namespace graphpool {

/// [G, 2F]: per graph, [max over its nodes, mean over its nodes] of x [N, F].
template <class T>
Var<T> max_mean_readout(Var<T> x, std::span<const Index> node_ptr);

struct ClassifierHeadOptions {
  ClassifierHeadOptions(Index in_features, Index hidden, Index num_classes)
      : in_features_(in_features), hidden_(hidden), num_classes_(num_classes) {}
  /// Dropout after the first layer (default 0.5).
  ClassifierHeadOptions& dropout(double p) {
    dropout_ = p;
    return *this;
  }
  Index in_features_;
  Index hidden_;
  Index num_classes_;
  double dropout_ = 0.5;
};

template <class T>
class ClassifierHead : public Module<T> {
 public:
  ClassifierHead(const ClassifierHeadOptions& options, Generator& gen);
  /// [G, in] -> [G, classes] log-probabilities.
  Var<T> forward(Var<T> readout);

 private:
  Linear<T> lin1_, lin2_, lin3_;
  Dropout<T> dropout_;
};

extern template class ClassifierHead<float>;
extern template class ClassifierHead<double>;

}  // namespace graphpool
