#include "layers/max_pool2d.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

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

// --- whole plane (global pooling): n contiguous values -------------------------------------------

// max_i x[i] with torch's step (NaN if any, sticky), in 32-byte lanes (GCC/Clang vector
// extensions: the scalar form does not vectorise): 4 independent ordered maxima over blocks of 4
// vectors plus a NaN flag per lane, then the tail (the last L values again: a maximum is unchanged
// by repeated members) and the lanes as vectors, branch-free. Any NaN: the last NaN of the plane,
// the value torch's row-major scan ends on. The same value as the scan; only the sign of a zero
// maximum may differ.
template <class T>
T plane_max(const T* __restrict x, Index n) {
  using I = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
  typedef T V __attribute__((vector_size(32)));
  typedef I VI __attribute__((vector_size(32)));
  constexpr Index L = 32 / sizeof(T);
  if (n < 2 * L) {
    T m = x[0];
    for (Index i = 1; i < n; ++i) m = max_step(m, x[i]);
    return m;
  }
  auto load = [&](Index at) {
    V v;
    std::memcpy(&v, x + at, sizeof(V));
    return v;
  };
  auto vmax = [](V m, V v) { return v > m ? v : m; };  // vmaxps; NaNs are flagged separately
  V m = load(0);
  VI nan = m != m;
  Index i = L;
  if (n >= 4 * L) {
    V m1 = load(L), m2 = load(2 * L), m3 = load(3 * L);
    VI nan1 = m1 != m1, nan2 = m2 != m2, nan3 = m3 != m3;
    for (i = 4 * L; i + 4 * L <= n; i += 4 * L) {
      const V v0 = load(i), v1 = load(i + L), v2 = load(i + 2 * L), v3 = load(i + 3 * L);
      m = vmax(m, v0);
      m1 = vmax(m1, v1);
      m2 = vmax(m2, v2);
      m3 = vmax(m3, v3);
      nan |= v0 != v0;
      nan1 |= v1 != v1;
      nan2 |= v2 != v2;
      nan3 |= v3 != v3;
    }
    m = vmax(vmax(m, m1), vmax(m2, m3));
    nan |= (nan1 | nan2) | nan3;
  }
  for (; i + L <= n; i += L) {
    const V v = load(i);
    m = vmax(m, v);
    nan |= v != v;
  }
  if (i < n) {
    const V v = load(n - L);
    m = vmax(m, v);
    nan |= v != v;
  }
  I any = 0;
  for (Index j = 0; j < L; ++j) any |= nan[j];
  if (any) {
    Index k = n - 1;
    while (x[k] == x[k]) --k;
    return x[k];
  }
  // lanes: halves, quarters, pairs
  if constexpr (L == 8) {
    m = vmax(m, __builtin_shufflevector(m, m, 4, 5, 6, 7, 0, 1, 2, 3));
    m = vmax(m, __builtin_shufflevector(m, m, 2, 3, 0, 1, 6, 7, 4, 5));
    m = vmax(m, __builtin_shufflevector(m, m, 1, 0, 3, 2, 5, 4, 7, 6));
  } else {
    m = vmax(m, __builtin_shufflevector(m, m, 2, 3, 0, 1));
    m = vmax(m, __builtin_shufflevector(m, m, 1, 0, 3, 2));
  }
  return m[0];
}

// torch's arg-max of the row-major scan: the last NaN if there is one, else the first maximum.
template <class T>
Index plane_argmax(const T* x, Index n) {
  const T m = plane_max(x, n);
  if (m != m) {
    Index i = n - 1;
    while (x[i] == x[i]) --i;
    return i;
  }
  Index i = 0;
  while (!(x[i] == m)) ++i;
  return i;
}

// --- exact 2 x 2 windows at stride 2 -------------------------------------------------------------

