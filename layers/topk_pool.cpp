#include "layers/topk_pool.hpp"

#include <cmath>
#include <string>

#include "core/dot.hpp"
#include "core/errors.hpp"
#include "core/init.hpp"

namespace graphpool {

namespace {
constexpr Index kRowGrain = 128;
}  // namespace

template <class T>
Var<T> topk_score(Var<T> x, Var<T> p, bool normalize) {
  Tape<T>& tape = *x.tape;
  check_rank("topk_score: x", x.shape(), 2);
  const Index N = x.shape()[0], F = x.shape()[1];
  if (p.value().numel() != F) {
    throw ShapeError("topk_score: x is " + x.shape().str() + " so p must have " +
                     std::to_string(F) + " elements but has shape " + p.shape().str());
  }
  const T* pv = p.value().data();
  T norm = T(1);
  if (normalize) {
    T sq = T(0);
    for (Index c = 0; c < F; ++c) sq += pv[c] * pv[c];
    norm = std::sqrt(sq);
    if (!(norm > T(0))) throw ValueError("topk_score: ||p|| must be positive, got 0");
  }
  Var<T> out = tape.make(Shape{N}, {x, p});
  {
    const T* xv = tape.value(x).data();
    T* s = tape.mutable_value(out).data();
    // s_i = (x_i . p) / ||p||
    parallel_for(0, N, kRowGrain, [&](Index lo, Index hi) {
      for (Index i = lo; i < hi; ++i) {
        s[i] = dot8(xv + i * F, pv, F) / norm;
      }
    });
  }
  // ds_i/dx_i = p / ||p||;  ds_i/dp = x_i / ||p|| - s_i p / ||p||^2  (norm = 1 unnormalised)
  tape.on_backward(out, [x, p, out, norm, normalize, N, F](Tape<T>& t) {
    const T* xv = t.value(x).data();
    const T* pv = t.value(p).data();
    const T* s = t.value(out).data();
    const T* ds = t.grad(out).data();
    if (t.requires_grad(x)) {
      T* dx = t.grad(x).data();
      parallel_for(0, N, kRowGrain, [&](Index lo, Index hi) {
        for (Index i = lo; i < hi; ++i) {
          const T g = ds[i] / norm;
          for (Index c = 0; c < F; ++c) dx[i * F + c] += g * pv[c];
        }
      });
    }
    if (t.requires_grad(p)) {
      // dp = (sum_i ds_i x_i - (sum_i ds_i s_i) p) / ||p||, as a fixed-order chunk reduction
      using Acc = Eigen::Matrix<T, Eigen::Dynamic, 1>;
      Acc sums = parallel_reduce(
          Index{0}, N, Index{256}, Acc(Acc::Zero(F + 1)),
          [&](Index lo, Index hi) {
            Acc part = Acc::Zero(F + 1);
            for (Index i = lo; i < hi; ++i) {
              for (Index c = 0; c < F; ++c) part[c] += ds[i] * xv[i * F + c];
              part[F] += ds[i] * s[i];
            }
            return part;
          },
          [](Acc acc, Acc part) {
            acc += part;
            return acc;
          });
      T* dp = t.grad(p).data();
      if (normalize) {
        for (Index c = 0; c < F; ++c) dp[c] += (sums[c] - sums[F] * pv[c] / norm) / norm;
      } else {
        for (Index c = 0; c < F; ++c) dp[c] += sums[c];  // s_i = x_i . p: ds_i/dp = x_i
      }
    }
  });
  return out;
}

template <class T>
PoolOutput<T> topk_pool(Var<T> x, const GraphBatch& batch, Var<T> p,
                        const TopKPoolOptions& options) {
  const SelectOptions select(options);
  select.validate("topk_pool");
  // PyG: score = x p / ||p|| (then the gate); under min_score, softmax_g(x p)
  Var<T> score = topk_score(x, p, /*normalize=*/!options.min_score_.has_value());
  return pool_by_score(x, batch, score, select, options.nonlinearity_);
}

template <class T>
TopKPool<T>::TopKPool(const TopKPoolOptions& options, Generator& gen) : options_(options) {
  if (options.in_channels_ < 1) {
    throw ValueError("TopKPool: in_channels must be >= 1, got " +
                     std::to_string(options.in_channels_));
  }
  SelectOptions(options).validate("TopKPool");
  Tensor<T> p(Shape{options.in_channels_});
  const T bound = T(1) / std::sqrt(static_cast<T>(options.in_channels_));
  uniform_fill(p, -bound, bound, gen.next_stream());
  p_ = &this->register_parameter("p", std::move(p));
}

template <class T>
PoolOutput<T> TopKPool<T>::forward(Var<T> x, const GraphBatch& batch) {
  return topk_pool(x, batch, x.tape->parameter(*p_), options_);
}

#define GRAPHPOOL_INSTANTIATE_TOPK(T)                                                          \
  template Var<T> topk_score(Var<T>, Var<T>, bool);                                            \
  template PoolOutput<T> topk_pool(Var<T>, const GraphBatch&, Var<T>, const TopKPoolOptions&); \
  template class TopKPool<T>;

GRAPHPOOL_INSTANTIATE_TOPK(float)
GRAPHPOOL_INSTANTIATE_TOPK(double)

}  // namespace graphpool
