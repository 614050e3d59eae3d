#pragma once
// Modules and training states for the checkpoint tests (test_checkpoint, test_file_image). Net's
// parameters are weight [rows, cols], scale [] and head.bias [cols], the layout of the seed
// checkpoints in fuzz/corpus/checkpoint.
#include <cmath>
#include <string>

#include "core/module.hpp"
#include "io/checkpoint.hpp"

namespace graphpool::testing {

/// Two parameters and a child with one, filled from `seed`.
template <class T>
struct Child : Module<T> {
  Parameter<T>& bias;
  explicit Child(Index n) : bias(this->register_parameter("bias", Tensor<T>(Shape{n}))) {}
};
template <class T>
struct Net : Module<T> {
  Parameter<T>& weight;
  Parameter<T>& scale;
  Child<T> head;
  Net(Index rows, Index cols, double seed, const std::string& bad_name = "scale")
      : weight(this->register_parameter("weight", Tensor<T>(Shape{rows, cols}))),
        scale(this->register_parameter(bad_name, Tensor<T>(Shape{}))),
        head(cols) {
    this->register_module("head", head);
    Index k = 0;
    for (Parameter<T>* p : this->parameters())
      for (T& v : p->value.values()) v = static_cast<T>(std::sin(seed + 0.37 * double(++k)));
  }
};

/// Deterministic gradients for step `step`.
template <class T>
void fill_grads(Module<T>& m, int step) {
  Index k = 0;
  for (Parameter<T>* p : m.parameters())
    for (T& g : p->grad.values()) g = static_cast<T>(std::cos(0.1 * step + 0.7 * double(++k)));
}

/// A training state of `epochs` epochs for `net`, every field set to a distinct value.
template <class T>
TrainingState<T> example_state(Net<T>& net, int epochs) {
  TrainingState<T> s;
  for (int e = 0; e < epochs; ++e) {
    s.train_loss.push_back(0.7 - 0.01 * e + 1e-17 * e);
    s.val_loss.push_back(0.8 - 0.02 * e);
    s.val_accuracy.push_back(0.5 + 0.03 * e);
    s.seconds.push_back(0.25 * e);
  }
  s.best_epoch = epochs;
  s.best_val_loss = s.val_loss.back();
  s.best_val_accuracy = s.val_accuracy.back();
  for (Parameter<T>* p : net.parameters()) {
    Tensor<T> t = p->value;
    for (T& v : t.values()) v = -v / T(3);
    s.best_parameters.push_back(std::move(t));
  }
  s.stopped = true;
  s.finished = true;
  s.test_loss = 0.4321;
  s.test_accuracy = 0.875;
  s.generator_seed = 0xfedcba9876543210ULL;  // above 2^63: stored as the int64 with the same bits
  s.generator_streams = 77;
  s.options = "max_epochs=9 lr=0.01";
  s.dataset = "name=X graphs=3 fnv1a=0123456789abcdef";
  return s;
}

}  // namespace graphpool::testing
