#include "layers/readout_kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "core/errors.hpp"
#include "core/parallel.hpp"

namespace graphpool {

namespace {

// Widest feature block a tile handles; wider rows are cut into blocks of kFeatureBlock so that a
// few wide graphs still spread over the threads.
constexpr Index kWholeRowMax = 256;
constexpr Index kFeatureBlock = 128;
// Elements of x a tile reads (about 128 KiB of float): big enough to amortise scheduling.
constexpr Index kTileElements = Index(1) << 15;

// Fixed tiles of (graph range, feature range), a function of the sizes only (never the thread
// count), run in parallel: body(g_lo, g_hi, f_lo, f_hi).
template <class Body>
void for_each_tile(Index graphs, Index rows, Index features, Body&& body) {
  if (graphs <= 0 || features <= 0) return;
  const Index fb = features <= kWholeRowMax ? features : kFeatureBlock;
  const Index blocks = (features + fb - 1) / fb;
  const Index rows_per_graph = std::max<Index>(1, rows / graphs);
  const Index grain = std::max<Index>(1, kTileElements / (rows_per_graph * fb));
  const Index chunks = (graphs + grain - 1) / grain;
  parallel_for(0, chunks * blocks, 1, [&](Index t_lo, Index t_hi) {
    for (Index t = t_lo; t < t_hi; ++t) {
      const Index g_lo = (t / blocks) * grain;
      const Index f_lo = (t % blocks) * fb;
      body(g_lo, std::min(graphs, g_lo + grain), f_lo, std::min(features, f_lo + fb));
    }
  });
}

std::string shape_str(Index rows, Index cols) {
  return "[" + std::to_string(rows) + ", " + std::to_string(cols) + "]";
}

void check_out(const char* what, const char* name, Index rows, Index cols, Index want_rows,
               Index want_cols) {
  if (rows != want_rows || cols != want_cols) {
    throw ShapeError(std::string(what) + ": " + name + " must be " +
                     shape_str(want_rows, want_cols) + ", got " + shape_str(rows, cols));
  }
}

// out[g] = sum_{i in g} x[i], optionally divided by |g| (mean).
template <class T>
void sum_rows(const char* what, ConstMatrixMap<T> x, std::span<const Index> node_ptr,
              MatrixMap<T> out, bool divide) {
  check_node_ptr(what, node_ptr, x.rows());
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  const Index F = x.cols();
  check_out(what, "out", out.rows(), out.cols(), G, F);
  const T* xp = x.data();
  T* op = out.data();
  for_each_tile(G, x.rows(), F, [&](Index g_lo, Index g_hi, Index f_lo, Index f_hi) {
    for (Index g = g_lo; g < g_hi; ++g) {
      T* __restrict o = op + g * F;
      for (Index f = f_lo; f < f_hi; ++f) o[f] = T(0);
      // out[g, f] = sum_{i = ptr[g]}^{ptr[g+1]-1} x[i, f]
      for (Index i = node_ptr[g]; i < node_ptr[g + 1]; ++i) {
        const T* __restrict xi = xp + i * F;
        for (Index f = f_lo; f < f_hi; ++f) o[f] += xi[f];
      }
      const Index n = node_ptr[g + 1] - node_ptr[g];
      if (divide && n > 0) {
        const T count = static_cast<T>(n);
        for (Index f = f_lo; f < f_hi; ++f) o[f] /= count;
      }
    }
  });
}

// Is v strictly better than the current extreme `cur`? A NaN beats any number (it propagates);
// ties are not better, so the first node reaching the extreme keeps the arg.
template <class T>
struct Greater {
  bool operator()(T v, T cur) const { return v > cur || (v != v && cur == cur); }
};
template <class T>
struct Less {
  bool operator()(T v, T cur) const { return v < cur || (v != v && cur == cur); }
};

// Extreme of rows lo..hi-1 of graph g over features f_lo..f_hi into o[f] and a[f]. The running arg
// is kept as an offset from lo in `rel` of type Offset: int32 for float so that value and offset
// lanes have the same width and the loop vectorises (blends); Index when the graph is too large.
template <class Offset, class T, class Better>
void extreme_of_graph(const T* xp, Index F, Index lo, Index hi, Index f_lo, Index f_hi, T* o,
                      Index* a, Better better) {
  Offset rel[kWholeRowMax];  // rel[f - f_lo]; f_hi - f_lo <= kWholeRowMax
  T* __restrict out = o;
  const T* __restrict x0 = xp + lo * F;
  for (Index f = f_lo; f < f_hi; ++f) out[f] = x0[f];
  for (Index f = f_lo; f < f_hi; ++f) rel[f - f_lo] = 0;
  // out[g, f] = extreme_{i in g} x[i, f], arg[g, f] = first i reaching it
  for (Index i = lo + 1; i < hi; ++i) {
    const T* __restrict xi = xp + i * F;
    const Offset r = static_cast<Offset>(i - lo);
    for (Index f = f_lo; f < f_hi; ++f) {
      const T v = xi[f];
      const bool take = better(v, out[f]);
      out[f] = take ? v : out[f];
      rel[f - f_lo] = take ? r : rel[f - f_lo];
    }
  }
  for (Index f = f_lo; f < f_hi; ++f) a[f] = lo + static_cast<Index>(rel[f - f_lo]);
}

template <class T, class Better>
void arg_reduce(const char* what, ConstMatrixMap<T> x, std::span<const Index> node_ptr,
                MatrixMap<T> out, std::span<Index> arg, Better better) {
  check_node_ptr(what, node_ptr, x.rows());
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  const Index F = x.cols();
  check_out(what, "out", out.rows(), out.cols(), G, F);
  if (static_cast<Index>(arg.size()) != G * F) {
    throw ShapeError(std::string(what) + ": arg must have G * F = " + std::to_string(G * F) +
                     " entries, got " + std::to_string(arg.size()));
  }
  using Narrow = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
  constexpr Index kNarrowMax = std::numeric_limits<Narrow>::max();
  const T* xp = x.data();
  T* op = out.data();
  Index* ap = arg.data();
  for_each_tile(G, x.rows(), F, [&](Index g_lo, Index g_hi, Index f_lo, Index f_hi) {
    for (Index g = g_lo; g < g_hi; ++g) {
      T* o = op + g * F;
      Index* a = ap + g * F;
      const Index lo = node_ptr[g];
      const Index hi = node_ptr[g + 1];
      if (lo == hi) {  // empty graph: 0, no arg
        for (Index f = f_lo; f < f_hi; ++f) o[f] = T(0);
        for (Index f = f_lo; f < f_hi; ++f) a[f] = -1;
      } else if (hi - lo <= kNarrowMax) {
        extreme_of_graph<Narrow>(xp, F, lo, hi, f_lo, f_hi, o, a, better);
      } else {
        extreme_of_graph<Index>(xp, F, lo, hi, f_lo, f_hi, o, a, better);
      }
    }
  });
}

}  // namespace

void check_node_ptr(const char* what, std::span<const Index> node_ptr, Index rows) {
  if (node_ptr.empty()) {
    throw ShapeError(std::string(what) + ": node_ptr must have num_graphs + 1 >= 1 entries, got 0");
  }
  if (node_ptr.front() != 0) {
    throw ValueError(std::string(what) + ": node_ptr[0] must be 0, got " +
                     std::to_string(node_ptr.front()));
  }
  for (std::size_t g = 1; g < node_ptr.size(); ++g) {
    if (node_ptr[g] < node_ptr[g - 1]) {
      throw ValueError(std::string(what) + ": node_ptr must be non-decreasing, got node_ptr[" +
                       std::to_string(g) + "] = " + std::to_string(node_ptr[g]) + " < node_ptr[" +
                       std::to_string(g - 1) + "] = " + std::to_string(node_ptr[g - 1]));
    }
  }
  if (node_ptr.back() != rows) {
    throw ShapeError(std::string(what) + ": node_ptr must end at the number of rows of x (" +
                     std::to_string(rows) + "), got " + std::to_string(node_ptr.back()));
  }
}

template <class T>
void segment_sum(ConstMatrixMap<T> x, std::span<const Index> node_ptr, MatrixMap<T> out) {
  sum_rows<T>("segment_sum", x, node_ptr, out, false);
}

template <class T>
void segment_mean(ConstMatrixMap<T> x, std::span<const Index> node_ptr, MatrixMap<T> out) {
  sum_rows<T>("segment_mean", x, node_ptr, out, true);
}

template <class T>
void segment_max(ConstMatrixMap<T> x, std::span<const Index> node_ptr, MatrixMap<T> out,
                 std::span<Index> arg) {
  arg_reduce<T>("segment_max", x, node_ptr, out, arg, Greater<T>{});
}

template <class T>
void segment_min(ConstMatrixMap<T> x, std::span<const Index> node_ptr, MatrixMap<T> out,
                 std::span<Index> arg) {
  arg_reduce<T>("segment_min", x, node_ptr, out, arg, Less<T>{});
}

namespace {

// grad_x[i] += grad_out[g] * (divide ? 1 / |g| : 1) for every node i of graph g.
template <class T>
void broadcast_rows(const char* what, ConstMatrixMap<T> grad_out, std::span<const Index> node_ptr,
                    MatrixMap<T> grad_x, bool divide) {
  check_node_ptr(what, node_ptr, grad_x.rows());
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  const Index F = grad_x.cols();
  check_out(what, "grad_out", grad_out.rows(), grad_out.cols(), G, F);
  const T* gp = grad_out.data();
  T* xp = grad_x.data();
  for_each_tile(G, grad_x.rows(), F, [&](Index g_lo, Index g_hi, Index f_lo, Index f_hi) {
    T scaled[kWholeRowMax];  // grad_out[g, f_lo:f_hi] / |g| (mean), f_hi - f_lo <= kWholeRowMax
    for (Index g = g_lo; g < g_hi; ++g) {
      const Index n = node_ptr[g + 1] - node_ptr[g];
      if (n == 0) continue;  // an empty graph's output depends on no node
      const T* __restrict go = gp + g * F + f_lo;
      const Index width = f_hi - f_lo;
      for (Index f = 0; f < width; ++f) scaled[f] = divide ? go[f] / static_cast<T>(n) : go[f];
      // d out[g, f] / d x[i, f] = 1 (sum) or 1 / |g| (mean) for i in g
      for (Index i = node_ptr[g]; i < node_ptr[g + 1]; ++i) {
        T* __restrict gx = xp + i * F + f_lo;
        for (Index f = 0; f < width; ++f) gx[f] += scaled[f];
      }
    }
  });
}

}  // namespace

template <class T>
void segment_sum_backward(ConstMatrixMap<T> grad_out, std::span<const Index> node_ptr,
                          MatrixMap<T> grad_x) {
  broadcast_rows<T>("segment_sum_backward", grad_out, node_ptr, grad_x, false);
}

template <class T>
void segment_mean_backward(ConstMatrixMap<T> grad_out, std::span<const Index> node_ptr,
                           MatrixMap<T> grad_x) {
  broadcast_rows<T>("segment_mean_backward", grad_out, node_ptr, grad_x, true);
}

template <class T>
void segment_arg_backward(ConstMatrixMap<T> grad_out, std::span<const Index> arg,
                          MatrixMap<T> grad_x) {
  const Index G = grad_out.rows();
  const Index F = grad_out.cols();
  if (grad_x.cols() != F) {
    throw ShapeError("segment_arg_backward: grad_x must have " + std::to_string(F) +
                     " columns like grad_out, got " + std::to_string(grad_x.cols()));
  }
  if (static_cast<Index>(arg.size()) != G * F) {
    throw ShapeError("segment_arg_backward: arg must have G * F = " + std::to_string(G * F) +
                     " entries, got " + std::to_string(arg.size()));
  }
  const T* gp = grad_out.data();
  const Index* ap = arg.data();
  T* xp = grad_x.data();
  // Distinct (g, f) write distinct elements (arg[g, f] is a node of graph g), so tiles never race.
  for_each_tile(G, grad_x.rows(), F, [&](Index g_lo, Index g_hi, Index f_lo, Index f_hi) {
    for (Index g = g_lo; g < g_hi; ++g) {
      // d out[g, f] / d x[i, f] = [i == arg[g, f]]
      for (Index f = f_lo; f < f_hi; ++f) {
        const Index i = ap[g * F + f];
        if (i >= 0) xp[i * F + f] += gp[g * F + f];
      }
    }
  });
}

#define GRAPHPOOL_INSTANTIATE(T)                                                                   \
  template void segment_sum<T>(ConstMatrixMap<T>, std::span<const Index>, MatrixMap<T>);           \
  template void segment_mean<T>(ConstMatrixMap<T>, std::span<const Index>, MatrixMap<T>);          \
  template void segment_max<T>(ConstMatrixMap<T>, std::span<const Index>, MatrixMap<T>,            \
                               std::span<Index>);                                                  \
  template void segment_min<T>(ConstMatrixMap<T>, std::span<const Index>, MatrixMap<T>,            \
                               std::span<Index>);                                                  \
  template void segment_sum_backward<T>(ConstMatrixMap<T>, std::span<const Index>, MatrixMap<T>);  \
  template void segment_mean_backward<T>(ConstMatrixMap<T>, std::span<const Index>, MatrixMap<T>); \
  template void segment_arg_backward<T>(ConstMatrixMap<T>, std::span<const Index>, MatrixMap<T>);

GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
