#include "core/gemm.hpp"

#include <cblas.h>

#include <algorithm>
#include <climits>
#include <string>
#include <vector>

#include "core/errors.hpp"

namespace graphpool {

namespace {

// Multiply-adds per parallel block: large enough that a call's fixed costs (and any packing of
// the operand shared by all blocks) are a small part of a block's work, small enough to give both
// cores ~10 blocks each on a 5,000-node batch with 128 features.
constexpr Index kBlockMacs = Index{1} << 22;
// Row blocks between these bounds (multiples of 16: whole SIMD panels for the GEMM kernels).
constexpr Index kMinRows = 16;
constexpr Index kMaxRows = 1024;
// Blocks per product at the least, rows permitting: enough to keep two cores evenly busy.
constexpr Index kMinBlocks = 8;
// gemm_tn: rows of A and B per partial product (at least twice the work of a gemm_nn block:
// each partial costs a [K, N] buffer and its sum), and at most this many partials.
constexpr Index kMaxPartials = 16;
// gemm_tn sums over all rows in one call per tile of C while A and B together have at most this
// many elements (4 MiB of float: they stay in L2/L3 while each tile re-reads its columns of them).
constexpr Index kMaxTiledOperandElements = Index{1} << 20;
// Rows of C per chunk of the sum of gemm_tn's partial products.
constexpr Index kSumRows = 32;
// Rows of A per partial sum of column_sums, and of gemm_tn's thin products.
constexpr Index kColumnSumRows = 256;
// gemm_nt copies B^T first when B has at most this many entries and C at least this many rows.
constexpr Index kMaxTransposedB = Index{1} << 16;
constexpr Index kMinRowsToTransposeB = 256;

std::string dims(Index r, Index c) {
  return "[" + std::to_string(r) + ", " + std::to_string(c) + "]";
}

// C = op(A) op(B) + beta C, row-major, through BLIS on the calling thread. Debian's serial BLIS
// is reentrant: blocks run on several threads at once. Debian's OpenBLAS 0.3.21 is not, and was
// tried first: concurrent calls of its serial build (no USE_LOCKING) returned wrong bits (1,118 of
// 16,000 512x128x128 sgemm calls), and of its pthread build rarely (5 of 30 runs of
// Gemm.RepeatedTwoThreadRunsAllEqualTheOneThreadResult, the test that guards this).
void cblas_product(bool ta, bool tb, Index m, Index n, Index k, const float* a, Index lda,
                   const float* b, Index ldb, float beta, float* c, Index ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f, a,
              static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}
void cblas_product(bool ta, bool tb, Index m, Index n, Index k, const double* a, Index lda,
                   const double* b, Index ldb, double beta, double* c, Index ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0, a,
              static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}

// Products with a thin side (n or k below this: a matrix-vector product or an outer product, as
// SAGPool's [128, 1] scorer) run in Eigen, which has kernels for them, and so do sizes beyond
// the CBLAS int (no real model has them, but they must not wrap around).
constexpr Index kMinBlasDim = 16;

// C = op(A) op(B) + beta C (beta 0 or 1) for one block (the blocks run on several threads at
// once): BLIS, or Eigen for thin or huge blocks.
template <class T>
void block_product(bool ta, bool tb, Index m, Index n, Index k, const T* a, Index lda, const T* b,
                   Index ldb, T beta, T* c, Index ldc) {
  const bool fits_int = std::max({m, n, k, lda, ldb, ldc}) <= Index{INT_MAX};
  if (n >= kMinBlasDim && k >= kMinBlasDim && fits_int) {
    cblas_product(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  using Stride = Eigen::OuterStride<>;
  const Eigen::Map<const RowMatrix<T>, 0, Stride> A(a, ta ? k : m, ta ? m : k, Stride(lda));
  const Eigen::Map<const RowMatrix<T>, 0, Stride> B(b, tb ? n : k, tb ? k : n, Stride(ldb));
  Eigen::Map<RowMatrix<T>, 0, Stride> C(c, m, n, Stride(ldc));
  auto run = [&](const auto& opa, const auto& opb) {
    if (beta == T(0)) {
      C.noalias() = opa * opb;
    } else {
      C.noalias() += opa * opb;
    }
  };
  if (ta) {
    tb ? run(A.transpose(), B.transpose()) : run(A.transpose(), B);
  } else {
    tb ? run(A, B.transpose()) : run(A, B);
  }
}

// gemm_tn's partial products and gemm_nt's B^T live in a per-thread buffer kept between calls: a
// fresh one of this size (hundreds of KB) would be mapped and page-faulted anew on every call. A
// nested call on the same thread (a TBB thread waiting in parallel_for may run another task) gets
// its own buffer.
template <class T>
class ScratchLease {
 public:
  explicit ScratchLease(std::size_t n) {
    Slot& slot = this_thread();
    if (!slot.busy) {
      slot.busy = true;
      held_ = &slot;
      if (slot.data.size() < n) slot.data.resize(n);
      data_ = slot.data.data();
    } else {
      own_.resize(n);
      data_ = own_.data();
    }
  }
  ~ScratchLease() {
    if (held_) held_->busy = false;
  }
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;
  T* data() { return data_; }

 private:
  struct Slot {
    std::vector<T, AlignedAllocator<T>> data;
    bool busy = false;
  };
  static Slot& this_thread() {
    thread_local Slot slot;
    return slot;
  }
  Slot* held_ = nullptr;
  std::vector<T, AlignedAllocator<T>> own_;
  T* data_ = nullptr;
};

// Throws ShapeError unless the operands fit.
template <class T>
void check(const char* what, const char* expected, bool fits, const ConstMatrixRef<T>& a,
           const ConstMatrixRef<T>& b, const MatrixRef<T>& c) {
  if (!fits) {
    throw ShapeError(std::string(what) + ": expected " + expected + " but got A " +
                     dims(a.rows(), a.cols()) + ", B " + dims(b.rows(), b.cols()) + " and C " +
                     dims(c.rows(), c.cols()));
  }
}

// C[i] = (bias | beta C[i]) + sum_k A[i, k] B[k] for K < kMinBlasDim, rows in parallel chunks.
template <class T>
void thin_inner_product(const T* a, Index lda, const T* b, Index ldb, T* c, Index ldc, Index M,
                        Index N, Index K, T beta, std::span<const T> bias) {
  parallel_for(
      0, M, rows_per_chunk(N, kMinRows),
      [&](Index lo, Index hi) {
        for (Index i = lo; i < hi; ++i) {
          T* ci = c + i * ldc;
          const T* ai = a + i * lda;
          if (!bias.empty()) {
            std::copy_n(bias.data(), N, ci);
          } else if (beta == T(0)) {
            std::fill_n(ci, N, T(0));
          }
          for (Index k = 0; k < K; ++k) {
            const T aik = ai[k];
            const T* bk = b + k * ldb;
            for (Index j = 0; j < N; ++j) ci[j] += aik * bk[j];
          }
        }
      },
      /*item_cost=*/N * (K + 1));
}

// gemm_tn with a thin side (min(K, N) < kMinBlasDim: SAGPool's scorer gradient X^T g, a first
// layer's (A x)^T dout): C (+)= sum_r A[r, :]^T B[r, :] as axpys along the contiguous rows, as
// column_sums does it: each fixed chunk of kColumnSumRows rows sums into its own partial, kept
// [short side, long side] so that the axpy runs over the long side; the partials are added in
// chunk order.
template <class T>
void thin_row_products(const ConstMatrixRef<T>& a, const ConstMatrixRef<T>& b, MatrixRef<T> c,
                       GemmWrite write) {
  const bool k_short = a.cols() <= b.cols();
  const ConstMatrixRef<T>& short_side = k_short ? a : b;
  const ConstMatrixRef<T>& long_side = k_short ? b : a;
  const Index S = short_side.cols(), L = long_side.cols();
  const RowMatrix<T> sums = parallel_reduce(
      Index{0}, a.rows(), kColumnSumRows, RowMatrix<T>(RowMatrix<T>::Zero(S, L)),
      [&](Index lo, Index hi) {
        RowMatrix<T> part = RowMatrix<T>::Zero(S, L);
        for (Index r = lo; r < hi; ++r) {
          const T* long_row = long_side.row(r).data();
          // part[s, :] += short[r, s] long[r, :]
          for (Index s = 0; s < S; ++s) {
            const T weight = short_side(r, s);
            T* ps = part.row(s).data();
            for (Index l = 0; l < L; ++l) ps[l] += weight * long_row[l];
          }
        }
        return part;
      },
      [](RowMatrix<T> acc, const RowMatrix<T>& part) {
        acc += part;
        return acc;
      },
      /*item_cost=*/S * L);
  // C (+)= the sum: sums itself when K is the short side, else its transpose
  if (write == GemmWrite::kAssign) c.setZero();
  if (k_short) {
    c += sums;
  } else {
    c += sums.transpose();
  }
}

// Shared by gemm_nn, gemm_nn_bias and gemm_nt: C rows in fixed blocks; block [lo, hi) is
// C[lo:hi] (+)= A[lo:hi] op(B) in one call of block_product. With a bias, C = bias + A op(B)
// (`write` is then kAssign): each block gets the bias rows first, while it is in cache.
template <class T>
void gemm_rows(bool tb, const ConstMatrixRef<T>& a, const ConstMatrixRef<T>& b, MatrixRef<T> c,
               GemmWrite write, std::span<const T> bias = {}) {
  const Index M = c.rows(), N = c.cols(), K = a.cols();
  if (M == 0 || N == 0) return;
  const bool has_bias = !bias.empty();
  const Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>> bias_row(bias.data(),
                                                                       has_bias ? N : 0);
  if (K == 0) {
    if (has_bias) {
      c.rowwise() = bias_row;
    } else if (write == GemmWrite::kAssign) {
      c.setZero();
    }
    return;
  }
  const T beta = write == GemmWrite::kAssign && !has_bias ? T(0) : T(1);
  const T* ap = a.data();
  const T* bp = b.data();
  T* cp = c.data();
  const Index lda = a.outerStride(), ldb = b.outerStride(), ldc = c.outerStride();
  if (!tb && K < kMinBlasDim) {
    // A thin inner dimension (a first layer on a few one-hot columns): one pass over C, where
    // the general kernels would first write the bias (or zeros) and then read C back.
    thin_inner_product(ap, lda, bp, ldb, cp, ldc, M, N, K, beta, bias);
    return;
  }
  parallel_for(
      0, M, gemm_row_block(M, K, N),
      [&](Index lo, Index hi) {
        if (has_bias) c.middleRows(lo, hi - lo).rowwise() = bias_row;
        block_product(false, tb, hi - lo, N, K, ap + lo * lda, lda, bp, ldb, beta, cp + lo * ldc,
                      ldc);
      },
      /*item_cost=*/K * N + N);
}

}  // namespace

GemmTiles gemm_tn_tiles(Index k, Index n) {
  // up to 4 x 2 tiles of whole SIMD panels (16), fewer for small k or n
  auto side = [](Index extent, Index parts) {
    const Index per = (extent + parts - 1) / parts;
    return std::min(extent, std::max(kMinRows, (per + kMinRows - 1) / kMinRows * kMinRows));
  };
  return GemmTiles{side(k, 4), side(n, 2)};
}

Index gemm_row_block(Index m, Index k, Index n) {
  const Index macs_per_row = std::max<Index>(1, k * n);
  // kBlockMacs of work, but at least kMinBlocks blocks where the rows allow (a [128, 256] x
  // [256, 128] head layer is one block of kBlockMacs: it would run on one thread)
  const Index rows =
      std::min((kBlockMacs + macs_per_row - 1) / macs_per_row, (m + kMinBlocks - 1) / kMinBlocks);
  return std::clamp((rows + kMinRows - 1) / kMinRows * kMinRows, kMinRows, kMaxRows);
}

Index gemm_tn_row_block(Index m, Index k, Index n) {
  // operands that stay in cache: the whole sum in one pass per tile of C (gemm_tn_tiles)
  if (m * (k + n) <= kMaxTiledOperandElements) return std::max<Index>(m, 1);
  const Index macs_per_row = std::max<Index>(1, k * n);
  const Index rows = std::max((2 * kBlockMacs + macs_per_row - 1) / macs_per_row,
                              (m + kMaxPartials - 1) / kMaxPartials);
  return (rows + kMinRows - 1) / kMinRows * kMinRows;
}

template <class T>
void gemm_nn(const ConstMatrixRef<T>& a, const ConstMatrixRef<T>& b, MatrixRef<T> c,
             GemmWrite write) {
  check<T>("gemm_nn", "A [M, K], B [K, N] and C [M, N]",
           a.cols() == b.rows() && c.rows() == a.rows() && c.cols() == b.cols(), a, b, c);
  // C[i, j] (+)= sum_k A[i, k] B[k, j]
  gemm_rows<T>(false, a, b, c, write);
}

template <class T>
void gemm_nn_bias(const ConstMatrixRef<T>& a, const ConstMatrixRef<T>& b, std::span<const T> bias,
                  MatrixRef<T> c) {
  check<T>("gemm_nn_bias", "A [M, K], B [K, N] and C [M, N]",
           a.cols() == b.rows() && c.rows() == a.rows() && c.cols() == b.cols(), a, b, c);
  if (static_cast<Index>(bias.size()) != c.cols()) {
    throw ShapeError("gemm_nn_bias: expected a bias of " + std::to_string(c.cols()) +
                     " elements (C's columns) but got " + std::to_string(bias.size()));
  }
  // C[i, j] = bias[j] + sum_k A[i, k] B[k, j]
  gemm_rows<T>(false, a, b, c, GemmWrite::kAssign, bias);
}

template <class T>
void gemm_nt(const ConstMatrixRef<T>& a, const ConstMatrixRef<T>& b, MatrixRef<T> c,
             GemmWrite write) {
  check<T>("gemm_nt", "A [M, K], B [N, K] and C [M, N]",
           a.cols() == b.cols() && c.rows() == a.rows() && c.cols() == b.rows(), a, b, c);
  // C[i, j] (+)= sum_k A[i, k] B[j, k]
  const Index N = b.rows(), K = b.cols();
  if (N * K > kMaxTransposedB || c.rows() < kMinRowsToTransposeB) {
    gemm_rows<T>(true, a, b, c, write);
    return;
  }
  // A B^T as A (B^T) with B^T copied once: BLIS runs the untransposed form 10-20 % faster here
  // (C [5106, 128], K 128, one core: 2.67 against 2.85-2.91 ms), and B is small (a weight)
  ScratchLease<T> lease(static_cast<std::size_t>(K * N));
  Eigen::Map<RowMatrix<T>> bt(lease.data(), K, N);
  bt = b.transpose();
  gemm_rows<T>(false, a, bt, c, write);
}

template <class T>
void gemm_tn(const ConstMatrixRef<T>& a, const ConstMatrixRef<T>& b, MatrixRef<T> c,
             GemmWrite write) {
  check<T>("gemm_tn", "A [M, K], B [M, N] and C [K, N]",
           a.rows() == b.rows() && c.rows() == a.cols() && c.cols() == b.cols(), a, b, c);
  const Index M = a.rows(), K = c.rows(), N = c.cols();
  if (K == 0 || N == 0) return;
  if (M == 0) {
    if (write == GemmWrite::kAssign) c.setZero();
    return;
  }
  const T* ap = a.data();
  const T* bp = b.data();
  T* cp = c.data();
  const Index lda = a.outerStride(), ldb = b.outerStride(), ldc = c.outerStride();
  const T beta = write == GemmWrite::kAssign ? T(0) : T(1);
  if (std::min(K, N) < kMinBlasDim) {
    thin_row_products<T>(a, b, c, write);
    return;
  }
  const Index rows = gemm_tn_row_block(M, K, N);
  if (rows >= M) {
    // Tiles of C, each the whole sum over M in one call: C[tile] (+)= A[:, tile rows]^T B[:, tile
    // cols]. A is read once per column of tiles and B once per row of tiles, which is why this is
    // the form for operands small enough to stay in cache.
    const GemmTiles tiles = gemm_tn_tiles(K, N);
    const Index across = tiles.count_across(N);
    parallel_for(
        0, tiles.count_down(K) * across, 1,
        [&](Index lo, Index hi) {
          for (Index t = lo; t < hi; ++t) {
            const Index i0 = (t / across) * tiles.rows, j0 = (t % across) * tiles.cols;
            const Index kk = std::min(tiles.rows, K - i0), nn = std::min(tiles.cols, N - j0);
            block_product(true, false, kk, nn, M, ap + i0, lda, bp + j0, ldb, beta,
                          cp + i0 * ldc + j0, ldc);
          }
        },
        /*item_cost=*/tiles.rows * tiles.cols * M);
    return;
  }
  // P_p = A[rows of block p]^T B[rows of block p] in parallel, then C (+)= P_0 + P_1 + ... in
  // block order: the same sums in the same order for any thread count.
  const Index blocks = (M + rows - 1) / rows;
  ScratchLease<T> lease(static_cast<std::size_t>(blocks * K * N));
  T* partial = lease.data();
  parallel_for(0, blocks, 1, [&](Index lo, Index hi) {
    for (Index p = lo; p < hi; ++p) {
      const Index r0 = p * rows, rr = std::min(rows, M - r0);
      block_product(true, false, K, N, rr, ap + r0 * lda, lda, bp + r0 * ldb, ldb, T(0),
                    partial + p * K * N, N);
    }
  });
  parallel_for(0, K, kSumRows, [&](Index lo, Index hi) {
    for (Index i = lo; i < hi; ++i) {
      T* ci = cp + i * ldc;
      // C[i, :] (+)= P_0[i, :] + P_1[i, :] + ... + P_{blocks-1}[i, :], added in this order
      const T* p0 = partial + i * N;
      if (write == GemmWrite::kAssign) {
        for (Index j = 0; j < N; ++j) ci[j] = p0[j];
      } else {
        for (Index j = 0; j < N; ++j) ci[j] += p0[j];
      }
      for (Index p = 1; p < blocks; ++p) {
        const T* pi = partial + (p * K + i) * N;
        for (Index j = 0; j < N; ++j) ci[j] += pi[j];
      }
    }
  });
}

template <class T>
void column_sums(const ConstMatrixRef<T>& a, std::span<T> c, GemmWrite write) {
  const Index N = a.cols();
  if (static_cast<Index>(c.size()) != N)
    throw ShapeError("column_sums: c has " + std::to_string(c.size()) + " entries, A has " +
                     std::to_string(N) + " columns");
  using Row = Eigen::Matrix<T, 1, Eigen::Dynamic>;
  // c[j] = sum_i A[i, j]: column sums of each row block, the blocks added in order
  const Row sums = parallel_reduce(
      Index{0}, a.rows(), kColumnSumRows, Row(Row::Zero(N)),
      [&](Index lo, Index hi) -> Row { return a.middleRows(lo, hi - lo).colwise().sum(); },
      [](Row acc, const Row& part) {
        acc += part;
        return acc;
      });
  Eigen::Map<Row> out(c.data(), N);
  if (write == GemmWrite::kAssign) {
    out = sums;
  } else {
    out += sums;
  }
}

#define GRAPHPOOL_INSTANTIATE_GEMM(T)                                                        \
  template void gemm_nn<T>(const ConstMatrixRef<T>&, const ConstMatrixRef<T>&, MatrixRef<T>, \
                           GemmWrite);                                                       \
  template void gemm_nn_bias<T>(const ConstMatrixRef<T>&, const ConstMatrixRef<T>&,          \
                                std::span<const T>, MatrixRef<T>);                           \
  template void gemm_nt<T>(const ConstMatrixRef<T>&, const ConstMatrixRef<T>&, MatrixRef<T>, \
                           GemmWrite);                                                       \
  template void gemm_tn<T>(const ConstMatrixRef<T>&, const ConstMatrixRef<T>&, MatrixRef<T>, \
                           GemmWrite);                                                       \
  template void column_sums<T>(const ConstMatrixRef<T>&, std::span<T>, GemmWrite);

GRAPHPOOL_INSTANTIATE_GEMM(float)
GRAPHPOOL_INSTANTIATE_GEMM(double)

}  // namespace graphpool
