#include "layers/dense_batch.hpp"

#include <algorithm>
#include <string>

#include "core/errors.hpp"

namespace graphpool {

namespace {

std::string str(Index v) {
  return std::to_string(v);
}

// N_max: the option, or the largest graph (0 for no graphs).
Index max_nodes_of(std::span<const Index> node_ptr, const DenseBatchOptions& options,
                   const char* who) {
  if (options.max_num_nodes_) {
    if (*options.max_num_nodes_ < 0) {
      throw ValueError(std::string(who) + ": max_num_nodes must be >= 0, got " +
                       str(*options.max_num_nodes_));
    }
    return *options.max_num_nodes_;
  }
  Index n = 0;
  for (std::size_t g = 0; g + 1 < node_ptr.size(); ++g) {
    n = std::max(n, node_ptr[g + 1] - node_ptr[g]);
  }
  return n;
}

void check_node_ptr(std::span<const Index> node_ptr, const char* who) {
  if (node_ptr.empty() || node_ptr[0] != 0) {
    throw ValueError(std::string(who) + ": node_ptr must start at 0");
  }
  for (std::size_t g = 0; g + 1 < node_ptr.size(); ++g) {
    if (node_ptr[g + 1] < node_ptr[g]) {
      throw ValueError(std::string(who) + ": node_ptr must be non-decreasing, got node_ptr[" +
                       str(static_cast<Index>(g + 1)) + "] = " + str(node_ptr[g + 1]) + " < " +
                       str(node_ptr[g]));
    }
  }
}

}  // namespace

template <class T>
DenseBatch<T> to_dense_batch(Var<T> x, std::span<const Index> node_ptr,
                             const DenseBatchOptions& options) {
  Tape<T>& tape = *x.tape;
  check_rank("to_dense_batch: x", x.shape(), 2);
  check_node_ptr(node_ptr, "to_dense_batch");
  const Index N = x.shape()[0], F = x.shape()[1];
  if (node_ptr.back() != N) {
    throw ShapeError("to_dense_batch: x is " + x.shape().str() + " but node_ptr ends at " +
                     str(node_ptr.back()));
  }
  const Index B = static_cast<Index>(node_ptr.size()) - 1;
  const Index M = max_nodes_of(node_ptr, options, "to_dense_batch");
  DenseBatch<T> d;
  d.batch_size = B;
  d.max_nodes = M;
  d.mask.assign(static_cast<std::size_t>(B * M), 0);
  // rows[g * M + i] = node_ptr[g] + i for a real node, -1 for padding
  std::vector<Index> rows(static_cast<std::size_t>(B * M), -1);
  for (Index g = 0; g < B; ++g) {
    const Index n = std::min(M, node_ptr[g + 1] - node_ptr[g]);
    for (Index i = 0; i < n; ++i) {
      rows[g * M + i] = node_ptr[g] + i;
      d.mask[static_cast<std::size_t>(g * M + i)] = 1;
    }
  }
  d.x = tape.make(Shape{B, M, F}, {x});
  {
    const T* xv = tape.value(x).data();
    T* y = tape.mutable_value(d.x).data();
    const T fill = static_cast<T>(options.fill_value_);
    // out[g, i] = x[node_ptr[g] + i] or fill
    parallel_for(0, B * M, 256, [&](Index lo, Index hi) {
      for (Index r = lo; r < hi; ++r) {
        if (rows[r] < 0) {
          std::fill_n(y + r * F, F, fill);
        } else {
          std::copy_n(xv + rows[r] * F, F, y + r * F);
        }
      }
    });
  }
  // dx[rows[r]] += dout[r]  (each node appears at most once, so rows write disjoint memory)
  tape.on_backward(d.x, [x, out = d.x, rows = std::move(rows), F](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    T* dx = t.grad(x).data();
    const T* dy = t.grad(out).data();
    parallel_for(0, static_cast<Index>(rows.size()), 256, [&](Index lo, Index hi) {
      for (Index r = lo; r < hi; ++r) {
        if (rows[r] < 0) continue;
        for (Index c = 0; c < F; ++c) dx[rows[r] * F + c] += dy[r * F + c];
      }
    });
  });
  return d;
}

template <class T>
DenseBatch<T> to_dense_batch(Var<T> x, const GraphBatch& batch, const DenseBatchOptions& options) {
  return to_dense_batch(x, batch.node_ptr(), options);
}

template <class T>
Tensor<T> to_dense_adj(const GraphBatch& batch, const DenseBatchOptions& options) {
  const std::span<const Index> node_ptr = batch.node_ptr();
  const Index B = batch.num_graphs();
  const Index M = max_nodes_of(node_ptr, options, "to_dense_adj");
  Tensor<T> adj(Shape{B, M, M});
  const Graph& g = batch.graph();
  const std::span<const Index> graph_of = batch.node_graph();
  // adj[b, s, t] += w_e for every edge s -> t of graph b, summed in CSR order
  for (Index t = 0; t < g.num_nodes(); ++t) {
    const Index b = graph_of[t];
    const Index lt = t - node_ptr[b];
    if (lt >= M) continue;
    for (Index e = g.edge_ptr()[t]; e < g.edge_ptr()[t + 1]; ++e) {
      const Index ls = g.sources()[e] - node_ptr[b];
      if (ls >= M) continue;
      adj[(b * M + ls) * M + lt] += static_cast<T>(g.weight(e));
    }
  }
  return adj;
}

template <class T>
Var<T> mask_nodes(Var<T> x, std::span<const std::uint8_t> mask) {
  Tape<T>& tape = *x.tape;
  if (x.shape().rank() != 2 && x.shape().rank() != 3) {
    throw ShapeError("mask_nodes: x must be [B, N, F] or [N, F], got " + x.shape().str());
  }
  const Index F = x.shape()[x.shape().rank() - 1];
  const Index R = x.shape().rank() == 3 ? x.shape()[0] * x.shape()[1] : x.shape()[0];
  if (static_cast<Index>(mask.size()) != R) {
    throw ShapeError("mask_nodes: x is " + x.shape().str() + " so the mask needs " + str(R) +
                     " entries, got " + str(static_cast<Index>(mask.size())));
  }
  Var<T> out = tape.make(x.shape(), {x});
  const std::vector<std::uint8_t> m(mask.begin(), mask.end());
  {
    const T* xv = tape.value(x).data();
    T* y = tape.mutable_value(out).data();
    // out[r, f] = x[r, f] * mask[r]
    for (Index r = 0; r < R; ++r) {
      const T w = m[static_cast<std::size_t>(r)] ? T(1) : T(0);
      for (Index c = 0; c < F; ++c) y[r * F + c] = xv[r * F + c] * w;
    }
  }
  // dx[r, f] += dout[r, f] * mask[r]
  tape.on_backward(out, [x, out, m, R, F](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    T* dx = t.grad(x).data();
    const T* dy = t.grad(out).data();
    for (Index r = 0; r < R; ++r) {
      if (!m[static_cast<std::size_t>(r)]) continue;
      for (Index c = 0; c < F; ++c) dx[r * F + c] += dy[r * F + c];
    }
  });
  return out;
}

#define GRAPHPOOL_INSTANTIATE_DENSE_BATCH(T)                                                       \
  template DenseBatch<T> to_dense_batch(Var<T>, std::span<const Index>, const DenseBatchOptions&); \
  template DenseBatch<T> to_dense_batch(Var<T>, const GraphBatch&, const DenseBatchOptions&);      \
  template Tensor<T> to_dense_adj(const GraphBatch&, const DenseBatchOptions&);                    \
  template Var<T> mask_nodes(Var<T>, std::span<const std::uint8_t>);

GRAPHPOOL_INSTANTIATE_DENSE_BATCH(float)
GRAPHPOOL_INSTANTIATE_DENSE_BATCH(double)

}  // namespace graphpool
