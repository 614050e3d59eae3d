#pragma once
/// Attentional aggregation (Li et al. 2016, gated graph sequence networks): PyG's
/// `AttentionalAggregation(gate_nn, nn)`, DGL's `GlobalAttentionPooling(gate_nn, feat_nn)`:
///   gate = gate_nn(x) [N, 1]      a = softmax of gate within each graph (PyG's softmax, + 1e-16)
///   out[g] = sum_{i in g} a_i nn(x)_i       (nn is the identity when not given)
/// x [N, F] -> [G, F'] (F' = nn's output size). An empty graph gives 0. One gate per node (DGL's
/// form; PyG also allows an [N, F'] gate per feature, not offered here). Composed of tape ops
/// (segment_softmax, scale_rows, global_sum_pool): node-order sums, thread-count independent.
///   Linear<float> gate(LinearOptions(64, 1), gen);
///   AttentionalAggregation<float> att(gate, [&](Var<float> h) { return gate.forward(h); });
///   Var<float> out = att.forward(x, batch.node_ptr());   // [num_graphs, 64]
#include <functional>
#include <span>

#include "core/module.hpp"
#include "core/tape.hpp"

namespace graphpool {

/// out[g] = sum_{i in g} softmax_g(gate)_i x_i for gate [N, 1] (or [N]) and x [N, F] -> [G, F].
/// ShapeError if gate does not have one entry per row of x. node_ptr is not copied.
///   Var<double> h = attention_weighted_sum(gate, x, node_ptr);
template <class T>
Var<T> attention_weighted_sum(Var<T> gate, Var<T> x, std::span<const Index> node_ptr);

/// PyG's AttentionalAggregation. The networks are callables on the tape; the modules that hold
/// their parameters are registered as children "gate_nn" and "nn", so parameters() (and
/// optimizers) see them. Both modules must outlive this one.
template <class T>
class AttentionalAggregation : public Module<T> {
 public:
  using Network = std::function<Var<T>(Var<T>)>;
  /// gate_nn maps x [N, F] to [N, 1]; nn is the identity.
  AttentionalAggregation(Module<T>& gate_module, Network gate_nn);
  /// gate_nn [N, F] -> [N, 1], nn [N, F] -> [N, F'].
  AttentionalAggregation(Module<T>& gate_module, Network gate_nn, Module<T>& nn_module, Network nn);
  /// x [N, F] -> [G, F'].
  Var<T> forward(Var<T> x, std::span<const Index> node_ptr);

 private:
  Network gate_nn_;
  Network nn_;
};

extern template class AttentionalAggregation<float>;
extern template class AttentionalAggregation<double>;

}  // namespace graphpool
