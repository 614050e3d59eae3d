#include "layers/avg_pool2d.hpp"

#include <algorithm>
#include <vector>

namespace graphpool {

PoolGrid avg_pool2d_grid(const AvgPool2dOptions& o, Index H, Index W) {
  return window_grid("avg_pool2d", H, W, o.kernel_size_, o.stride_.value_or(o.kernel_size_),
                     o.padding_, 1, o.ceil_mode_);
}

namespace {

// t[w] = sum over the window's rows r0 + k step (k < nr) of x[r, w]   (vectorised over w)
template <class T>
void vertical_sum(const T* __restrict xp, Index W, Index r0, Index nr, Index step,
                  T* __restrict t) {
  std::copy(xp + r0 * W, xp + (r0 + 1) * W, t);
  for (Index k = 1; k < nr; ++k) {
    const T* __restrict row = xp + (r0 + k * step) * W;
    for (Index w = 0; w < W; ++w) t[w] += row[w];
  }
}

// o[ow] = (sum_k tp[ow S + k]) / d[ow], tp zero-padded   (unrolled for the common kernels)
template <int K, int S, class T>
void horizontal_mean_fixed(const T* __restrict tp, const T* __restrict d, Index OW,
                           T* __restrict o) {
  for (Index ow = 0; ow < OW; ++ow) {
    T s = tp[ow * S];
    for (int k = 1; k < K; ++k) s += tp[ow * S + k];
    o[ow] = s / d[ow];
  }
}

template <class T>
void horizontal_mean(const T* t, const PoolAxis& cols, const T* d, T* o) {
  for (Index ow = 0; ow < cols.out(); ++ow) {
    const Index f = cols.first[ow], n = cols.count[ow];
    T s = T(0);
    for (Index k = 0; k < n; ++k) s += t[f + k * cols.step];
    o[ow] = s / d[ow];
  }
}

// The divisors of output row oh: rows x cols, nominal or in-bounds.
template <class T>
void row_divisors(const PoolGrid& g, Index oh, bool include_pad, T* d) {
  const Index rd = include_pad ? g.rows.nominal[oh] : g.rows.count[oh];
  for (Index ow = 0; ow < g.out_w(); ++ow)
    d[ow] = static_cast<T>(rd * (include_pad ? g.cols.nominal[ow] : g.cols.count[ow]));
}

}  // namespace

template <class T>
void avg_pool2d_planes(const T* x, Index planes, const PoolGrid& g, bool include_pad, T* out) {
  const Index H = g.in_h(), W = g.in_w(), OH = g.out_h(), OW = g.out_w();
  const PoolAxis& cols = g.cols;
  const bool k2s2 = is_regular(cols, 2, 2), k3s2 = is_regular(cols, 3, 2);
  const Index L = (k2s2 || k3s2) ? padded_length(cols) : W;
  const Index P = (k2s2 || k3s2) ? cols.pad : 0;
  // divisors of every output, shared by all planes
  std::vector<T> div(static_cast<std::size_t>(OH * OW));
  for (Index oh = 0; oh < OH; ++oh) row_divisors(g, oh, include_pad, div.data() + oh * OW);
  for_each_plane_chunk(planes, H * W, [&](Index lo, Index hi) {
    std::vector<T> buf(static_cast<std::size_t>(L), T(0));
    T* t = buf.data() + P;
    for (Index p = lo; p < hi; ++p) {
      const T* xp = x + p * H * W;
      for (Index oh = 0; oh < OH; ++oh) {
        T* o = out + p * OH * OW + oh * OW;
        const T* d = div.data() + oh * OW;
        if (g.rows.count[oh] == 0) {
          std::fill(o, o + OW, T(0));
          continue;
        }
        // out = (sum over rows, then over columns) / divisor
        vertical_sum(xp, W, g.rows.first[oh], g.rows.count[oh], g.rows.step, t);
        if (k2s2) {
          horizontal_mean_fixed<2, 2>(buf.data(), d, OW, o);
        } else if (k3s2) {
          horizontal_mean_fixed<3, 2>(buf.data(), d, OW, o);
        } else {
          horizontal_mean(t, cols, d, o);
        }
      }
    }
  });
}

template <class T>
void avg_pool2d_planes_backward(const T* grad_out, Index planes, const PoolGrid& g,
                                bool include_pad, T* grad_x) {
  const Index H = g.in_h(), W = g.in_w(), OH = g.out_h(), OW = g.out_w();
  std::vector<T> div(static_cast<std::size_t>(OH * OW));
  for (Index oh = 0; oh < OH; ++oh) row_divisors(g, oh, include_pad, div.data() + oh * OW);
  for_each_plane_chunk(planes, H * W, [&](Index lo, Index hi) {
    std::vector<T> t(static_cast<std::size_t>(W));
    for (Index p = lo; p < hi; ++p) {
      T* gx = grad_x + p * H * W;
      for (Index oh = 0; oh < OH; ++oh) {
        const T* go = grad_out + p * OH * OW + oh * OW;
        const T* d = div.data() + oh * OW;
        // t[w] = sum over column windows ow holding w of g[ow] / d[ow]
        std::fill(t.begin(), t.end(), T(0));
        for (Index ow = 0; ow < OW; ++ow) {
          const T share = go[ow] / d[ow];
          const Index f = g.cols.first[ow];
          for (Index k = 0; k < g.cols.count[ow]; ++k) t[f + k * g.cols.step] += share;
        }
        // every row of the window receives t
        for (Index k = 0; k < g.rows.count[oh]; ++k) {
          T* __restrict row = gx + (g.rows.first[oh] + k * g.rows.step) * W;
          const T* __restrict tt = t.data();
          for (Index w = 0; w < W; ++w) row[w] += tt[w];
        }
      }
    }
  });
}

template <class T>
void avg_pool2d(const Tensor<T>& x, const AvgPool2dOptions& options, Tensor<T>& out) {
  check_pool_input("avg_pool2d", x.shape());
  const PoolGrid g = avg_pool2d_grid(options, x.dim(2), x.dim(3));
  out.resize(pool_output_shape(x.shape(), g));
  avg_pool2d_planes(x.data(), x.dim(0) * x.dim(1), g, options.count_include_pad_, out.data());
}

template <class T>
Var<T> avg_pool2d_on_grid(Var<T> x, const PoolGrid& g, bool include_pad) {
  Tape<T>& tape = *x.tape;
  const Shape in = x.shape();
  Var<T> out = tape.make(pool_output_shape(in, g), {x});
  avg_pool2d_planes(tape.value(x).data(), in[0] * in[1], g, include_pad,
                    tape.mutable_value(out).data());
  tape.on_backward(out, [x, out, g, include_pad](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const Shape& s = t.value(x).shape();
    avg_pool2d_planes_backward(t.grad(out).data(), s[0] * s[1], g, include_pad, t.grad(x).data());
  });
  return out;
}

template <class T>
Var<T> avg_pool2d(Var<T> x, const AvgPool2dOptions& options) {
  check_pool_input("avg_pool2d", x.shape());
  const PoolGrid g = avg_pool2d_grid(options, x.shape()[2], x.shape()[3]);
  return avg_pool2d_on_grid(x, g, options.count_include_pad_);
}

#define GRAPHPOOL_INSTANTIATE(T)                                                           \
  template void avg_pool2d_planes<T>(const T*, Index, const PoolGrid&, bool, T*);          \
  template void avg_pool2d_planes_backward<T>(const T*, Index, const PoolGrid&, bool, T*); \
  template void avg_pool2d<T>(const Tensor<T>&, const AvgPool2dOptions&, Tensor<T>&);      \
  template Var<T> avg_pool2d<T>(Var<T>, const AvgPool2dOptions&);                          \
  template Var<T> avg_pool2d_on_grid<T>(Var<T>, const PoolGrid&, bool);
GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
