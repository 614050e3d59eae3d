#pragma once
/// Segment reductions over `node_ptr`: the kernels behind the readouts (layers/readout.hpp), as
/// free functions on views of the caller's memory (no copies, no allocation, no tape).
///   segment_max<float>(std::as_const(x).matrix(), batch.node_ptr(), out.matrix(), arg);
/// (inputs are ConstMatrixMap: a const Tensor's matrix(), or ConstMatrixMap<T>(ptr, rows, cols)).
///
/// Rows node_ptr[g] .. node_ptr[g + 1] of x [N, F] belong to graph g; out is [G, F] with
/// G = node_ptr.size() - 1. Forward kernels overwrite `out` (and `arg`); backward kernels ADD into
/// `grad_x` (tape adjoints accumulate). Inputs and outputs must not overlap. Work is split into
/// fixed tiles of (graphs, feature block); each output element is computed by one tile in node
/// order, so results are bitwise identical for any number of threads.
/// Empty graph: 0 and arg -1. Ties: the first (lowest) node index wins. NaN: propagates; for max
/// and min a NaN counts as the extreme value and its (first) node index is the arg.
#include <span>

#include "core/tensor.hpp"

namespace graphpool {

/// out[g] = sum_{i in g} x[i]; out [G, F] is overwritten.
///   segment_sum<float>(std::as_const(x).matrix(), node_ptr, out.matrix());
template <class T>
void segment_sum(ConstMatrixMap<T> x, std::span<const Index> node_ptr, MatrixMap<T> out);

/// out[g] = sum_{i in g} x[i] / |g| (0 for an empty graph).
template <class T>
void segment_mean(ConstMatrixMap<T> x, std::span<const Index> node_ptr, MatrixMap<T> out);

/// out[g, f] = max_{i in g} x[i, f]; arg[g * F + f] = the first node i reaching it (a NaN counts as
/// the maximum), -1 for an empty graph. arg has G * F entries, row-major like out.
template <class T>
void segment_max(ConstMatrixMap<T> x, std::span<const Index> node_ptr, MatrixMap<T> out,
                 std::span<Index> arg);

/// out[g, f] = min_{i in g} x[i, f]; arg as for segment_max (a NaN counts as the minimum).
template <class T>
void segment_min(ConstMatrixMap<T> x, std::span<const Index> node_ptr, MatrixMap<T> out,
                 std::span<Index> arg);

/// Sum backward: grad_x[i] += grad_out[g] for every node i of graph g (broadcast).
template <class T>
void segment_sum_backward(ConstMatrixMap<T> grad_out, std::span<const Index> node_ptr,
                          MatrixMap<T> grad_x);

/// Mean backward: grad_x[i] += grad_out[g] / |g| for every node i of graph g.
template <class T>
void segment_mean_backward(ConstMatrixMap<T> grad_out, std::span<const Index> node_ptr,
                           MatrixMap<T> grad_x);

/// Max/min backward: grad_x[arg[g, f], f] += grad_out[g, f] where arg[g, f] >= 0 (the arg index
/// stored by segment_max / segment_min; -1 entries are skipped).
template <class T>
void segment_arg_backward(ConstMatrixMap<T> grad_out, std::span<const Index> arg,
                          MatrixMap<T> grad_x);

/// Throws unless node_ptr is a valid segmentation of `rows` rows: size >= 1, node_ptr[0] == 0,
/// non-decreasing, node_ptr.back() == rows. `what` names the caller in the message.
void check_node_ptr(const char* what, std::span<const Index> node_ptr, Index rows);

}  // namespace graphpool
