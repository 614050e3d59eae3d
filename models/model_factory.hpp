#pragma once
/// Graph classifiers by name, for the command line and checkpoints:
///   "sagpool_h"  HierarchicalPoolNet with SAGPool (SAGPool_h, ../shared/peer/sagpool_h.py)
///   "sagpool_g"  SagPoolG (SAGPool_g)
///   "topk_h"     HierarchicalPoolNet with top-k pooling (Graph U-Nets' gPool in a classifier)
///   auto model = make_classifier("sagpool_h", ModelOptions(3, 2), gen);
#include <memory>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "models/graph_classifier.hpp"

namespace graphpool {

struct ModelOptions {
  ModelOptions(Index in_features, Index num_classes)
      : in_features_(in_features), num_classes_(num_classes) {}
  ModelOptions& hidden(Index h) { hidden_ = h; return *this; }
  ModelOptions& ratio(double r) { ratio_ = r; return *this; }
  ModelOptions& dropout(double p) { dropout_ = p; return *this; }
  Index in_features_;
  Index num_classes_;
  Index hidden_ = 128;
  double ratio_ = 0.5;
  double dropout_ = 0.5;
};

/// The names make_classifier accepts.
std::vector<std::string> classifier_names();
/// Throws ValueError naming the unknown model and listing the known ones.
std::unique_ptr<GraphClassifier<float>> make_classifier(const std::string& name,
                                                        const ModelOptions& options,
                                                        Generator& gen);

}  // namespace graphpool
