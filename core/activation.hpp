#pragma once
/// Activation modules (the free functions relu/tanh/sigmoid are in core/ops.hpp).
///   ReLU<float> act;   Var<float> h = act.forward(x);
#include "core/module.hpp"
#include "core/ops.hpp"

namespace graphpool {

template <class T>
class ReLU : public Module<T> {
 public:
  Var<T> forward(Var<T> x) { return relu(x); }
};

}  // namespace graphpool
