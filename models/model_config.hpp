#pragma once
/// ModelOptions as text, stored in checkpoints so `graphpool eval` can rebuild the model:
///   "in_features=7 classes=2 hidden=128 ratio=0.5 dropout=0.5"
#include <string>

#include "models/model_factory.hpp"

namespace graphpool {

std::string to_config(const ModelOptions& options);
/// Throws ValueError naming the missing or malformed key.
ModelOptions from_config(const std::string& config);

}  // namespace graphpool