// One output row over input rows r0 = x[2 oh] and r1 = x[2 oh + 1]: o[ow] = max of r0[2 ow],
// r0[2 ow + 1], r1[2 ow], r1[2 ow + 1] with torch's step in this row-major order, a[ow] = the
// winner's plane index (i0 = plane index of r0[0]). Vectorised over ow.
template <bool kIdx, class T>
void max_row_k2s2(const T* __restrict r0, const T* __restrict r1, Index OW, std::int32_t i0,
                  std::int32_t W, T* __restrict o, std::int32_t* __restrict a) {
  for (Index ow = 0; ow < OW; ++ow) {
    const Index c = 2 * ow;
    const std::int32_t at = i0 + 2 * static_cast<std::int32_t>(ow);
    T m = r0[c];
    std::int32_t k = at;
    T v = r0[c + 1];
    bool take = v > m || v != v;
    m = take ? v : m;
    if constexpr (kIdx) k = take ? at + 1 : k;
    v = r1[c];
    take = v > m || v != v;
    m = take ? v : m;
    if constexpr (kIdx) k = take ? at + W : k;
    v = r1[c + 1];
    take = v > m || v != v;
    m = take ? v : m;
    if constexpr (kIdx) k = take ? at + W + 1 : k;
    o[ow] = m;
    if constexpr (kIdx) a[ow] = k;
  }
}

// --- any window, one at a time -------------------------------------------------------------------

// Window (oh, ow): the row-major scan of its in-bounds members with torch's step; an empty window
// gives 0 and arg -1.
template <bool kIdx, class T>
void max_window(const T* xp, const PoolGrid& g, Index oh, Index ow, T* o, std::int32_t* a) {
  const Index W = g.in_w(), nr = g.rows.count[oh], nc = g.cols.count[ow];
  if (nr == 0 || nc == 0) {
    *o = T(0);
    if constexpr (kIdx) *a = -1;
    return;
  }
  Index arg = g.rows.first[oh] * W + g.cols.first[ow];
  T m = xp[arg];
  for (Index kh = 0; kh < nr; ++kh)
    for (Index kw = 0; kw < nc; ++kw) {
      const Index i =
          (g.rows.first[oh] + kh * g.rows.step) * W + g.cols.first[ow] + kw * g.cols.step;
      const T v = xp[i];
      if (v > m || v != v) {
        m = v;
        arg = i;
      }
    }
  *o = m;
  if constexpr (kIdx) *a = static_cast<std::int32_t>(arg);
}

// --- regular column windows of stride S (1 or 2), dilation 1 -------------------------------------

// Output row oh. The interior windows [lo, hi) (all `kernel` columns in bounds) take their
// candidates (row k, column j) in row-major order as whole-row passes (vectorised over ow), each
// pass applying torch's step; the clipped windows at the borders run one by one.
template <int S, bool kIdx, class T>
void max_row_strided(const T* xp, const PoolGrid& g, Index oh, Index lo, Index hi, T* __restrict o,
                     std::int32_t* __restrict a) {
  const Index W = g.in_w(), K = g.cols.kernel, P = g.cols.pad;
  for (Index k = 0; k < g.rows.count[oh]; ++k) {
    const Index r = g.rows.first[oh] + k * g.rows.step;
    const T* __restrict row = xp + r * W;
    for (Index j = 0; j < K; ++j) {
      // candidate of window ow: x[r, ow S - P + j], plane index at + ow S
      const Index off = j - P;
      const auto at = static_cast<std::int32_t>(r * W + off);
      if (k == 0 && j == 0) {
        for (Index ow = lo; ow < hi; ++ow) {
          o[ow] = row[ow * S + off];
          if constexpr (kIdx) a[ow] = at + static_cast<std::int32_t>(ow) * S;
        }
        continue;
      }
      for (Index ow = lo; ow < hi; ++ow) {
        const T v = row[ow * S + off];
        const bool take = v > o[ow] || v != v;
        o[ow] = take ? v : o[ow];
        if constexpr (kIdx) a[ow] = take ? at + static_cast<std::int32_t>(ow) * S : a[ow];
      }
    }
  }
  for (Index ow = 0; ow < lo; ++ow)
    max_window<kIdx>(xp, g, oh, ow, o + ow, kIdx ? a + ow : nullptr);
  for (Index ow = hi; ow < g.out_w(); ++ow)
    max_window<kIdx>(xp, g, oh, ow, o + ow, kIdx ? a + ow : nullptr);
}

