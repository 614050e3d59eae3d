#include "layers/gcn_norm.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "graph/csr_transpose.hpp"

namespace graphpool {

template <class T>
struct GcnNorm<T>::Data {
  std::vector<Index> edge_ptr{0};  // CSR by target (the graph's own)
  std::vector<Index> sources;
  std::vector<T> coef;             // [E] d_t^-1/2 w_e d_s^-1/2
  std::vector<T> self;             // [N] d_t^-1
  std::vector<T> dinv;             // [N] d_t^-1/2
  std::vector<Index> out_ptr{0};   // transpose: CSR by source
  std::vector<Index> out_targets;  // targets of the outgoing edges of s, ascending target
  std::vector<T> out_coef;
};

namespace {

constexpr Index kNodeGrain = 128;

// out[r] (+)= self[r] x[r] + sum_{j in ptr[r] .. ptr[r+1]} coef[j] x[idx[j]] (+ bias): a CSR gather
template <class T>
void csr_gather(std::span<const Index> ptr, std::span<const Index> idx, std::span<const T> coef,
                std::span<const T> self, const Eigen::Ref<const RowMatrix<T>>& x, MatrixMap<T> out,
                bool add, std::span<const T> bias) {
  const Index C = x.cols();
  const T* xp = x.data();
  T* op = out.data();
  parallel_for(0, x.rows(), kNodeGrain, [&](Index lo, Index hi) {
    for (Index r = lo; r < hi; ++r) {
      T* o = op + r * C;
      const T* xr = xp + r * C;
      const T s = self[r];
      if (add) {
        for (Index c = 0; c < C; ++c) o[c] += s * xr[c];
      } else {
        for (Index c = 0; c < C; ++c) o[c] = s * xr[c];
      }
      for (Index j = ptr[r]; j < ptr[r + 1]; ++j) {
        const T w = coef[j];
        const T* xs = xp + idx[j] * C;
        for (Index c = 0; c < C; ++c) o[c] += w * xs[c];
      }
      if (!bias.empty()) {
        for (Index c = 0; c < C; ++c) o[c] += bias[c];
      }
    }
  });
}

template <class T>
void check_operands(const char* what, Index n, const Eigen::Ref<const RowMatrix<T>>& x,
                    MatrixMap<T> out) {
  if (x.rows() != n || out.rows() != n || out.cols() != x.cols()) {
    throw ShapeError(std::string(what) + ": expected x and out of [" + std::to_string(n) +
                     ", C] but got x [" + std::to_string(x.rows()) + ", " +
                     std::to_string(x.cols()) + "] and out [" + std::to_string(out.rows()) + ", " +
                     std::to_string(out.cols()) + "]");
  }
}

}  // namespace

template <class T>
GcnNorm<T>::GcnNorm() : data_(std::make_shared<const Data>()) {}

template <class T>
GcnNorm<T>::GcnNorm(const Graph& graph) {
  auto d = std::make_shared<Data>();
  const Index N = graph.num_nodes();
  const Index E = graph.num_edges();
  d->edge_ptr.assign(graph.edge_ptr().begin(), graph.edge_ptr().end());
  d->sources.assign(graph.sources().begin(), graph.sources().end());
  d->dinv.resize(static_cast<std::size_t>(N));
  d->self.resize(static_cast<std::size_t>(N));
  d->coef.resize(static_cast<std::size_t>(E));
  const auto& ptr = d->edge_ptr;
  const auto& src = d->sources;
  // deg[t] = 1 + sum_{e -> t} w_e;  dinv[t] = deg[t]^-1/2;  self[t] = dinv[t] dinv[t]
  parallel_for(0, N, kNodeGrain, [&](Index lo, Index hi) {
    for (Index t = lo; t < hi; ++t) {
      T deg = T(1);
      if (graph.weighted()) {
        for (Index e = ptr[t]; e < ptr[t + 1]; ++e) deg += static_cast<T>(graph.weight(e));
      } else {
        deg += static_cast<T>(ptr[t + 1] - ptr[t]);
      }
      if (!(deg > T(0))) {
        throw ValueError("GcnNorm: node " + std::to_string(t) + " has degree " +
                         std::to_string(static_cast<double>(deg)) +
                         " (1 + weighted in-degree) but it must be positive");
      }
      d->dinv[t] = T(1) / std::sqrt(deg);
      d->self[t] = d->dinv[t] * d->dinv[t];
    }
  });
  // coef[e] = dinv[t] w_e dinv[s] for edge s -> t
  parallel_for(0, N, kNodeGrain, [&](Index lo, Index hi) {
    for (Index t = lo; t < hi; ++t) {
      for (Index e = ptr[t]; e < ptr[t + 1]; ++e) {
        const T w = graph.weighted() ? static_cast<T>(graph.weight(e)) : T(1);
        d->coef[e] =
            graph.weighted() ? d->dinv[src[e]] * w * d->dinv[t] : d->dinv[t] * d->dinv[src[e]];
      }
    }
  });
  // The transpose (CSR by source, each source's edges by ascending target): deterministic.
  CsrTranspose transpose = transpose_csr(ptr, src);
  d->out_ptr = std::move(transpose.ptr);
  d->out_targets = std::move(transpose.targets);
  d->out_coef.resize(static_cast<std::size_t>(E));
  const auto& edge_ids = transpose.edge_ids;
  // out_coef[slot] = coef of the CSR edge in that slot
  parallel_for_elements(
      E,
      [&](Index lo, Index hi) {
        for (Index slot = lo; slot < hi; ++slot) d->out_coef[slot] = d->coef[edge_ids[slot]];
      },
      /*item_cost=*/2);
  data_ = std::move(d);
}

template <class T>
Index GcnNorm<T>::num_nodes() const {
  return static_cast<Index>(data_->edge_ptr.size()) - 1;
}
template <class T>
Index GcnNorm<T>::num_edges() const {
  return static_cast<Index>(data_->sources.size());
}
template <class T>
std::span<const Index> GcnNorm<T>::edge_ptr() const {
  return data_->edge_ptr;
}
template <class T>
std::span<const Index> GcnNorm<T>::sources() const {
  return data_->sources;
}
template <class T>
std::span<const T> GcnNorm<T>::edge_coef() const {
  return data_->coef;
}
template <class T>
std::span<const T> GcnNorm<T>::self_coef() const {
  return data_->self;
}
template <class T>
std::span<const T> GcnNorm<T>::deg_inv_sqrt() const {
  return data_->dinv;
}

template <class T>
void GcnNorm<T>::propagate(const Eigen::Ref<const RowMatrix<T>>& x, MatrixMap<T> out, bool add,
                           std::span<const T> bias) const {
  check_operands("GcnNorm::propagate", num_nodes(), x, out);
  // out[t] = self[t] x[t] + sum_{e: s -> t} coef[e] x[s]
  if (!bias.empty() && static_cast<Index>(bias.size()) != x.cols()) {
    throw ShapeError("GcnNorm::propagate: bias has " + std::to_string(bias.size()) +
                     " elements but x has " + std::to_string(x.cols()) + " columns");
  }
  csr_gather<T>(data_->edge_ptr, data_->sources, data_->coef, data_->self, x, out, add, bias);
}

template <class T>
void GcnNorm<T>::propagate_transpose(const Eigen::Ref<const RowMatrix<T>>& x, MatrixMap<T> out,
                                     bool add) const {
  check_operands("GcnNorm::propagate_transpose", num_nodes(), x, out);
  // out[s] = self[s] x[s] + sum_{e: s -> t} coef[e] x[t]
  csr_gather<T>(data_->out_ptr, data_->out_targets, data_->out_coef, data_->self, x, out, add, {});
}

template <class T>
RowMatrix<T> GcnNorm<T>::dense() const {
  const Index N = num_nodes();
  RowMatrix<T> a = RowMatrix<T>::Zero(N, N);
  for (Index t = 0; t < N; ++t) {
    a(t, t) += data_->self[t];
    for (Index e = data_->edge_ptr[t]; e < data_->edge_ptr[t + 1]; ++e) {
      a(t, data_->sources[e]) += data_->coef[e];
    }
  }
  return a;
}

template class GcnNorm<float>;
template class GcnNorm<double>;

}  // namespace graphpool
