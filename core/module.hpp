#pragma once
/// Modules own parameters and child modules, like torch.nn.Module.
///   struct Mlp : Module<float> {
///     Linear<float> fc1{{16, 32}, gen}, fc2{{32, 2}, gen};
///     Mlp(Generator& gen) { register_module("fc1", fc1); register_module("fc2", fc2); }
///   };
/// Modules are neither copied nor moved (children are referenced by address).
#include <memory>
#include <string>
#include <vector>

#include "core/parameter.hpp"

namespace graphpool {

template <class T>
class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// Own parameters, then each child's, in registration order; names are dotted paths.
  std::vector<Parameter<T>*> parameters();
  std::vector<std::pair<std::string, Parameter<T>*>> named_parameters();
  /// Sets every parameter's gradient to zero.
  void zero_grad();
  /// Training mode (dropout active, stochastic pooling samples) for this module and its children.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

 protected:
  Parameter<T>& register_parameter(std::string name, Tensor<T> value);
  void register_module(std::string name, Module<T>& child);

 private:
  void collect(const std::string& prefix, std::vector<std::pair<std::string, Parameter<T>*>>& out);
  std::vector<std::unique_ptr<Parameter<T>>> parameters_;
  std::vector<std::pair<std::string, Module<T>*>> children_;
  bool training_ = true;
};

extern template class Module<float>;
extern template class Module<double>;

}  // namespace graphpool