// The interior [lo, hi) of a regular axis: windows whose `kernel` members are all in bounds.
std::pair<Index, Index> interior(const PoolAxis& a) {
  auto full = [&](Index o) {
    return a.count[static_cast<std::size_t>(o)] == a.kernel &&
           a.first[static_cast<std::size_t>(o)] == o * a.stride - a.pad;
  };
  Index lo = 0, hi = a.out();
  while (lo < hi && !full(lo)) ++lo;
  while (hi > lo && !full(hi - 1)) --hi;
  return {lo, hi};
}

// --- the general separable path (adaptive bins, dilation, other strides) -------------------------

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

// Which kernel a grid takes (the same for every plane).
enum class MaxPath { kWholePlane, kExactK2S2, kStride1, kStride2, kSeparable };

MaxPath max_path(const PoolGrid& g) {
  if (is_whole_plane(g)) return MaxPath::kWholePlane;
  if (is_exact_k2s2(g.rows) && is_exact_k2s2(g.cols)) return MaxPath::kExactK2S2;
  if (g.cols.kernel > 0 && g.cols.step == 1 && g.cols.stride == 1) return MaxPath::kStride1;
  if (g.cols.kernel > 0 && g.cols.step == 1 && g.cols.stride == 2) return MaxPath::kStride2;
  return MaxPath::kSeparable;
}

template <bool kIdx, class T>
void max_plane(const T* xp, const PoolGrid& g, MaxPath path, T* op, std::int32_t* ap,
               std::vector<T>& t, std::vector<std::int32_t>& tr) {
  const Index H = g.in_h(), W = g.in_w(), OH = g.out_h(), OW = g.out_w();
  switch (path) {
    case MaxPath::kWholePlane: {
      if constexpr (kIdx) {
        const Index i = plane_argmax(xp, H * W);
        *op = xp[i];
        *ap = static_cast<std::int32_t>(i);
      } else {
        *op = plane_max(xp, H * W);
      }
      return;
    }
    case MaxPath::kExactK2S2:
      for (Index oh = 0; oh < OH; ++oh)
        max_row_k2s2<kIdx>(xp + 2 * oh * W, xp + (2 * oh + 1) * W, OW,
                           static_cast<std::int32_t>(2 * oh * W), static_cast<std::int32_t>(W),
                           op + oh * OW, kIdx ? ap + oh * OW : nullptr);
      return;
    case MaxPath::kStride1:
    case MaxPath::kStride2: {
      const auto [lo, hi] = interior(g.cols);
      for (Index oh = 0; oh < OH; ++oh) {
        std::int32_t* a = kIdx ? ap + oh * OW : nullptr;
        if (path == MaxPath::kStride1)
          max_row_strided<1, kIdx>(xp, g, oh, lo, hi, op + oh * OW, a);
        else
          max_row_strided<2, kIdx>(xp, g, oh, lo, hi, op + oh * OW, a);
      }
      return;
    }
    case MaxPath::kSeparable:
      for (Index oh = 0; oh < OH; ++oh) {
        const Index r0 = g.rows.first[oh], nr = g.rows.count[oh];
        T* o = op + oh * OW;
        if (nr == 0) {  // cannot happen for torch-valid windows; an empty window gives 0
          std::fill(o, o + OW, T(0));
          if constexpr (kIdx) std::fill(ap + oh * OW, ap + (oh + 1) * OW, -1);
          continue;
        }
        if constexpr (kIdx) {
          vertical_argmax(xp, W, r0, nr, g.rows.step, t.data(), tr.data());
          horizontal_argmax(t.data(), tr.data(), g.cols, W, o, ap + oh * OW);
        } else {
          vertical_max(xp, W, r0, nr, g.rows.step, t.data());
          horizontal_max(t.data(), g.cols, o);
        }
      }
      return;
  }
}

}  // namespace

