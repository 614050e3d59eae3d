#pragma once
/// Several readouts side by side, PyG's `MultiAggregation(['mean', 'max', 'std'], mode='cat')`:
///   out = [agg_1(x) | agg_2(x) | ...]   [G, k F] for k aggregations, in the order given
/// with the parameter-free aggregations: sum, mean, max, min (layers/readout.hpp), var and std
/// (layers/variance_aggregation.hpp, PyG's rules). Backward through each and the concatenation.
///   MultiAggregation<float> agg(MultiAggregationOptions({AggregationKind::kMean,
///                                                        AggregationKind::kMax,
///                                                        AggregationKind::kStd}));
///   Var<float> h = agg.forward(x, batch.node_ptr());   // [num_graphs, 3 F]
#include <span>
#include <utility>
#include <vector>

#include "core/module.hpp"
#include "core/tape.hpp"

namespace graphpool {

/// A parameter-free aggregation (PyG's names: "sum", "mean", "max", "min", "var", "std").
enum class AggregationKind { kSum, kMean, kMax, kMin, kVar, kStd };

/// "sum", "mean", "max", "min", "var", "std".
const char* aggregation_name(AggregationKind kind);
/// The kind named by PyG's string; ValueError naming the known ones otherwise.
AggregationKind aggregation_from_name(const char* name);

/// x [N, F] -> [G, F] by one aggregation. node_ptr is not copied.
template <class T>
Var<T> aggregate(Var<T> x, std::span<const Index> node_ptr, AggregationKind kind);

/// x [N, F] -> [G, kinds.size() F], the aggregations concatenated along features (mode 'cat').
/// ValueError if kinds is empty.
template <class T>
Var<T> multi_aggregation(Var<T> x, std::span<const Index> node_ptr,
                         std::span<const AggregationKind> kinds);

/// Options of MultiAggregation: the aggregations, in output order (required, non-empty).
///   MultiAggregationOptions({AggregationKind::kMean, AggregationKind::kMax})
struct MultiAggregationOptions {
  explicit MultiAggregationOptions(std::vector<AggregationKind> kinds) : kinds_(std::move(kinds)) {}
  std::vector<AggregationKind> kinds_;
};

/// PyG's MultiAggregation with mode 'cat' over parameter-free aggregations.
///   MultiAggregation<float> agg(MultiAggregationOptions({AggregationKind::kSum}));
template <class T>
class MultiAggregation : public Module<T> {
 public:
  explicit MultiAggregation(const MultiAggregationOptions& options);
  Var<T> forward(Var<T> x, std::span<const Index> node_ptr) {
    return multi_aggregation(x, node_ptr, std::span<const AggregationKind>(options_.kinds_));
  }
  const MultiAggregationOptions& options() const { return options_; }

 private:
  MultiAggregationOptions options_;
};

extern template class MultiAggregation<float>;
extern template class MultiAggregation<double>;

}  // namespace graphpool
