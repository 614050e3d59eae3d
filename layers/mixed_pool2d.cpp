#include "layers/mixed_pool2d.hpp"

#include <memory>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "layers/avg_pool2d.hpp"
#include "layers/max_pool2d.hpp"

namespace graphpool {

namespace {

PoolGrid mixed_grid(const MixedPool2dOptions& o, Index H, Index W) {
  return window_grid("mixed_pool2d", H, W, o.kernel_size_, o.stride_.value_or(o.kernel_size_),
                     o.padding_, 1, o.ceil_mode_);
}

// out = a * max + (1 - a) * avg, with max in `mx` and avg already in `out`
template <class T>
void combine(const T* __restrict mx, T a, Index n, T* __restrict out) {
  for (Index i = 0; i < n; ++i) out[i] = a * mx[i] + (T(1) - a) * out[i];
}

}  // namespace

template <class T>
void mixed_pool2d(const Tensor<T>& x, const MixedPool2dOptions& o, Tensor<T>& out) {
  check_pool_input("mixed_pool2d", x.shape());
  const PoolGrid g = mixed_grid(o, x.dim(2), x.dim(3));
  out.resize(pool_output_shape(x.shape(), g));
  const Index planes = x.dim(0) * x.dim(1), OHW = g.out_h() * g.out_w();
  std::vector<T> mx(static_cast<std::size_t>(out.numel()));
  max_pool2d_planes(x.data(), planes, g, mx.data(), static_cast<std::int32_t*>(nullptr));
  avg_pool2d_planes(x.data(), planes, g, o.count_include_pad_, out.data());
  combine(mx.data(), static_cast<T>(o.alpha_), planes * OHW, out.data());
}

template <class T>
Var<T> mixed_pool2d(Var<T> x, const MixedPool2dOptions& o, Var<T> alpha) {
  check_pool_input("mixed_pool2d", x.shape());
  if (alpha.value().numel() != 1) {
    throw ShapeError("mixed_pool2d: alpha must have one element, got " + alpha.shape().str());
  }
  Tape<T>& tape = *x.tape;
  const Shape in = x.shape();
  const PoolGrid g = mixed_grid(o, in[2], in[3]);
  const Index planes = in[0] * in[1];
  Var<T> out = tape.make(pool_output_shape(in, g), {x, alpha});
  const Index n = tape.value(out).numel();
  const T a = tape.value(alpha)[0];
  const bool include_pad = o.count_include_pad_;
  // diff = max - avg (d out / d alpha); indices for the max part's gradient
  auto diff = std::make_shared<std::vector<T>>(static_cast<std::size_t>(n));
  auto idx = std::make_shared<std::vector<std::int32_t>>(static_cast<std::size_t>(n));
  T* y = tape.mutable_value(out).data();
  max_pool2d_planes(tape.value(x).data(), planes, g, diff->data(), idx->data());
  avg_pool2d_planes(tape.value(x).data(), planes, g, include_pad, y);
  for (Index i = 0; i < n; ++i) {
    const T mx = (*diff)[static_cast<std::size_t>(i)];
    (*diff)[static_cast<std::size_t>(i)] = mx - y[i];
    // out = a max + (1 - a) avg
    y[i] = a * mx + (T(1) - a) * y[i];
  }
  tape.on_backward(out, [x, out, alpha, g, planes, n, include_pad, diff, idx](Tape<T>& t) {
    const T* go = t.grad(out).data();
    const T a = t.value(alpha)[0];
    if (t.requires_grad(alpha)) {
      // d out / d alpha = max - avg
      T s = T(0);
      for (Index i = 0; i < n; ++i) s += go[i] * (*diff)[static_cast<std::size_t>(i)];
      t.grad(alpha)[0] += s;
    }
    if (!t.requires_grad(x)) return;
    std::vector<T> scaled(static_cast<std::size_t>(n));
    // max part: alpha g to the arg-max
    for (Index i = 0; i < n; ++i) scaled[static_cast<std::size_t>(i)] = a * go[i];
    max_pool2d_planes_backward(scaled.data(), idx->data(), planes, g, t.grad(x).data());
    // avg part: (1 - alpha) g / divisor to each window element
    for (Index i = 0; i < n; ++i) scaled[static_cast<std::size_t>(i)] = (T(1) - a) * go[i];
    avg_pool2d_planes_backward(scaled.data(), planes, g, include_pad, t.grad(x).data());
  });
  return out;
}

template <class T>
Var<T> mixed_pool2d(Var<T> x, const MixedPool2dOptions& o) {
  return mixed_pool2d(x, o, x.tape->constant(Tensor<T>(Shape{}, static_cast<T>(o.alpha_))));
}

template <class T>
MixedPool2d<T>::MixedPool2d(MixedPool2dOptions options, Generator* generator)
    : options_(std::move(options)), generator_(generator), last_alpha_(options_.alpha_) {
  if (options_.mode_ == MixedAlpha::kSampled && generator_ == nullptr) {
    throw ValueError("MixedPool2d: MixedAlpha::kSampled needs a generator, got nullptr");
  }
  if (options_.mode_ == MixedAlpha::kLearnable) {
    alpha_ =
        &this->register_parameter("alpha", Tensor<T>(Shape{}, static_cast<T>(options_.alpha_)));
  }
}

template <class T>
Var<T> MixedPool2d<T>::forward(Var<T> x) {
  Tape<T>& tape = *x.tape;
  switch (options_.mode_) {
    case MixedAlpha::kLearnable: {
      last_alpha_ = static_cast<double>(alpha_->value[0]);
      return mixed_pool2d(x, options_, tape.parameter(*alpha_));
    }
    case MixedAlpha::kSampled:
      last_alpha_ = this->is_training() ? generator_->next_stream().uniform(0) : 0.5;
      break;
    case MixedAlpha::kFixed:
      last_alpha_ = options_.alpha_;
      break;
  }
  return mixed_pool2d(x, options_, tape.constant(Tensor<T>(Shape{}, static_cast<T>(last_alpha_))));
}

#define GRAPHPOOL_INSTANTIATE(T)                                                          \
  template Var<T> mixed_pool2d<T>(Var<T>, const MixedPool2dOptions&, Var<T>);             \
  template Var<T> mixed_pool2d<T>(Var<T>, const MixedPool2dOptions&);                     \
  template void mixed_pool2d<T>(const Tensor<T>&, const MixedPool2dOptions&, Tensor<T>&); \
  template class MixedPool2d<T>;
GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
