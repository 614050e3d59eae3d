#include "layers/attentional_aggregation.hpp"

#include <string>
#include <utility>

#include "core/errors.hpp"
#include "core/ops.hpp"
#include "layers/readout.hpp"
#include "layers/select.hpp"

namespace graphpool {

template <class T>
Var<T> attention_weighted_sum(Var<T> gate, Var<T> x, std::span<const Index> node_ptr) {
  const char* what = "attention_weighted_sum";
  if (x.tape == nullptr || x.tape != gate.tape) {
    throw ValueError(std::string(what) + ": gate and x must live on the same tape");
  }
  check_rank(what, x.shape(), 2);
  const Shape& gs = gate.shape();
  const bool column = (gs.rank() == 2 && gs[1] == 1) || gs.rank() == 1;
  if (!column || gs[0] != x.shape()[0]) {
    throw ShapeError(std::string(what) + ": gate must be [N, 1] with N = " +
                     std::to_string(x.shape()[0]) + " (one score per node), got " + gs.str());
  }
  // a = softmax of the gate within each graph; out[g] = sum_{i in g} a_i x_i
  Var<T> a = segment_softmax(gate, node_ptr);
  return global_sum_pool(scale_rows(x, a), node_ptr);
}

template <class T>
AttentionalAggregation<T>::AttentionalAggregation(Module<T>& gate_module, Network gate_nn)
    : gate_nn_(std::move(gate_nn)) {
  if (!gate_nn_) throw ValueError("AttentionalAggregation: gate_nn must be callable");
  this->register_module("gate_nn", gate_module);
}

template <class T>
AttentionalAggregation<T>::AttentionalAggregation(Module<T>& gate_module, Network gate_nn,
                                                  Module<T>& nn_module, Network nn)
    : gate_nn_(std::move(gate_nn)), nn_(std::move(nn)) {
  if (!gate_nn_ || !nn_)
    throw ValueError("AttentionalAggregation: gate_nn and nn must be callable");
  this->register_module("gate_nn", gate_module);
  this->register_module("nn", nn_module);
}

template <class T>
Var<T> AttentionalAggregation<T>::forward(Var<T> x, std::span<const Index> node_ptr) {
  Var<T> gate = gate_nn_(x);
  Var<T> h = nn_ ? nn_(x) : x;
  return attention_weighted_sum(gate, h, node_ptr);
}

#define GRAPHPOOL_INSTANTIATE(T)                                                     \
  template Var<T> attention_weighted_sum<T>(Var<T>, Var<T>, std::span<const Index>); \
  template class AttentionalAggregation<T>;

GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
