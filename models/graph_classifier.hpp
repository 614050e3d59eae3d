#pragma once
/// The interface every graph-classification model implements: node features and a batch in,
/// log-probabilities per graph out. The trainer (models/trainer.hpp) drives any of them.
///   struct MyModel : GraphClassifier<float> { Var<float> forward(...) override; };
#include <string>

#include "core/module.hpp"
#include "core/tape.hpp"
#include "graph/graph_batch.hpp"

namespace graphpool {

template <class T>
class GraphClassifier : public Module<T> {
 public:
  /// x [N, F] node features of `batch` -> [G, classes] log-probabilities (log-softmax).
  /// `batch` must stay alive until tape.backward() has run.
  virtual Var<T> forward(Var<T> x, const GraphBatch& batch) = 0;
  /// A short name for logs and checkpoints ("sagpool_h").
  virtual std::string name() const = 0;
};

}  // namespace graphpool
