#include "layers/multi_aggregation.hpp"

#include <cstring>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/ops.hpp"
#include "layers/readout.hpp"
#include "layers/variance_aggregation.hpp"

namespace graphpool {

namespace {

constexpr AggregationKind kKinds[] = {AggregationKind::kSum, AggregationKind::kMean,
                                      AggregationKind::kMax, AggregationKind::kMin,
                                      AggregationKind::kVar, AggregationKind::kStd};

}  // namespace

const char* aggregation_name(AggregationKind kind) {
  switch (kind) {
    case AggregationKind::kSum:
      return "sum";
    case AggregationKind::kMean:
      return "mean";
    case AggregationKind::kMax:
      return "max";
    case AggregationKind::kMin:
      return "min";
    case AggregationKind::kVar:
      return "var";
    case AggregationKind::kStd:
      return "std";
  }
  return "unknown";
}

AggregationKind aggregation_from_name(const char* name) {
  for (AggregationKind kind : kKinds) {
    if (std::strcmp(name, aggregation_name(kind)) == 0) return kind;
  }
  throw ValueError(std::string("aggregation_from_name: expected one of sum, mean, max, min, var, "
                               "std, got '") +
                   name + "'");
}

template <class T>
Var<T> aggregate(Var<T> x, std::span<const Index> node_ptr, AggregationKind kind) {
  switch (kind) {
    case AggregationKind::kSum:
      return global_sum_pool(x, node_ptr);
    case AggregationKind::kMean:
      return global_mean_pool(x, node_ptr);
    case AggregationKind::kMax:
      return global_max_pool(x, node_ptr);
    case AggregationKind::kMin:
      return global_min_pool(x, node_ptr);
    case AggregationKind::kVar:
      return global_var_pool(x, node_ptr);
    case AggregationKind::kStd:
      return global_std_pool(x, node_ptr);
  }
  throw ValueError("aggregate: unknown aggregation " + std::to_string(static_cast<int>(kind)));
}

template <class T>
Var<T> multi_aggregation(Var<T> x, std::span<const Index> node_ptr,
                         std::span<const AggregationKind> kinds) {
  if (kinds.empty())
    throw ValueError("multi_aggregation: expected at least one aggregation, got 0");
  std::vector<Var<T>> parts;
  parts.reserve(kinds.size());
  for (AggregationKind kind : kinds) parts.push_back(aggregate(x, node_ptr, kind));
  // out = [agg_1(x) | agg_2(x) | ...]
  return parts.size() == 1 ? parts[0] : concat_cols<T>(std::span<const Var<T>>(parts));
}

template <class T>
MultiAggregation<T>::MultiAggregation(const MultiAggregationOptions& options) : options_(options) {
  if (options.kinds_.empty()) {
    throw ValueError("MultiAggregation: expected at least one aggregation, got 0");
  }
}

#define GRAPHPOOL_INSTANTIATE(T)                                                 \
  template Var<T> aggregate<T>(Var<T>, std::span<const Index>, AggregationKind); \
  template Var<T> multi_aggregation<T>(Var<T>, std::span<const Index>,           \
                                       std::span<const AggregationKind>);        \
  template class MultiAggregation<T>;

GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
