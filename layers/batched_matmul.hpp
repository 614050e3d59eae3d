#pragma once
/// Batched matrix products of rank-3 tensors (torch.matmul / torch.bmm on [B, M, K] x [B, K, N]),
/// with optional transposes of either operand, as used by the dense pooling layers
/// (DiffPool, MinCut): x' = s^T x is batched_matmul(s, x, /*transpose_a=*/true).
///   Var<float> out = batched_matmul(s, x, true);          // [B, N, C]^T [B, N, F] -> [B, C, F]
#include "core/tape.hpp"

namespace graphpool {

/// out[b] = op_a(a[b]) @ op_b(b[b]) where op transposes the last two axes when asked.
/// a and b are rank 3 with the same batch size; ShapeError names both shapes otherwise.
/// Backward (C = A' B'): dA' = dC B'^T, dB' = A'^T dC (transposed back for a transposed operand).
/// Batches run in parallel, each product in a fixed order: identical bits for any thread count.
template <class T>
Var<T> batched_matmul(Var<T> a, Var<T> b, bool transpose_a = false, bool transpose_b = false);

}  // namespace graphpool
