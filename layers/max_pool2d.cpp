#include "layers/max_pool2d.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/errors.hpp"

namespace graphpool {

PoolGrid max_pool2d_grid(const MaxPool2dOptions& o, Index H, Index W) {
  return window_grid("max_pool2d", H, W, o.kernel_size_, o.stride_.value_or(o.kernel_size_),
                     o.padding_, o.dilation_, o.ceil_mode_);
}

namespace {

// torch's max step: the new value wins if greater, or if NaN.
template <class T>
inline T max_step(T best, T v) {
  return (v > best || v != v) ? v : best;
}

// t[w] = max over the window's rows r0 + k step (k < nr) of x[r, w]   (vectorised over w)
template <class T>
void vertical_max(const T* __restrict xp, Index W, Index r0, Index nr, Index step,
                  T* __restrict t) {
  std::copy(xp + r0 * W, xp + (r0 + 1) * W, t);
  for (Index k = 1; k < nr; ++k) {
    const T* __restrict row = xp + (r0 + k * step) * W;
    for (Index w = 0; w < W; ++w) t[w] = max_step(t[w], row[w]);
  }
}

// Same with the arg-max row per column: the first row with the column maximum.
template <class T>
void vertical_argmax(const T* __restrict xp, Index W, Index r0, Index nr, Index step,
                     T* __restrict t, std::int32_t* __restrict tr) {
  std::copy(xp + r0 * W, xp + (r0 + 1) * W, t);
  std::fill(tr, tr + W, static_cast<std::int32_t>(r0));
  for (Index k = 1; k < nr; ++k) {
    const auto r = static_cast<std::int32_t>(r0 + k * step);
    const T* __restrict row = xp + r * W;
    for (Index w = 0; w < W; ++w) {
      const bool take = row[w] > t[w] || row[w] != row[w];
      t[w] = take ? row[w] : t[w];
      tr[w] = take ? r : tr[w];
    }
  }
}

// o[ow] = max_k tp[ow S + k], tp padded with -inf   (unrolled for the common kernels)
template <int K, int S, class T>
void horizontal_max_fixed(const T* __restrict tp, Index OW, T* __restrict o) {
  for (Index ow = 0; ow < OW; ++ow) {
    T m = tp[ow * S];
    for (int k = 1; k < K; ++k) m = max_step(m, tp[ow * S + k]);
    o[ow] = m;
  }
}

// o[ow] = max over the in-bounds members of column window ow   (any axis)
template <class T>
void horizontal_max(const T* t, const PoolAxis& cols, T* o) {
  for (Index ow = 0; ow < cols.out(); ++ow) {
    const Index f = cols.first[ow], n = cols.count[ow];
    T m = n > 0 ? t[f] : T(0);
    for (Index k = 1; k < n; ++k) m = max_step(m, t[f + k * cols.step]);
    o[ow] = m;
  }
}

// Arg-max over (row, col) candidates in torch's row-major order: a greater value wins; an equal
// value wins only from an earlier row (columns are visited in increasing order).
template <class T>
void horizontal_argmax(const T* t, const std::int32_t* tr, const PoolAxis& cols, Index W, T* o,
                       std::int32_t* a) {
  for (Index ow = 0; ow < cols.out(); ++ow) {
    const Index f = cols.first[ow], n = cols.count[ow];
    if (n == 0) {
      o[ow] = T(0);
      a[ow] = -1;
      continue;
    }
    T best = t[f];
    std::int32_t br = tr[f];
    Index bc = f;
    for (Index k = 1; k < n; ++k) {
      const Index c = f + k * cols.step;
      const T v = t[c];
      if (v > best || (v == best && tr[c] < br) || v != v) {
        best = v;
        br = tr[c];
        bc = c;
      }
    }
    o[ow] = best;
    a[ow] = static_cast<std::int32_t>(br * W + bc);
  }
}

}  // namespace

template <class T>
void max_pool2d_planes(const T* x, Index planes, const PoolGrid& g, T* out, std::int32_t* indices) {
  const Index H = g.in_h(), W = g.in_w(), OH = g.out_h(), OW = g.out_w();
  const PoolAxis& cols = g.cols;
  const bool k2s2 = is_regular(cols, 2, 2), k3s2 = is_regular(cols, 3, 2);
  const bool fixed = indices == nullptr && (k2s2 || k3s2);
  // row buffer: [pad identity cells | W values | right identity cells]
  const Index L = fixed ? padded_length(cols) : W;
  const Index P = fixed ? cols.pad : 0;
  for_each_plane_chunk(planes, H * W, [&](Index lo, Index hi) {
    std::vector<T> buf(static_cast<std::size_t>(L), -std::numeric_limits<T>::infinity());
    std::vector<std::int32_t> rows(indices ? static_cast<std::size_t>(W) : 0);
    T* t = buf.data() + P;
    for (Index p = lo; p < hi; ++p) {
      const T* xp = x + p * H * W;
      T* op = out + p * OH * OW;
      for (Index oh = 0; oh < OH; ++oh) {
        const Index r0 = g.rows.first[oh], nr = g.rows.count[oh];
        T* o = op + oh * OW;
        if (nr == 0) {  // cannot happen for torch-valid windows; an empty window gives 0
          std::fill(o, o + OW, T(0));
          if (indices)
            std::fill(indices + p * OH * OW + oh * OW, indices + p * OH * OW + (oh + 1) * OW, -1);
          continue;
        }
        if (indices) {
          vertical_argmax(xp, W, r0, nr, g.rows.step, t, rows.data());
          horizontal_argmax(t, rows.data(), cols, W, o, indices + p * OH * OW + oh * OW);
        } else {
          vertical_max(xp, W, r0, nr, g.rows.step, t);
          if (k2s2 && fixed) {
            horizontal_max_fixed<2, 2>(buf.data(), OW, o);
          } else if (k3s2 && fixed) {
            horizontal_max_fixed<3, 2>(buf.data(), OW, o);
          } else {
            horizontal_max(t, cols, o);
          }
        }
      }
    }
  });
}

template <class T>
void max_pool2d_planes_backward(const T* grad_out, const std::int32_t* indices, Index planes,
                                const PoolGrid& g, T* grad_x) {
  const Index HW = g.in_h() * g.in_w(), OHW = g.out_h() * g.out_w();
  for_each_plane_chunk(planes, HW, [&](Index lo, Index hi) {
    for (Index p = lo; p < hi; ++p) {
      const T* gp = grad_out + p * OHW;
      const std::int32_t* ip = indices + p * OHW;
      T* gx = grad_x + p * HW;
      // d out[o] / d x[i] = [i == indices[o]]
      for (Index o = 0; o < OHW; ++o)
        if (ip[o] >= 0) gx[ip[o]] += gp[o];
    }
  });
}

template <class T>
void max_pool2d(const Tensor<T>& x, const MaxPool2dOptions& options, Tensor<T>& out,
                std::vector<std::int32_t>* indices) {
  check_pool_input("max_pool2d", x.shape());
  const PoolGrid g = max_pool2d_grid(options, x.dim(2), x.dim(3));
  out.resize(pool_output_shape(x.shape(), g));
  if (indices) indices->resize(static_cast<std::size_t>(out.numel()));
  max_pool2d_planes(x.data(), x.dim(0) * x.dim(1), g, out.data(),
                    indices ? indices->data() : nullptr);
}

template <class T>
MaxPool2dResult<T> max_pool2d_with_indices(Var<T> x, const MaxPool2dOptions& options) {
  check_pool_input("max_pool2d", x.shape());
  return max_pool2d_on_grid(x, max_pool2d_grid(options, x.shape()[2], x.shape()[3]));
}

template <class T>
MaxPool2dResult<T> max_pool2d_on_grid(Var<T> x, const PoolGrid& g) {
  Tape<T>& tape = *x.tape;
  const Shape in = x.shape();
  Var<T> out = tape.make(pool_output_shape(in, g), {x});
  auto idx = std::make_shared<std::vector<std::int32_t>>(
      static_cast<std::size_t>(tape.value(out).numel()));
  max_pool2d_planes(tape.value(x).data(), in[0] * in[1], g, tape.mutable_value(out).data(),
                    idx->data());
  tape.on_backward(out, [x, out, idx, g](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const Shape& s = t.value(x).shape();
    max_pool2d_planes_backward(t.grad(out).data(), idx->data(), s[0] * s[1], g, t.grad(x).data());
  });
  return {out, idx};
}

template <class T>
Var<T> max_pool2d_values_on_grid(Var<T> x, const PoolGrid& g) {
  if (x.requires_grad()) return max_pool2d_on_grid(x, g).out;
  // no gradient needed: the faster value-only kernels, no indices
  Tape<T>& tape = *x.tape;
  const Shape in = x.shape();
  Var<T> out = tape.make(pool_output_shape(in, g), {x});
  max_pool2d_planes(tape.value(x).data(), in[0] * in[1], g, tape.mutable_value(out).data(),
                    static_cast<std::int32_t*>(nullptr));
  return out;
}

template <class T>
Var<T> max_pool2d(Var<T> x, const MaxPool2dOptions& options) {
  check_pool_input("max_pool2d", x.shape());
  return max_pool2d_values_on_grid(x, max_pool2d_grid(options, x.shape()[2], x.shape()[3]));
}

template <class T>
Var<T> max_unpool2d(Var<T> x, const PoolIndices& indices, Size2 output_size) {
  Tape<T>& tape = *x.tape;
  check_pool_input("max_unpool2d", x.shape());
  const Shape in = x.shape();
  if (!indices || static_cast<Index>(indices->size()) != in.numel()) {
    throw ShapeError("max_unpool2d: indices must have one entry per element of x " + in.str() +
                     ", got " + std::to_string(indices ? indices->size() : 0));
  }
  if (output_size.h < 1 || output_size.w < 1) {
    throw ValueError("max_unpool2d: output_size must be >= 1, got " + size2_str(output_size));
  }
  const Index planes = in[0] * in[1], OHW = in[2] * in[3], HW = output_size.h * output_size.w;
  const std::int32_t* ip = indices->data();
  for (Index i = 0; i < in.numel(); ++i) {
    if (ip[i] < 0 || ip[i] >= HW) {
      throw IndexError("max_unpool2d: indices[" + std::to_string(i) +
                       "] = " + std::to_string(ip[i]) + " is outside [0, " + std::to_string(HW) +
                       ") for output_size " + size2_str(output_size));
    }
  }
  Var<T> out = tape.make(Shape{in[0], in[1], output_size.h, output_size.w}, {x});
  Tensor<T>& y = tape.mutable_value(out);
  y.set_zero();
  const T* xv = tape.value(x).data();
  T* yv = y.data();
  // out[p, indices[p, o]] = x[p, o]
  for_each_plane_chunk(planes, HW, [&](Index lo, Index hi) {
    for (Index p = lo; p < hi; ++p)
      for (Index o = 0; o < OHW; ++o) yv[p * HW + ip[p * OHW + o]] = xv[p * OHW + o];
  });
  tape.on_backward(out, [x, out, indices, planes, OHW, HW](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const T* g = t.grad(out).data();
    T* gx = t.grad(x).data();
    const std::int32_t* ip = indices->data();
    // d out[p, indices[p, o]] / d x[p, o] = 1
    for_each_plane_chunk(planes, HW, [&](Index lo, Index hi) {
      for (Index p = lo; p < hi; ++p)
        for (Index o = 0; o < OHW; ++o) gx[p * OHW + o] += g[p * HW + ip[p * OHW + o]];
    });
  });
  return out;
}

#define GRAPHPOOL_INSTANTIATE(T)                                                           \
  template void max_pool2d_planes<T>(const T*, Index, const PoolGrid&, T*, std::int32_t*); \
  template void max_pool2d_planes_backward<T>(const T*, const std::int32_t*, Index,        \
                                              const PoolGrid&, T*);                        \
  template void max_pool2d<T>(const Tensor<T>&, const MaxPool2dOptions&, Tensor<T>&,       \
                              std::vector<std::int32_t>*);                                 \
  template MaxPool2dResult<T> max_pool2d_with_indices<T>(Var<T>, const MaxPool2dOptions&); \
  template Var<T> max_pool2d<T>(Var<T>, const MaxPool2dOptions&);                          \
  template MaxPool2dResult<T> max_pool2d_on_grid<T>(Var<T>, const PoolGrid&);              \
  template Var<T> max_pool2d_values_on_grid<T>(Var<T>, const PoolGrid&);                   \
  template Var<T> max_unpool2d<T>(Var<T>, const PoolIndices&, Size2);
GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
