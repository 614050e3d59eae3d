#include "layers/dense_assignment.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/ops.hpp"
#include "layers/batched_matmul.hpp"
#include "layers/dense_batch.hpp"

namespace graphpool {

template <class T>
Var<T> dense_assignment(Var<T> s, std::span<const std::uint8_t> mask, double temp) {
  Tape<T>& tape = *s.tape;
  const int rank = s.shape().rank();
  if (rank != 2 && rank != 3) {
    throw ShapeError("dense_assignment: s must be [B, N, C] or [N, C], got " + s.shape().str());
  }
  if (!(temp > 0)) {
    throw ValueError("dense_assignment: temp must be > 0, got " + std::to_string(temp));
  }
  const Index C = s.shape()[rank - 1];
  const Index R = rank == 3 ? s.shape()[0] * s.shape()[1] : s.shape()[0];
  if (!mask.empty() && static_cast<Index>(mask.size()) != R) {
    throw ShapeError("dense_assignment: s is " + s.shape().str() + " so the mask needs " +
                     std::to_string(R) + " entries, got " + std::to_string(mask.size()));
  }
  std::vector<T> keep(static_cast<std::size_t>(R), T(1));
  for (std::size_t r = 0; r < mask.size(); ++r) keep[r] = mask[r] ? T(1) : T(0);
  const T tt = static_cast<T>(temp), inv_temp = static_cast<T>(1.0 / temp);
  const bool scaled = temp != 1.0;
  Var<T> out = tape.make(s.shape(), {s});
  // y: the softmax before masking, kept for the backward
  std::vector<T> soft(static_cast<std::size_t>(R * C));
  {
    const T* sv = tape.value(s).data();
    T* y = tape.mutable_value(out).data();
    // y_rc = exp(z_rc - max_c z_rc) / sum_c' exp(z_rc' - max z_r), z = s / temp; out = y * mask_r
    parallel_for(0, R, 256, [&](Index lo, Index hi) {
      for (Index r = lo; r < hi; ++r) {
        const T* z = sv + r * C;
        T* p = soft.data() + r * C;
        T m = -std::numeric_limits<T>::infinity();
        for (Index c = 0; c < C; ++c) m = std::max(m, scaled ? z[c] / tt : z[c]);
        T total = T(0);
        for (Index c = 0; c < C; ++c) {
          p[c] = std::exp((scaled ? z[c] / tt : z[c]) - m);
          total += p[c];
        }
        for (Index c = 0; c < C; ++c) {
          p[c] /= total;
          y[r * C + c] = p[c] * keep[static_cast<std::size_t>(r)];
        }
      }
    });
  }
  // ds_rc = mask_r y_rc (g_rc - sum_c' g_rc' y_rc') / temp
  tape.on_backward(
      out, [s, out, soft = std::move(soft), keep = std::move(keep), R, C, inv_temp](Tape<T>& t) {
        if (!t.requires_grad(s)) return;
        T* ds = t.grad(s).data();
        const T* g = t.grad(out).data();
        parallel_for(0, R, 256, [&](Index lo, Index hi) {
          for (Index r = lo; r < hi; ++r) {
            if (keep[static_cast<std::size_t>(r)] == T(0)) continue;
            const T* p = soft.data() + r * C;
            T dot = T(0);
            for (Index c = 0; c < C; ++c) dot += g[r * C + c] * p[c];
            for (Index c = 0; c < C; ++c) ds[r * C + c] += p[c] * (g[r * C + c] - dot) * inv_temp;
          }
        });
      });
  return out;
}

namespace {

// A rank-2 input [R, C] as [1, R, C] (PyG's unsqueeze(0)); rank 3 unchanged.
template <class T>
Var<T> as_batched(Var<T> v, const std::string& who) {
  if (v.shape().rank() == 3) return v;
  if (v.shape().rank() == 2) return reshape(v, Shape{1, v.shape()[0], v.shape()[1]});
  throw ShapeError(who + " must be rank 2 or 3, got " + v.shape().str());
}

}  // namespace

template <class T>
DenseCoarsening<T> dense_coarsen(const char* what, Var<T> x, Var<T> adj, Var<T> s,
                                 std::span<const std::uint8_t> mask, double temp) {
  const std::string name(what);
  x = as_batched(x, name + ": x");
  adj = as_batched(adj, name + ": adj");
  s = as_batched(s, name + ": s");
  const Index B = x.shape()[0], N = x.shape()[1];
  if (!(adj.shape() == Shape{B, N, N}) || s.shape()[0] != B || s.shape()[1] != N) {
    throw ShapeError(name + ": x is " + x.shape().str() + ", adj " + adj.shape().str() + ", s " +
                     s.shape().str() + "; expected [B, N, F], [B, N, N], [B, N, C]");
  }
  DenseCoarsening<T> out;
  // s = softmax(s / temp, -1) * mask; x = x * mask
  out.s = dense_assignment(s, mask, temp);
  if (!mask.empty()) x = mask_nodes(x, mask);
  // x' = s^T x;  A' = (s^T A) s
  out.x = batched_matmul(out.s, x, /*transpose_a=*/true);
  out.adj = batched_matmul(batched_matmul(out.s, adj, true), out.s);
  out.input_adj = adj;
  return out;
}

#define GRAPHPOOL_INSTANTIATE_DENSE_ASSIGNMENT(T)                                  \
  template Var<T> dense_assignment(Var<T>, std::span<const std::uint8_t>, double); \
  template DenseCoarsening<T> dense_coarsen(const char*, Var<T>, Var<T>, Var<T>,   \
                                            std::span<const std::uint8_t>, double);
GRAPHPOOL_INSTANTIATE_DENSE_ASSIGNMENT(float)
GRAPHPOOL_INSTANTIATE_DENSE_ASSIGNMENT(double)
#undef GRAPHPOOL_INSTANTIATE_DENSE_ASSIGNMENT

}  // namespace graphpool
