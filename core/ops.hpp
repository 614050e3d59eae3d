#pragma once
/// Differentiable tensor ops on the tape: elementwise arithmetic, activations, matmul, reductions,
/// concatenation and row gather/scatter. Each records its backward; partials sit beside the code.
///   Var<float> h = relu(add_bias(matmul(x, w), b));
#include <span>

#include "core/tape.hpp"

namespace graphpool {

/// a + b (same shape).
template <class T> Var<T> add(Var<T> a, Var<T> b);
/// a - b (same shape).
template <class T> Var<T> sub(Var<T> a, Var<T> b);
/// a * b elementwise (same shape).
template <class T> Var<T> mul(Var<T> a, Var<T> b);
/// s * a for a constant scalar s.
template <class T> Var<T> scale(Var<T> a, T s);
/// x [R, C] + b [C] broadcast over rows.
template <class T> Var<T> add_bias(Var<T> x, Var<T> bias);
/// x [R, C] * s [R] (or [R, 1]): row r scaled by s[r].
template <class T> Var<T> scale_rows(Var<T> x, Var<T> s);
/// a [M, K] @ b [K, N] -> [M, N].
template <class T> Var<T> matmul(Var<T> a, Var<T> b);

template <class T> Var<T> relu(Var<T> x);
/// In-place relu (torch.relu_): x's value becomes relu(x) and the returned Var IS x; backward
/// masks x's adjoint in place. Saves a tensor and a pass each way, but only valid when nothing
/// else reads x (value or adjoint), before or after: e.g. the output of a layer fed only to relu.
///   Var<float> h = relu_(conv.forward(x, norm));
template <class T>
Var<T> relu_(Var<T> x);
template <class T> Var<T> tanh(Var<T> x);
template <class T> Var<T> sigmoid(Var<T> x);
template <class T> Var<T> exp(Var<T> x);
/// log(x); x must be positive where it matters (no check).
template <class T> Var<T> log(Var<T> x);

/// Sum of all elements -> scalar [].
template <class T> Var<T> sum(Var<T> x);
/// Mean of all elements -> scalar [] (0 for an empty tensor).
template <class T> Var<T> mean(Var<T> x);

/// Concatenation of [R, C_i] along columns -> [R, sum C_i].
template <class T> Var<T> concat_cols(std::span<const Var<T>> parts);
template <class T> Var<T> concat_cols(std::initializer_list<Var<T>> parts) {
  return concat_cols<T>(std::span<const Var<T>>(parts.begin(), parts.size()));
}
/// x[rows] -> [rows.size(), C]; IndexError names the position of an out-of-range row.
template <class T> Var<T> gather_rows(Var<T> x, std::span<const Index> rows);
/// out [total_rows, C] zero except out[rows[i]] = x[i] (rows distinct).
template <class T> Var<T> scatter_rows(Var<T> x, std::span<const Index> rows, Index total_rows);
/// Same values, new shape of equal numel.
template <class T> Var<T> reshape(Var<T> x, const Shape& shape);

}  // namespace graphpool
