#include "layers/avg_pool2d.hpp"

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace graphpool {

PoolGrid avg_pool2d_grid(const AvgPool2dOptions& o, Index H, Index W) {
  return window_grid("avg_pool2d", H, W, o.kernel_size_, o.stride_.value_or(o.kernel_size_),
                     o.padding_, 1, o.ceil_mode_);
}

namespace {

// Software prefetch kPrefetchAhead bytes past the rows a kernel reads: the hardware prefetcher
// alone leaves the dense forward below the machine's read bandwidth. A/B of bench_pool2d in one
// sitting (AMD EPYC, 2 threads, 3 x 5 repetitions): k3s2p1 9.6-10.4 -> 8.7-8.8 ms, k2s2
// 8.0-9.3 -> 7.5-9.7 ms (noisy). A hint only: no effect on results.
constexpr std::uintptr_t kPrefetchAhead = 8192;

// Hints that the `bytes` bytes from `from + kPrefetchAhead` on will be read soon (the addresses
// may lie past the data: a prefetch never faults, and they are formed as integers).
inline void prefetch_ahead(const void* from, Index bytes) {
  const std::uintptr_t start = reinterpret_cast<std::uintptr_t>(from) + kPrefetchAhead;
  for (std::uintptr_t b = 0; b < static_cast<std::uintptr_t>(bytes); b += 64)
    __builtin_prefetch(reinterpret_cast<const void*>(start + b));
}

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

template <class T>
void horizontal_mean(const T* t, const PoolAxis& cols, const T* d, T* o) {
  for (Index ow = 0; ow < cols.out(); ++ow) {
    const Index f = cols.first[ow], n = cols.count[ow];
    T s = T(0);
    for (Index k = 0; k < n; ++k) s += t[f + k * cols.step];
    o[ow] = s / d[ow];
  }
}

#if defined(__AVX__)
// Even and odd members of 16 floats (8 doubles) at p, from 128-bit loads placed so that the
// in-lane shuffle already yields them in order (no lane-crossing permute):
// e[j] = p[2 j], o[j] = p[2 j + 1], j < 8 (4).
inline void deinterleave(const float* p, __m256& e, __m256& o) {
  const __m256 a =
      _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(p)), _mm_loadu_ps(p + 8), 1);
  const __m256 b =
      _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(p + 4)), _mm_loadu_ps(p + 12), 1);
  e = _mm256_shuffle_ps(a, b, 0x88);
  o = _mm256_shuffle_ps(a, b, 0xDD);
}
inline void deinterleave(const double* p, __m256d& e, __m256d& o) {
  const __m256d a =
      _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(p)), _mm_loadu_pd(p + 4), 1);
  const __m256d b =
      _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(p + 2)), _mm_loadu_pd(p + 6), 1);
  e = _mm256_unpacklo_pd(a, b);
  o = _mm256_unpackhi_pd(a, b);
}
// The same for the element-wise sum of two rows: e[j] = r0[2 j] + r1[2 j], o[j] likewise.
inline void deinterleave_sum(const float* r0, const float* r1, __m256& e, __m256& o) {
  __m256 e0, o0, e1, o1;
  deinterleave(r0, e0, o0);
  deinterleave(r1, e1, o1);
  e = _mm256_add_ps(e0, e1);
  o = _mm256_add_ps(o0, o1);
}
inline void deinterleave_sum(const double* r0, const double* r1, __m256d& e, __m256d& o) {
  __m256d e0, o0, e1, o1;
  deinterleave(r0, e0, o0);
  deinterleave(r1, e1, o1);
  e = _mm256_add_pd(e0, e1);
  o = _mm256_add_pd(o0, o1);
}
inline __m256 vadd(__m256 a, __m256 b) {
  return _mm256_add_ps(a, b);
}
inline __m256d vadd(__m256d a, __m256d b) {
  return _mm256_add_pd(a, b);
}
inline __m256 vmul(__m256 a, __m256 b) {
  return _mm256_mul_ps(a, b);
}
inline __m256d vmul(__m256d a, __m256d b) {
  return _mm256_mul_pd(a, b);
}
inline __m256 vdiv(__m256 a, __m256 b) {
  return _mm256_div_ps(a, b);
}
inline __m256d vdiv(__m256d a, __m256d b) {
  return _mm256_div_pd(a, b);
}
inline __m256 vload(const float* p) {
  return _mm256_loadu_ps(p);
}
inline __m256d vload(const double* p) {
  return _mm256_loadu_pd(p);
}
inline void vstore(float* p, __m256 v) {
  _mm256_storeu_ps(p, v);
}
inline void vstore(double* p, __m256d v) {
  _mm256_storeu_pd(p, v);
}
inline __m256 vset(float v) {
  return _mm256_set1_ps(v);
}
inline __m256d vset(double v) {
  return _mm256_set1_pd(v);
}
template <class T>
struct VecOf;
template <>
struct VecOf<float> {
  using type = __m256;
};
template <>
struct VecOf<double> {
  using type = __m256d;
};
template <class T>
using Vec = typename VecOf<T>::type;
#endif

