#include "models/hierarchical_pool_net.hpp"

#include <string>

#include "core/errors.hpp"
#include "core/ops.hpp"

namespace graphpool {

template <class T>
HierarchicalPoolNet<T>::HierarchicalPoolNet(const HierarchicalPoolNetOptions& options,
                                            Generator& gen)
    : options_(options),
      head_(ClassifierHeadOptions(2 * options.hidden_, options.hidden_, options.num_classes_)
                .dropout(options.dropout_),
            gen) {
  if (options.levels_ < 1) {
    throw ValueError("HierarchicalPoolNet: levels must be >= 1, got " +
                     std::to_string(options.levels_));
  }
  if (options.hidden_ < 2 || options.num_classes_ < 2 || options.in_features_ < 1) {
    throw ValueError(
        "HierarchicalPoolNet: need in_features >= 1, hidden >= 2 and >= 2 classes, got " +
        std::to_string(options.in_features_) + ", " + std::to_string(options.hidden_) + ", " +
        std::to_string(options.num_classes_));
  }
  for (int level = 0; level < options.levels_; ++level) {
    const Index in = level == 0 ? options.in_features_ : options.hidden_;
    convs_.push_back(std::make_unique<GcnConv<T>>(GcnConvOptions(in, options.hidden_), gen));
    this->register_module("convs." + std::to_string(level), *convs_.back());
    if (options.pooling_ == Pooling::kSag) {
      sag_pools_.push_back(
          std::make_unique<SagPool<T>>(SagPoolOptions(options.hidden_).ratio(options.ratio_), gen));
      this->register_module("pools." + std::to_string(level), *sag_pools_.back());
    } else {
      topk_pools_.push_back(std::make_unique<TopKPool<T>>(
          TopKPoolOptions(options.hidden_).ratio(options.ratio_), gen));
      this->register_module("pools." + std::to_string(level), *topk_pools_.back());
    }
  }
  this->register_module("head", head_);
}

template <class T>
std::string HierarchicalPoolNet<T>::name() const {
  return options_.pooling_ == Pooling::kSag ? "sagpool_h" : "topk_h";
}

template <class T>
Var<T> HierarchicalPoolNet<T>::forward(Var<T> x, const GraphBatch& batch) {
  pooled_.clear();
  pooled_.reserve(static_cast<std::size_t>(options_.levels_));  // spans into pooled_ stay valid
  const GraphBatch* current = &batch;
  Var<T> readout{};
  for (int level = 0; level < options_.levels_; ++level) {
    const auto l = static_cast<std::size_t>(level);
    // h = relu(A_hat x W + b); the pooling scores on the same A_hat. The convolution's output
    // feeds only the relu, so the relu runs in place on it (one tensor and a pass less each way).
    const GcnNorm<T> norm(current->graph());
    Var<T> h = relu_(convs_[l]->forward(x, norm));
    PoolOutput<T> out = options_.pooling_ == Pooling::kSag
                            ? sag_pools_[l]->forward(h, *current, norm)
                            : topk_pools_[l]->forward(h, *current);
    pooled_.push_back(std::move(out.batch));
    current = &pooled_.back();
    x = out.x;
    // r = [max_g x, mean_g x]; readout = sum over levels of r
    Var<T> r = max_mean_readout(x, current->node_ptr());
    readout = level == 0 ? r : add(readout, r);
  }
  return head_.forward(readout);
}

template class HierarchicalPoolNet<float>;
template class HierarchicalPoolNet<double>;

}  // namespace graphpool
