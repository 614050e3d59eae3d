#pragma once
/// The dot product of graphpool's row kernels (top-k scores, SAGPool's gate gradient): 8
/// independent partial sums, so it vectorises without -ffast-math, and the order of the additions
/// depends only on n, never on the addresses or the thread count.
///   const float s = dot8(x_row, p, F);
#include <cstring>

#include "core/parallel.hpp"  // Index

namespace graphpool {

/// sum_c x[c] y[c], c < n: lane l of 8 sums x[c] y[c] for c = l mod 8 over whole blocks of 8,
/// then ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)) + the tail summed in order.
/// The 8 lanes are one SIMD vector (GCC/Clang vector extension): left to itself, GCC 12
/// vectorised the loop over blocks instead, with a permute per load.
template <class T>
T dot8(const T* __restrict x, const T* __restrict y, Index n) {
  using Lanes [[gnu::vector_size(8 * sizeof(T))]] = T;
  Lanes acc = {};
  Index c = 0;
  for (; c + 8 <= n; c += 8) {
    Lanes a, b;
    std::memcpy(&a, x + c, sizeof a);
    std::memcpy(&b, y + c, sizeof b);
    acc += a * b;
  }
  T tail = T(0);
  for (; c < n; ++c) tail += x[c] * y[c];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail;
}

}  // namespace graphpool
