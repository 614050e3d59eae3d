#pragma once
/// The small module the checkpoint harness loads into and make_seeds saves: a [3, 4] weight, a
/// scalar and a child module with a [4] bias ("weight", "scale", "head.bias").
#include <cmath>

#include "core/module.hpp"
#include "core/optim.hpp"

namespace graphpool::fuzz {

template <class T>
struct Head : Module<T> {
  Parameter<T>& bias;
  Head() : bias(this->register_parameter("bias", Tensor<T>(Shape{4}))) {}
};

template <class T>
struct Net : Module<T> {
  Parameter<T>& weight;
  Parameter<T>& scale;
  Head<T> head;
  Net()
      : weight(this->register_parameter("weight", Tensor<T>(Shape{3, 4}))),
        scale(this->register_parameter("scale", Tensor<T>(Shape{}))) {
    this->register_module("head", head);
    Index k = 0;
    for (Parameter<T>* p : this->parameters())
      for (T& v : p->value.values()) v = static_cast<T>(std::sin(0.37 * double(++k)));
  }
};

}  // namespace graphpool::fuzz
