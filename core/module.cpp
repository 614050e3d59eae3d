#include "core/module.hpp"

namespace graphpool {

template <class T>
Parameter<T>& Module<T>::register_parameter(std::string name, Tensor<T> value) {
  parameters_.push_back(std::make_unique<Parameter<T>>(std::move(name), std::move(value)));
  return *parameters_.back();
}

template <class T>
void Module<T>::register_module(std::string name, Module<T>& child) {
  children_.emplace_back(std::move(name), &child);
}

template <class T>
void Module<T>::collect(const std::string& prefix,
                        std::vector<std::pair<std::string, Parameter<T>*>>& out) {
  for (auto& p : parameters_) out.emplace_back(prefix + p->name, p.get());
  for (auto& [name, child] : children_) child->collect(prefix + name + ".", out);
}

template <class T>
std::vector<std::pair<std::string, Parameter<T>*>> Module<T>::named_parameters() {
  std::vector<std::pair<std::string, Parameter<T>*>> out;
  collect("", out);
  return out;
}

template <class T>
std::vector<Parameter<T>*> Module<T>::parameters() {
  std::vector<Parameter<T>*> out;
  for (auto& [name, p] : named_parameters()) out.push_back(p);
  return out;
}

template <class T>
void Module<T>::zero_grad() {
  for (Parameter<T>* p : parameters()) p->grad.set_zero();
}

template <class T>
void Module<T>::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

template class Module<float>;
template class Module<double>;

}  // namespace graphpool
