#pragma once
/// SAGPool_g, the global variant of Lee et al. 2019: three GCN layers in sequence whose outputs
/// are concatenated [N, 3 hidden], one SAGPool on the concatenation, readout concat(global max,
/// global mean) [G, 6 hidden], MLP 6 hidden -> hidden -> hidden / 2 -> classes (ReLU, dropout after
/// the first), log-softmax.
///   SagPoolG<float> net(SagPoolGOptions(3, 2), gen);
#include <memory>
#include <vector>

#include "layers/gcn.hpp"
#include "layers/sag_pool.hpp"
#include "models/classifier_head.hpp"
#include "models/graph_classifier.hpp"

namespace graphpool {

struct SagPoolGOptions {
  SagPoolGOptions(Index in_features, Index num_classes)
      : in_features_(in_features), num_classes_(num_classes) {}
  SagPoolGOptions& hidden(Index h) {
    hidden_ = h;
    return *this;
  }
  SagPoolGOptions& ratio(double r) {
    ratio_ = r;
    return *this;
  }
  SagPoolGOptions& dropout(double p) {
    dropout_ = p;
    return *this;
  }
  Index in_features_;
  Index num_classes_;
  Index hidden_ = 128;
  double ratio_ = 0.5;
  double dropout_ = 0.5;
};

template <class T>
class SagPoolG : public GraphClassifier<T> {
 public:
  SagPoolG(const SagPoolGOptions& options, Generator& gen);
  Var<T> forward(Var<T> x, const GraphBatch& batch) override;
  std::string name() const override { return "sagpool_g"; }

 private:
  SagPoolGOptions options_;
  GcnConv<T> conv1_, conv2_, conv3_;
  SagPool<T> pool_;
  ClassifierHead<T> head_;
  GraphBatch pooled_;  // the pooled batch of the last forward (read by the readouts' backward)
};

extern template class SagPoolG<float>;
extern template class SagPoolG<double>;

}  // namespace graphpool
