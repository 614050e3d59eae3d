#include "layers/global_pool2d.hpp"

#include "layers/avg_pool2d.hpp"
#include "layers/max_pool2d.hpp"

namespace graphpool {

// A global pooling is the PoolGrid with one window; its [N, C, 1, 1] output is stored as [N, C].

template <class T>
Var<T> global_max_pool2d(Var<T> x) {
  check_pool_input("global_max_pool2d", x.shape());
  Tape<T>& tape = *x.tape;
  const Shape in = x.shape();
  const PoolGrid g = global_grid(in[2], in[3]);
  Var<T> out = tape.make(Shape{in[0], in[1]}, {x});
  if (!tape.requires_grad(out)) {
    max_pool2d_planes(tape.value(x).data(), in[0] * in[1], g, tape.mutable_value(out).data(),
                      static_cast<std::int32_t*>(nullptr));
    return out;
  }
  auto idx = std::make_shared<std::vector<std::int32_t>>(static_cast<std::size_t>(in[0] * in[1]));
  max_pool2d_planes(tape.value(x).data(), in[0] * in[1], g, tape.mutable_value(out).data(),
                    idx->data());
  tape.on_backward(out, [x, out, g, idx](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const Shape& s = t.value(x).shape();
    bool fresh = false;
    T* gx = t.grad_for_write(x, fresh).data();  // fresh: assign every element, no zeroing
    max_pool2d_planes_backward(t.grad(out).data(), idx->data(), s[0] * s[1], g, gx, !fresh);
  });
  return out;
}

template <class T>
Var<T> global_avg_pool2d(Var<T> x) {
  check_pool_input("global_avg_pool2d", x.shape());
  Tape<T>& tape = *x.tape;
  const Shape in = x.shape();
  const PoolGrid g = global_grid(in[2], in[3]);
  Var<T> out = tape.make(Shape{in[0], in[1]}, {x});
  avg_pool2d_planes(tape.value(x).data(), in[0] * in[1], g, false, tape.mutable_value(out).data());
  tape.on_backward(out, [x, out, g](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const Shape& s = t.value(x).shape();
    // d out / d x = 1 / (H W) everywhere
    bool fresh = false;
    T* gx = t.grad_for_write(x, fresh).data();  // fresh: assign every element, no zeroing
    avg_pool2d_planes_backward(t.grad(out).data(), s[0] * s[1], g, false, gx, !fresh);
  });
  return out;
}

template <class T>
void global_max_pool2d(const Tensor<T>& x, Tensor<T>& out) {
  check_pool_input("global_max_pool2d", x.shape());
  out.resize(Shape{x.dim(0), x.dim(1)});
  max_pool2d_planes(x.data(), x.dim(0) * x.dim(1), global_grid(x.dim(2), x.dim(3)), out.data(),
                    static_cast<std::int32_t*>(nullptr));
}

template <class T>
void global_avg_pool2d(const Tensor<T>& x, Tensor<T>& out) {
  check_pool_input("global_avg_pool2d", x.shape());
  out.resize(Shape{x.dim(0), x.dim(1)});
  avg_pool2d_planes(x.data(), x.dim(0) * x.dim(1), global_grid(x.dim(2), x.dim(3)), false,
                    out.data());
}

#define GRAPHPOOL_INSTANTIATE(T)                                    \
  template Var<T> global_max_pool2d<T>(Var<T>);                     \
  template Var<T> global_avg_pool2d<T>(Var<T>);                     \
  template void global_max_pool2d<T>(const Tensor<T>&, Tensor<T>&); \
  template void global_avg_pool2d<T>(const Tensor<T>&, Tensor<T>&);
GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
