#include "layers/sort_aggregation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/parallel.hpp"
#include "layers/readout_kernels.hpp"

namespace graphpool {

namespace {

constexpr Index kGraphGrain = 64;

void check_k(const char* what, Index k) {
  if (k < 1) throw ValueError(std::string(what) + ": k must be >= 1, got " + std::to_string(k));
}

}  // namespace

template <class T>
void sort_pool_rows(std::span<const T> keys, std::span<const Index> node_ptr, Index k,
                    std::span<Index> rows) {
  const char* what = "sort_pool_rows";
  check_k(what, k);
  check_node_ptr(what, node_ptr, static_cast<Index>(keys.size()));
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  if (static_cast<Index>(rows.size()) != G * k) {
    throw ShapeError(std::string(what) + ": rows must have G * k = " + std::to_string(G * k) +
                     " entries, got " + std::to_string(rows.size()));
  }
  // a before b: larger key, a NaN key before any number; stable_sort keeps node order on ties
  auto before = [&](Index a, Index b) {
    const T ka = keys[static_cast<std::size_t>(a)], kb = keys[static_cast<std::size_t>(b)];
    return ka > kb || (std::isnan(ka) && !std::isnan(kb));
  };
  parallel_for(0, G, kGraphGrain, [&](Index g_lo, Index g_hi) {
    std::vector<Index> order;
    for (Index g = g_lo; g < g_hi; ++g) {
      order.resize(static_cast<std::size_t>(node_ptr[g + 1] - node_ptr[g]));
      std::iota(order.begin(), order.end(), node_ptr[g]);
      const Index kept = std::min<Index>(k, static_cast<Index>(order.size()));
      std::stable_sort(order.begin(), order.end(), before);
      Index* out = rows.data() + g * k;
      for (Index j = 0; j < k; ++j) out[j] = j < kept ? order[static_cast<std::size_t>(j)] : -1;
    }
  });
}

template <class T>
Var<T> sort_aggregation(Var<T> x, std::span<const Index> node_ptr, Index k) {
  const char* what = "sort_aggregation";
  if (x.tape == nullptr) throw ValueError(std::string(what) + ": x is not on a tape");
  check_k(what, k);
  check_rank(what, x.shape(), 2);
  const Index N = x.shape()[0], F = x.shape()[1];
  if (F < 1) throw ShapeError(std::string(what) + ": x needs at least one feature, got 0");
  check_node_ptr(what, node_ptr, N);
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  Tape<T>& tape = *x.tape;
  const T* xp = tape.value(x).data();
  // the sort key: the last feature of every node
  std::vector<T> keys(static_cast<std::size_t>(N));
  for (Index i = 0; i < N; ++i) keys[static_cast<std::size_t>(i)] = xp[i * F + F - 1];
  std::vector<Index> rows(static_cast<std::size_t>(G * k));
  sort_pool_rows<T>(keys, node_ptr, k, rows);
  Var<T> out = tape.make(Shape{G, k * F}, {x});
  T* op = tape.mutable_value(out).data();
  // out[g, j * F + f] = x[rows[g k + j], f], 0 for padding
  parallel_for(0, G * k, 1024, [&](Index lo, Index hi) {
    for (Index s = lo; s < hi; ++s) {
      const Index r = rows[static_cast<std::size_t>(s)];
      if (r >= 0) {
        std::copy_n(xp + r * F, F, op + s * F);
      } else {
        std::fill_n(op + s * F, F, T(0));
      }
    }
  });
  // grad_x[rows[s]] += grad_out[s] (kept nodes are distinct: no race)
  tape.on_backward(out, [x, out, rows = std::move(rows), F](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const T* go = t.grad(out).data();
    T* gx = t.grad(x).data();
    parallel_for(0, static_cast<Index>(rows.size()), 1024, [&](Index lo, Index hi) {
      for (Index s = lo; s < hi; ++s) {
        const Index r = rows[static_cast<std::size_t>(s)];
        if (r < 0) continue;
        for (Index f = 0; f < F; ++f) gx[r * F + f] += go[s * F + f];
      }
    });
  });
  return out;
}

#define GRAPHPOOL_INSTANTIATE(T)                                                     \
  template void sort_pool_rows<T>(std::span<const T>, std::span<const Index>, Index, \
                                  std::span<Index>);                                 \
  template Var<T> sort_aggregation<T>(Var<T>, std::span<const Index>, Index);

GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
