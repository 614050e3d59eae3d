#include "layers/readout.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"

namespace graphpool {

const char* readout_name(Readout readout) {
  switch (readout) {
    case Readout::kSum:
      return "sum";
    case Readout::kMean:
      return "mean";
    case Readout::kMax:
      return "max";
    case Readout::kMin:
      return "min";
  }
  return "unknown";
}

namespace {

template <class T>
Var<T> make_output(const char* what, Var<T> x, std::span<const Index> node_ptr) {
  if (x.tape == nullptr) throw ValueError(std::string(what) + ": x is not on a tape");
  check_rank(what, x.shape(), 2);
  check_node_ptr(what, node_ptr, x.shape()[0]);
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  return x.tape->make(Shape{G, x.shape()[1]}, {x});
}

// Sum or mean: the backward closure keeps the node_ptr view (the caller keeps it alive).
template <class T>
Var<T> pool_sum_or_mean(const char* what, Var<T> x, std::span<const Index> node_ptr, bool mean) {
  Var<T> out = make_output(what, x, node_ptr);
  Tape<T>& tape = *x.tape;
  const Tensor<T>& xv = tape.value(x);
  if (mean) {
    segment_mean<T>(xv.matrix(), node_ptr, tape.mutable_value(out).matrix());
  } else {
    segment_sum<T>(xv.matrix(), node_ptr, tape.mutable_value(out).matrix());
  }
  tape.on_backward(out, [x, out, node_ptr, mean](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const Tensor<T>& g = t.grad(out);
    if (mean) {
      segment_mean_backward<T>(g.matrix(), node_ptr, t.grad(x).matrix());
    } else {
      segment_sum_backward<T>(g.matrix(), node_ptr, t.grad(x).matrix());
    }
  });
  return out;
}

// Max or min: the closure owns the arg indices written by the forward.
template <class T>
Var<T> pool_arg(const char* what, Var<T> x, std::span<const Index> node_ptr, bool max) {
  Var<T> out = make_output(what, x, node_ptr);
  Tape<T>& tape = *x.tape;
  const Tensor<T>& xv = tape.value(x);
  // every entry is written by the kernel: allocated without zero-filling (AlignedAllocator)
  auto arg = std::make_shared<std::vector<Index, AlignedAllocator<Index>>>();
  arg->resize(static_cast<std::size_t>(out.shape().numel()));
  if (max) {
    segment_max<T>(xv.matrix(), node_ptr, tape.mutable_value(out).matrix(), *arg);
  } else {
    segment_min<T>(xv.matrix(), node_ptr, tape.mutable_value(out).matrix(), *arg);
  }
  tape.on_backward(out, [x, out, arg = std::move(arg)](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const Tensor<T>& g = t.grad(out);
    segment_arg_backward<T>(g.matrix(), *arg, t.grad(x).matrix());
  });
  return out;
}

}  // namespace

template <class T>
Var<T> global_sum_pool(Var<T> x, std::span<const Index> node_ptr) {
  return pool_sum_or_mean("global_sum_pool", x, node_ptr, false);
}

template <class T>
Var<T> global_mean_pool(Var<T> x, std::span<const Index> node_ptr) {
  return pool_sum_or_mean("global_mean_pool", x, node_ptr, true);
}

template <class T>
Var<T> global_max_pool(Var<T> x, std::span<const Index> node_ptr) {
  return pool_arg("global_max_pool", x, node_ptr, true);
}

template <class T>
Var<T> global_min_pool(Var<T> x, std::span<const Index> node_ptr) {
  return pool_arg("global_min_pool", x, node_ptr, false);
}

template <class T>
Var<T> global_pool(Var<T> x, std::span<const Index> node_ptr, Readout readout) {
  switch (readout) {
    case Readout::kSum:
      return global_sum_pool(x, node_ptr);
    case Readout::kMean:
      return global_mean_pool(x, node_ptr);
    case Readout::kMax:
      return global_max_pool(x, node_ptr);
    case Readout::kMin:
      return global_min_pool(x, node_ptr);
  }
  throw ValueError("global_pool: unknown readout " + std::to_string(static_cast<int>(readout)));
}

#define GRAPHPOOL_INSTANTIATE(T)                                       \
  template Var<T> global_sum_pool<T>(Var<T>, std::span<const Index>);  \
  template Var<T> global_mean_pool<T>(Var<T>, std::span<const Index>); \
  template Var<T> global_max_pool<T>(Var<T>, std::span<const Index>);  \
  template Var<T> global_min_pool<T>(Var<T>, std::span<const Index>);  \
  template Var<T> global_pool<T>(Var<T>, std::span<const Index>, Readout);

GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
