#pragma once
/// Weight-and-sum readout (DGL-LifeSci's `WeightAndSum`): a learned sigmoid weight per node, then a
/// weighted sum per graph:
///   w_i = sigmoid(x_i W + b)   (Linear(F, 1))        out[g] = sum_{i in g} w_i x_i
/// x [N, F] -> [G, F]; an empty graph gives 0. Composed of tape ops (Linear, sigmoid, scale_rows,
/// global_sum_pool), so backward, determinism and the sum order (node order) come from them.
///   WeightAndSum<float> readout(WeightAndSumOptions(128), gen);
///   Var<float> h = readout.forward(x, batch.node_ptr());   // [num_graphs, 128]
#include <span>

#include "core/linear.hpp"
#include "core/module.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"

namespace graphpool {

/// Options of WeightAndSum: the node feature size (required).
///   WeightAndSumOptions(128)
struct WeightAndSumOptions {
  explicit WeightAndSumOptions(Index in_features) : in_features_(in_features) {}
  Index in_features_;
};

/// DGL-LifeSci's WeightAndSum; child "atom_weighting" (Linear(F, 1), torch's initialisation).
///   WeightAndSum<float> readout(WeightAndSumOptions(64), gen);
template <class T>
class WeightAndSum : public Module<T> {
 public:
  WeightAndSum(const WeightAndSumOptions& options, Generator& gen);
  /// x [N, F] -> [G, F]. node_ptr is not copied (keep it alive until backward).
  Var<T> forward(Var<T> x, std::span<const Index> node_ptr);
  /// The node weights sigmoid(Linear(x)) [N, 1] alone (for inspection).
  Var<T> weights(Var<T> x);
  Linear<T>& atom_weighting() { return atom_weighting_; }

 private:
  WeightAndSumOptions options_;
  Linear<T> atom_weighting_;
};

extern template class WeightAndSum<float>;
extern template class WeightAndSum<double>;

}  // namespace graphpool
