#include "layers/dense_assignment.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/errors.hpp"

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

template Var<float> dense_assignment(Var<float>, std::span<const std::uint8_t>, double);
template Var<double> dense_assignment(Var<double>, std::span<const std::uint8_t>, double);

}  // namespace graphpool
