#pragma once
/// The hierarchical pooling classifier of SAGPool_h (Lee et al. 2019) and of PyG's top-k examples
/// (Graph U-Nets' gPool in a classifier): `levels` x [GCN(hidden) -> ReLU -> pool(ratio) ->
/// concat(global max, global mean)], the readouts of all levels summed, then the MLP
/// 2 hidden -> hidden -> hidden / 2 -> classes (ReLU, dropout after the first) and log-softmax.
/// With Pooling::kSag it is exactly ../shared/peer/sagpool_h.py (each level's SAGPool scores on the
/// same normalised adjacency as that level's GCN layer).
///   Generator gen(0);
///   HierarchicalPoolNet<float> net(HierarchicalPoolNetOptions(3, 2), gen);   // MUTAG-sized
///   Var<float> log_probs = net.forward(tape.constant(x), batch);           // [G, 2]
#include <memory>
#include <vector>

#include "layers/gcn.hpp"
#include "layers/sag_pool.hpp"
#include "layers/topk_pool.hpp"
#include "models/classifier_head.hpp"
#include "models/graph_classifier.hpp"

namespace graphpool {

/// Which learnable pooling the levels use.
enum class Pooling { kSag, kTopK };

struct HierarchicalPoolNetOptions {
  HierarchicalPoolNetOptions(Index in_features, Index num_classes)
      : in_features_(in_features), num_classes_(num_classes) {}
  /// SAGPool (default; SAGPool_h) or top-k pooling (Graph U-Nets' gPool).
  HierarchicalPoolNetOptions& pooling(Pooling p) {
    pooling_ = p;
    return *this;
  }
  /// Width of every GCN layer (default 128).
  HierarchicalPoolNetOptions& hidden(Index h) {
    hidden_ = h;
    return *this;
  }
  /// Number of GCN -> pool -> readout levels (default 3).
  HierarchicalPoolNetOptions& levels(int l) {
    levels_ = l;
    return *this;
  }
  /// Fraction of nodes each pooling keeps (default 0.5).
  HierarchicalPoolNetOptions& ratio(double r) {
    ratio_ = r;
    return *this;
  }
  /// Dropout after the first MLP layer (default 0.5).
  HierarchicalPoolNetOptions& dropout(double p) {
    dropout_ = p;
    return *this;
  }
  Index in_features_;
  Index num_classes_;
  Pooling pooling_ = Pooling::kSag;
  Index hidden_ = 128;
  int levels_ = 3;
  double ratio_ = 0.5;
  double dropout_ = 0.5;
};

template <class T>
class HierarchicalPoolNet : public GraphClassifier<T> {
 public:
  HierarchicalPoolNet(const HierarchicalPoolNetOptions& options, Generator& gen);
  Var<T> forward(Var<T> x, const GraphBatch& batch) override;
  std::string name() const override;
  const HierarchicalPoolNetOptions& options() const { return options_; }

 private:
  HierarchicalPoolNetOptions options_;
  std::vector<std::unique_ptr<GcnConv<T>>> convs_;
  std::vector<std::unique_ptr<SagPool<T>>> sag_pools_;
  std::vector<std::unique_ptr<TopKPool<T>>> topk_pools_;
  ClassifierHead<T> head_;
  // The pooled batches of the last forward: the readouts' backward reads their node_ptr.
  std::vector<GraphBatch> pooled_;
};

extern template class HierarchicalPoolNet<float>;
extern template class HierarchicalPoolNet<double>;

}  // namespace graphpool