template <class T>
void max_pool2d_planes(const T* x, Index planes, const PoolGrid& g, T* out, std::int32_t* indices) {
  const Index HW = g.in_h() * g.in_w(), OHW = g.out_h() * g.out_w();
  const MaxPath path = max_path(g);
  const bool separable = path == MaxPath::kSeparable;
  for_each_plane_chunk(planes, HW, [&](Index lo, Index hi) {
    // column buffers of the separable path
    std::vector<T> t(separable ? static_cast<std::size_t>(g.in_w()) : 0);
    std::vector<std::int32_t> tr(separable && indices ? static_cast<std::size_t>(g.in_w()) : 0);
    for (Index p = lo; p < hi; ++p) {
      if (indices)
        max_plane<true>(x + p * HW, g, path, out + p * OHW, indices + p * OHW, t, tr);
      else
        max_plane<false>(x + p * HW, g, path, out + p * OHW, nullptr, t, tr);
    }
  });
}

namespace {

// Exact 2 x 2 windows: every input of output row oh gets its window's gradient or 0, written once
// (grad_x = ..., no zeroing pass); an odd last row or column is in no window and gets 0.
template <class T>
void max_plane_backward_k2s2(const T* __restrict go, const std::int32_t* __restrict ip,
                             const PoolGrid& g, T* __restrict gx) {
  const Index H = g.in_h(), W = g.in_w(), OH = g.out_h(), OW = g.out_w();
  const auto W32 = static_cast<std::int32_t>(W);
  for (Index oh = 0; oh < OH; ++oh) {
    T* __restrict r0 = gx + 2 * oh * W;
    T* __restrict r1 = r0 + W;
    const std::int32_t* __restrict a = ip + oh * OW;
    const T* __restrict gr = go + oh * OW;
    const auto i0 = static_cast<std::int32_t>(2 * oh * W);
    for (Index ow = 0; ow < OW; ++ow) {
      // d = position of the arg-max in the window: 0, 1, W or W + 1
      const std::int32_t d = a[ow] - i0 - 2 * static_cast<std::int32_t>(ow);
      const T v = gr[ow];
      r0[2 * ow] = d == 0 ? v : T(0);
      r0[2 * ow + 1] = d == 1 ? v : T(0);
      r1[2 * ow] = d == W32 ? v : T(0);
      r1[2 * ow + 1] = d == W32 + 1 ? v : T(0);
    }
    if (W % 2 == 1) r0[W - 1] = r1[W - 1] = T(0);
  }
  if (H % 2 == 1) std::fill(gx + (H - 1) * W, gx + H * W, T(0));
}

}  // namespace

template <class T>
void max_pool2d_planes_backward(const T* grad_out, const std::int32_t* indices, Index planes,
                                const PoolGrid& g, T* grad_x, bool accumulate) {
  const Index HW = g.in_h() * g.in_w(), OHW = g.out_h() * g.out_w();
  const bool k2s2 = !accumulate && is_exact_k2s2(g.rows) && is_exact_k2s2(g.cols);
  for_each_plane_chunk(planes, HW, [&](Index lo, Index hi) {
    for (Index p = lo; p < hi; ++p) {
      const T* gp = grad_out + p * OHW;
      const std::int32_t* ip = indices + p * OHW;
      T* gx = grad_x + p * HW;
      if (k2s2) {
        max_plane_backward_k2s2(gp, ip, g, gx);
        continue;
      }
      // overwrite: zero the plane while it is in cache, then scatter
      if (!accumulate) std::fill(gx, gx + HW, T(0));
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
    bool fresh = false;
    T* gx = t.grad_for_write(x, fresh).data();  // fresh: assign every element, no zeroing
    max_pool2d_planes_backward(t.grad(out).data(), idx->data(), s[0] * s[1], g, gx, !fresh);
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
                                              const PoolGrid&, T*, bool);                  \
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
