#include "layers/batched_matmul.hpp"

#include <string>

#include "core/errors.hpp"

namespace graphpool {

namespace {

template <class T>
using Mat = Eigen::Map<RowMatrix<T>>;
template <class T>
using ConstMat = Eigen::Map<const RowMatrix<T>>;

// Batch b of a rank-3 tensor as a [rows, cols] matrix view.
template <class T>
ConstMat<T> slice(const Tensor<T>& t, Index b) {
  const Index R = t.dim(1), C = t.dim(2);
  return ConstMat<T>(t.data() + b * R * C, R, C);
}
template <class T>
Mat<T> slice(Tensor<T>& t, Index b) {
  const Index R = t.dim(1), C = t.dim(2);
  return Mat<T>(t.data() + b * R * C, R, C);
}

}  // namespace

template <class T>
Var<T> batched_matmul(Var<T> a, Var<T> b, bool transpose_a, bool transpose_b) {
  if (a.tape == nullptr || a.tape != b.tape) {
    throw ValueError("batched_matmul: both operands must live on the same tape");
  }
  Tape<T>& tape = *a.tape;
  check_rank("batched_matmul: a", a.shape(), 3);
  check_rank("batched_matmul: b", b.shape(), 3);
  const Index B = a.shape()[0];
  const Index M = transpose_a ? a.shape()[2] : a.shape()[1];
  const Index K = transpose_a ? a.shape()[1] : a.shape()[2];
  const Index Kb = transpose_b ? b.shape()[2] : b.shape()[1];
  const Index N = transpose_b ? b.shape()[1] : b.shape()[2];
  if (b.shape()[0] != B || Kb != K) {
    throw ShapeError("batched_matmul: a is " + a.shape().str() +
                     (transpose_a ? " (transposed)" : "") + " and b is " + b.shape().str() +
                     (transpose_b ? " (transposed)" : "") +
                     "; expected equal batch sizes and inner sizes, got " + std::to_string(K) +
                     " vs " + std::to_string(Kb));
  }
  Var<T> out = tape.make(Shape{B, M, N}, {a, b});
  {
    const Tensor<T>& av = tape.value(a);
    const Tensor<T>& bv = tape.value(b);
    Tensor<T>& y = tape.mutable_value(out);
    // out[b] = op(a[b]) op(b[b])
    parallel_for(0, B, 1, [&](Index lo, Index hi) {
      for (Index i = lo; i < hi; ++i) {
        Mat<T> o = slice(y, i);
        if (K == 0) {
          o.setZero();
        } else if (transpose_a && transpose_b) {
          o.noalias() = slice(av, i).transpose() * slice(bv, i).transpose();
        } else if (transpose_a) {
          o.noalias() = slice(av, i).transpose() * slice(bv, i);
        } else if (transpose_b) {
          o.noalias() = slice(av, i) * slice(bv, i).transpose();
        } else {
          o.noalias() = slice(av, i) * slice(bv, i);
        }
      }
    });
  }
  // C = A' B':  dA' = dC B'^T,  dB' = A'^T dC;  A' = A^T gives dA = (dA')^T = B' dC^T
  tape.on_backward(out, [a, b, out, B, transpose_a, transpose_b](Tape<T>& t) {
    const Tensor<T>& av = t.value(a);
    const Tensor<T>& bv = t.value(b);
    const Tensor<T>& dy = t.grad(out);
    const bool need_a = t.requires_grad(a), need_b = t.requires_grad(b);
    Tensor<T>* da = need_a ? &t.grad(a) : nullptr;
    Tensor<T>* db = need_b ? &t.grad(b) : nullptr;
    parallel_for(0, B, 1, [&](Index lo, Index hi) {
      for (Index i = lo; i < hi; ++i) {
        const ConstMat<T> g = slice(dy, i);
        const ConstMat<T> A = slice(av, i), Bm = slice(bv, i);
        if (need_a) {
          Mat<T> dA = slice(*da, i);
          if (!transpose_a && !transpose_b) dA.noalias() += g * Bm.transpose();
          if (!transpose_a && transpose_b) dA.noalias() += g * Bm;
          if (transpose_a && !transpose_b) dA.noalias() += Bm * g.transpose();
          if (transpose_a && transpose_b) dA.noalias() += Bm.transpose() * g.transpose();
        }
        if (need_b) {
          Mat<T> dB = slice(*db, i);
          if (!transpose_a && !transpose_b) dB.noalias() += A.transpose() * g;
          if (transpose_a && !transpose_b) dB.noalias() += A * g;
          if (!transpose_a && transpose_b) dB.noalias() += g.transpose() * A;
          if (transpose_a && transpose_b) dB.noalias() += g.transpose() * A.transpose();
        }
      }
    });
  });
  return out;
}

template Var<float> batched_matmul(Var<float>, Var<float>, bool, bool);
template Var<double> batched_matmul(Var<double>, Var<double>, bool, bool);

}  // namespace graphpool
