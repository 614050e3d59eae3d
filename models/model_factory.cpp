#include "models/model_factory.hpp"

#include "core/errors.hpp"
#include "models/hierarchical_pool_net.hpp"
#include "models/sagpool_g.hpp"

namespace graphpool {

std::vector<std::string> classifier_names() { return {"sagpool_h", "sagpool_g", "topk_h"}; }

std::unique_ptr<GraphClassifier<float>> make_classifier(const std::string& name,
                                                        const ModelOptions& options,
                                                        Generator& gen) {
  if (!(options.ratio_ > 0 && options.ratio_ <= 1)) {
    throw ValueError("model " + name + ": ratio must be in (0, 1], got " + std::to_string(options.ratio_));
  }
  if (name == "sagpool_h" || name == "topk_h") {
    return std::make_unique<HierarchicalPoolNet<float>>(
        HierarchicalPoolNetOptions(options.in_features_, options.num_classes_)
            .pooling(name == "sagpool_h" ? Pooling::kSag : Pooling::kTopK)
            .hidden(options.hidden_)
            .ratio(options.ratio_)
            .dropout(options.dropout_),
        gen);
  }
  if (name == "sagpool_g") {
    return std::make_unique<SagPoolG<float>>(SagPoolGOptions(options.in_features_, options.num_classes_)
                                                 .hidden(options.hidden_)
                                                 .ratio(options.ratio_)
                                                 .dropout(options.dropout_),
                                             gen);
  }
  std::string known;
  for (const auto& n : classifier_names()) known += (known.empty() ? "" : ", ") + n;
  throw ValueError("unknown model '" + name + "'; expected one of: " + known);
}

}  // namespace graphpool