// sum_i x[i] over n contiguous values: 4 independent 32-byte accumulators (lane j of vector a
// sums x[i + a L + j] over blocks of 4 L), then vectors (a0 + a1) + (a2 + a3), any whole vector
// left into that, its lanes pairwise, and the tail in order. Scalar builds follow the same order.
template <class T>
T plane_sum(const T* __restrict x, Index n) {
  constexpr Index L = 32 / sizeof(T);
  T lane[L] = {};
  Index i = 0;
#if defined(__AVX__)
  if (n >= 4 * L) {
    Vec<T> a0 = vload(x), a1 = vload(x + L), a2 = vload(x + 2 * L), a3 = vload(x + 3 * L);
    for (i = 4 * L; i + 4 * L <= n; i += 4 * L) {
      a0 = vadd(a0, vload(x + i));
      a1 = vadd(a1, vload(x + i + L));
      a2 = vadd(a2, vload(x + i + 2 * L));
      a3 = vadd(a3, vload(x + i + 3 * L));
    }
    Vec<T> a = vadd(vadd(a0, a1), vadd(a2, a3));
    for (; i + L <= n; i += L) a = vadd(a, vload(x + i));
    vstore(lane, a);
  }
#else
  if (n >= 4 * L) {
    T acc[4][L];
    for (Index v = 0; v < 4; ++v)
      for (Index j = 0; j < L; ++j) acc[v][j] = x[v * L + j];
    for (i = 4 * L; i + 4 * L <= n; i += 4 * L)
      for (Index v = 0; v < 4; ++v)
        for (Index j = 0; j < L; ++j) acc[v][j] += x[i + v * L + j];
    for (Index j = 0; j < L; ++j) lane[j] = (acc[0][j] + acc[1][j]) + (acc[2][j] + acc[3][j]);
    for (; i + L <= n; i += L)
      for (Index j = 0; j < L; ++j) lane[j] += x[i + j];
  }
#endif
  // lanes pairwise: ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)) (4 lanes for double)
  for (Index w = L / 2; w >= 1; w /= 2)
    for (Index j = 0; j < w; ++j) lane[j] = lane[2 * j] + lane[2 * j + 1];
  T s = lane[0];
  for (; i < n; ++i) s += x[i];
  return s;
}

