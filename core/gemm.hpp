#pragma once
/// Dense matrix products on row-major views: the one place graphpool runs a GEMM on large
/// matrices. Each form splits its work into fixed blocks through core/parallel.hpp and runs one
/// product per block in Debian's serial BLIS (reentrant; Eigen for thin blocks), the blocks on
/// several threads at once: for A B and A B^T blocks of C's rows; for A^T B (a sum over rows)
/// tiles of C, each the whole sum, while the operands fit in cache, else partial products of row
/// blocks summed in block order. The blocks depend on the shape only, so results are bitwise
/// identical for any number of threads.
///   gemm_nn<float>(x.matrix(), w.matrix(), y.matrix());                     // y = x w
///   gemm_tn<float>(x.matrix(), g.matrix(), dw.matrix(), GemmWrite::kAdd);  // dw += x^T g
#include <span>

#include "core/tensor.hpp"

namespace graphpool {

/// Read-only and writable views of row-major matrices with unit column stride and any row stride
/// (a Tensor's matrix(), a block of rows or columns of one). An expression that is not such a
/// view (a transpose, a product) is first copied into a temporary by Eigen: pass views.
template <class T>
using ConstMatrixRef = Eigen::Ref<const RowMatrix<T>>;
template <class T>
using MatrixRef = Eigen::Ref<RowMatrix<T>>;

/// How a GEMM writes its output C: overwrite it, or add the product into it.
enum class GemmWrite { kAssign, kAdd };
/// How a backward pass writes into an adjoint from Tape::grad_for_write: assign a fresh one
/// (nothing added yet in this pass), add into one that already holds a contribution.
inline GemmWrite write_mode(bool fresh) {
  return fresh ? GemmWrite::kAssign : GemmWrite::kAdd;
}

/// C (+)= A B: A [M, K], B [K, N], C [M, N]. C must not alias A or B.
template <class T>
void gemm_nn(const ConstMatrixRef<T>& a, const ConstMatrixRef<T>& b, MatrixRef<T> c,
             GemmWrite write = GemmWrite::kAssign);
/// C = A B + bias on every row (a dense layer): A [M, K], B [K, N], bias [N], C [M, N]. Each row
/// block of C gets the bias rows and then the product added while it is in cache.
template <class T>
void gemm_nn_bias(const ConstMatrixRef<T>& a, const ConstMatrixRef<T>& b, std::span<const T> bias,
                  MatrixRef<T> c);
/// C (+)= A B^T: A [M, K], B [N, K], C [M, N]. C must not alias A or B.
template <class T>
void gemm_nt(const ConstMatrixRef<T>& a, const ConstMatrixRef<T>& b, MatrixRef<T> c,
             GemmWrite write = GemmWrite::kAssign);
/// C (+)= A^T B: A [M, K], B [M, N], C [K, N] (the sum over the M rows). C must not alias A or B.
/// A thin product (K or N below 16, e.g. X^T g for a [128, 1] weight) is summed per fixed chunk of
/// 256 rows, as axpys along the rows, and the chunks' partials are added in chunk order.
template <class T>
void gemm_tn(const ConstMatrixRef<T>& a, const ConstMatrixRef<T>& b, MatrixRef<T> c,
             GemmWrite write = GemmWrite::kAssign);

/// c (+)= the column sums of A (A^T 1, the gradient of a bias added to every row): A [M, N],
/// c [N]. Partial sums of fixed blocks of 256 rows, added in block order.
///   column_sums<float>(dy.matrix(), dbias.values(), GemmWrite::kAdd);   // db += sum_i dy[i, :]
template <class T>
void column_sums(const ConstMatrixRef<T>& a, std::span<T> c, GemmWrite write = GemmWrite::kAssign);

/// Rows of A per parallel block of gemm_nn / gemm_nt for a product of m rows, inner size k and n
/// output columns (a function of the shape only; exposed for tests of the block boundaries).
Index gemm_row_block(Index m, Index k, Index n);
/// Rows of A and B per partial product of gemm_tn (A [m, k], B [m, n]); the partials are summed
/// in block order. At least m (no partials) while A and B fit in cache; then C is computed in
/// tiles (gemm_tn_tiles), each the whole sum in one call. A function of the shape only.
Index gemm_tn_row_block(Index m, Index k, Index n);
/// The tiles of C [k, n] that gemm_tn computes in parallel without partial products: rows x cols
/// each (the last ones of a row or column smaller).
struct GemmTiles {
  Index rows;
  Index cols;
  Index count_down(Index k) const { return (k + rows - 1) / rows; }
  Index count_across(Index n) const { return (n + cols - 1) / cols; }
};
GemmTiles gemm_tn_tiles(Index k, Index n);

}  // namespace graphpool