// Exact 2 x 2 windows, one output row from input rows r0, r1 (the divisor is 4 with or without
// count_include_pad): o[ow] = ((r0[2ow] + r1[2ow]) + (r0[2ow+1] + r1[2ow+1])) / 4, the separable
// path's order (rows first); * 0.25 is exact. AVX: 8 (4) outputs per step, rows added first,
// then even + odd columns.
template <class T>
void mean_row_k2s2(const T* __restrict r0, const T* __restrict r1, Index OW, T* __restrict o) {
  Index ow = 0;
#if defined(__AVX__)
  constexpr Index L = 32 / sizeof(T);
  const Vec<T> quarter = vset(T(0.25));
  for (; ow + L <= OW; ow += L) {
    Vec<T> e, d;
    deinterleave_sum(r0 + 2 * ow, r1 + 2 * ow, e, d);
    vstore(o + ow, vmul(vadd(e, d), quarter));
  }
#endif
  for (; ow < OW; ++ow)
    o[ow] = ((r0[2 * ow] + r1[2 * ow]) + (r0[2 * ow + 1] + r1[2 * ow + 1])) * T(0.25);
}

// o[ow] = (sum_k tp[ow S + k]) / d[ow], tp zero-padded, for the common kernels (K, S) = (2, 2) and
// (3, 2): (tp[2ow] + tp[2ow+1]) (+ tp[2ow+2]). AVX: 8 (4) outputs per step from the even / odd
// columns; tp must be readable 2 L cells past the last window (the caller's slack).
template <int K, class T>
void horizontal_mean_s2(const T* __restrict tp, const T* __restrict d, Index OW, T* __restrict o) {
  static_assert(K == 2 || K == 3);
  Index ow = 0;
#if defined(__AVX__)
  constexpr Index L = 32 / sizeof(T);
  for (; ow + L <= OW; ow += L) {
    Vec<T> e, od;
    deinterleave(tp + 2 * ow, e, od);
    Vec<T> s = vadd(e, od);
    if constexpr (K == 3) {
      Vec<T> e2, unused;
      deinterleave(tp + 2 * ow + 2, e2, unused);
      s = vadd(s, e2);
    }
    vstore(o + ow, vdiv(s, vload(d + ow)));
  }
#endif
  for (; ow < OW; ++ow) {
    T s = tp[2 * ow] + tp[2 * ow + 1];
    if constexpr (K == 3) s += tp[2 * ow + 2];
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
  const bool whole = is_whole_plane(g);
  const bool exact2 = is_exact_k2s2(g.rows) && is_exact_k2s2(g.cols);
  for_each_plane_chunk(planes, H * W, [&](Index lo, Index hi) {
    // zero padding cells, plus 2 vectors of slack read (and discarded) by horizontal_mean_s2
    std::vector<T> buf(static_cast<std::size_t>(L + 64 / sizeof(T)), T(0));
    T* t = buf.data() + P;
    for (Index p = lo; p < hi; ++p) {
      const T* xp = x + p * H * W;
      if (whole) {  // out = sum of the plane / divisor
        out[p] = plane_sum(xp, H * W) / div[0];
        continue;
      }
      if (exact2) {
        for (Index oh = 0; oh < OH; ++oh) {
          prefetch_ahead(xp + 2 * oh * W, 2 * W * Index(sizeof(T)));
          mean_row_k2s2(xp + 2 * oh * W, xp + (2 * oh + 1) * W, OW, out + p * OH * OW + oh * OW);
        }
        continue;
      }
      for (Index oh = 0; oh < OH; ++oh) {
        T* o = out + p * OH * OW + oh * OW;
        const T* d = div.data() + oh * OW;
        if (g.rows.count[oh] == 0) {
          std::fill(o, o + OW, T(0));
          continue;
        }
        // two rows past this window (stride 2, the common case, reads that much per output row)
        prefetch_ahead(xp + (g.rows.first[oh] + g.rows.count[oh]) * W, 2 * W * Index(sizeof(T)));
        // out = (sum over rows, then over columns) / divisor
        vertical_sum(xp, W, g.rows.first[oh], g.rows.count[oh], g.rows.step, t);
        if (k2s2) {
          horizontal_mean_s2<2>(buf.data(), d, OW, o);
        } else if (k3s2) {
          horizontal_mean_s2<3>(buf.data(), d, OW, o);
        } else {
          horizontal_mean(t, cols, d, o);
        }
      }
    }
  });
}

namespace {

// Exact 2 x 2 windows, overwriting: each input of the row pair gets its window's g / 4 (the
// accumulating path adds 0 + g / 4, the same bits); an odd last row or column gets 0.
template <class T>
void mean_plane_backward_k2s2(const T* __restrict go, const PoolGrid& g, T* __restrict gx) {
  const Index H = g.in_h(), W = g.in_w(), OH = g.out_h(), OW = g.out_w();
  for (Index oh = 0; oh < OH; ++oh) {
    T* __restrict r0 = gx + 2 * oh * W;
    T* __restrict r1 = r0 + W;
    const T* __restrict gr = go + oh * OW;
    for (Index ow = 0; ow < OW; ++ow) {
      const T share = gr[ow] / T(4);
      r0[2 * ow] = r0[2 * ow + 1] = r1[2 * ow] = r1[2 * ow + 1] = share;
    }
    if (W % 2 == 1) r0[W - 1] = r1[W - 1] = T(0);
  }
  if (H % 2 == 1) std::fill(gx + (H - 1) * W, gx + H * W, T(0));
}

}  // namespace

template <class T>
void avg_pool2d_planes_backward(const T* grad_out, Index planes, const PoolGrid& g,
                                bool include_pad, T* grad_x, bool accumulate) {
  const Index H = g.in_h(), W = g.in_w(), OH = g.out_h(), OW = g.out_w();
  std::vector<T> div(static_cast<std::size_t>(OH * OW));
  for (Index oh = 0; oh < OH; ++oh) row_divisors(g, oh, include_pad, div.data() + oh * OW);
  const bool whole = is_whole_plane(g);
  const bool exact2 = !accumulate && is_exact_k2s2(g.rows) && is_exact_k2s2(g.cols);
  for_each_plane_chunk(planes, H * W, [&](Index lo, Index hi) {
    std::vector<T> t(static_cast<std::size_t>(W));
    for (Index p = lo; p < hi; ++p) {
      T* __restrict gx = grad_x + p * H * W;
      if (whole) {  // d out / d x[i] = 1 / divisor for every i of the plane
        const T share = grad_out[p] / div[0];
        if (accumulate) {
          for (Index i = 0; i < H * W; ++i) gx[i] += share;
        } else {
          std::fill(gx, gx + H * W, share);
        }
        continue;
      }
      if (exact2) {
        mean_plane_backward_k2s2(grad_out + p * OH * OW, g, gx);
        continue;
      }
      // overwrite: zero the plane while it is in cache, then accumulate
      if (!accumulate) std::fill(gx, gx + H * W, T(0));
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
    bool fresh = false;
    T* gx = t.grad_for_write(x, fresh).data();  // fresh: assign every element, no zeroing
    avg_pool2d_planes_backward(t.grad(out).data(), s[0] * s[1], g, include_pad, gx, !fresh);
  });
  return out;
}

template <class T>
Var<T> avg_pool2d(Var<T> x, const AvgPool2dOptions& options) {
  check_pool_input("avg_pool2d", x.shape());
  const PoolGrid g = avg_pool2d_grid(options, x.shape()[2], x.shape()[3]);
  return avg_pool2d_on_grid(x, g, options.count_include_pad_);
}

#define GRAPHPOOL_INSTANTIATE(T)                                                                 \
  template void avg_pool2d_planes<T>(const T*, Index, const PoolGrid&, bool, T*);                \
  template void avg_pool2d_planes_backward<T>(const T*, Index, const PoolGrid&, bool, T*, bool); \
  template void avg_pool2d<T>(const Tensor<T>&, const AvgPool2dOptions&, Tensor<T>&);            \
  template Var<T> avg_pool2d<T>(Var<T>, const AvgPool2dOptions&);                                \
  template Var<T> avg_pool2d_on_grid<T>(Var<T>, const PoolGrid&, bool);
GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
