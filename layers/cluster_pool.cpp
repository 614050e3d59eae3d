#include "layers/cluster_pool.hpp"

#include <cmath>
#include <sstream>
#include <string>

#include "core/errors.hpp"
#include "layers/pool_reduce.hpp"

namespace graphpool {

ClusterMembership::ClusterMembership(Index num_nodes, std::vector<Index> member_ptr,
                                     std::vector<Index> members, std::vector<Index> nominal_size) {
  if (num_nodes < 0) {
    throw ValueError("ClusterMembership: num_nodes must be >= 0, got " + std::to_string(num_nodes));
  }
  if (member_ptr.empty() || member_ptr.front() != 0) {
    throw ValueError("ClusterMembership: member_ptr must start with 0 (size clusters + 1)");
  }
  for (std::size_t c = 1; c < member_ptr.size(); ++c) {
    if (member_ptr[c] < member_ptr[c - 1]) {
      throw ValueError("ClusterMembership: member_ptr must be non-decreasing, member_ptr[" +
                       std::to_string(c) + "] = " + std::to_string(member_ptr[c]) + " < " +
                       std::to_string(member_ptr[c - 1]));
    }
  }
  if (member_ptr.back() != static_cast<Index>(members.size())) {
    throw ShapeError("ClusterMembership: member_ptr ends at " + std::to_string(member_ptr.back()) +
                     " but there are " + std::to_string(members.size()) + " members");
  }
  for (std::size_t j = 0; j < members.size(); ++j) {
    if (members[j] < 0 || members[j] >= num_nodes) {
      throw IndexError("ClusterMembership: members[" + std::to_string(j) +
                       "] = " + std::to_string(members[j]) + " is outside [0, " +
                       std::to_string(num_nodes) + ")");
    }
  }
  const std::size_t clusters = member_ptr.size() - 1;
  if (!nominal_size.empty()) {
    if (nominal_size.size() != clusters) {
      throw ShapeError("ClusterMembership: nominal_size has " +
                       std::to_string(nominal_size.size()) + " values but there are " +
                       std::to_string(clusters) + " clusters");
    }
    for (std::size_t c = 0; c < clusters; ++c) {
      if (nominal_size[c] < 1) {
        throw ValueError("ClusterMembership: nominal_size[" + std::to_string(c) +
                         "] must be >= 1, got " + std::to_string(nominal_size[c]));
      }
    }
  }
  data_ = std::make_shared<const Data>(
      Data{num_nodes, std::move(member_ptr), std::move(members), std::move(nominal_size)});
}

template <class T>
void check_non_negative(const char* op, std::span<const T> x) {
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!(x[i] >= T(0))) {
      std::ostringstream msg;
      msg << op << ": inputs must be non-negative, got " << x[i] << " at flat position " << i;
      throw ValueError(msg.str());
    }
  }
}

namespace {

template <class T>
void check_nodes(const char* op, const Tensor<T>& x, const ClusterMembership& m) {
  if (x.rank() != 2 || x.dim(0) != m.num_nodes()) {
    throw ShapeError(std::string(op) + ": x must be [num_nodes = " + std::to_string(m.num_nodes()) +
                     ", F], got " + x.shape().str());
  }
}

// Forward: clusters in parallel (each writes its own output row).
template <class Fn>
void for_each_cluster(Index clusters, Fn&& fn) {
  parallel_for(0, clusters, 64, [&](Index lo, Index hi) {
    for (Index c = lo; c < hi; ++c) fn(c);
  });
}

// Backward: clusters may overlap, so split the features instead; within a chunk the clusters are
// visited in order, so gradients accumulate in a fixed order for any thread count.
template <class Fn>
void for_each_feature_chunk(Index F, Fn&& fn) {
  parallel_for(0, F, 16, [&](Index lo, Index hi) { fn(lo, hi); });
}

// Accessors for member j of cluster c, feature f.
template <class T>
struct ClusterView {
  const T* x;
  const Index* ptr;
  const Index* mem;
  Index F;
  Index n(Index c) const { return ptr[c + 1] - ptr[c]; }
  auto get(Index c, Index f) const {
    return [=, this](Index j) { return x[mem[ptr[c] + j] * F + f]; };
  }
};

template <class T>
struct GradView {
  T* gx;
  const Index* ptr;
  const Index* mem;
  Index F;
  auto add(Index c, Index f) const {
    return [=, this](Index j, T v) { gx[mem[ptr[c] + j] * F + f] += v; };
  }
};

template <class T>
ClusterView<T> view(const Tensor<T>& x, const ClusterMembership& m) {
  return {x.data(), m.member_ptr().data(), m.members().data(), x.dim(1)};
}

template <class T>
GradView<T> grad_view(Tensor<T>& gx, const ClusterMembership& m) {
  return {gx.data(), m.member_ptr().data(), m.members().data(), gx.dim(1)};
}

// The mean's divisor of cluster c.
inline Index divisor(const ClusterMembership& m, Index c, bool nominal) {
  return nominal ? m.nominal_size(c) : m.size(c);
}

}  // namespace

template <class T>
ClusterMaxResult<T> cluster_max_pool(Var<T> x, const ClusterMembership& m) {
  Tape<T>& tape = *x.tape;
  check_nodes("cluster_max_pool", x.value(), m);
  const Index F = x.value().dim(1), K = m.num_clusters();
  Var<T> out = tape.make(Shape{K, F}, {x});
  auto arg = std::make_shared<std::vector<Index>>(static_cast<std::size_t>(K * F));
  const ClusterView<T> v = view(tape.value(x), m);
  T* o = tape.mutable_value(out).data();
  Index* a = arg->data();
  for_each_cluster(K, [&](Index c) {
    for (Index f = 0; f < F; ++f) {
      // out[c, f] = max_j x[member_j, f]
      const Index j = pool_reduce::argmax<T>(v.n(c), v.get(c, f));
      a[c * F + f] = j < 0 ? -1 : v.mem[v.ptr[c] + j];
      o[c * F + f] = j < 0 ? T(0) : v.x[a[c * F + f] * F + f];
    }
  });
  tape.on_backward(out, [x, out, arg, K, F](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const T* g = t.grad(out).data();
    T* gx = t.grad(x).data();
    const Index* a = arg->data();
    for_each_feature_chunk(F, [&](Index f0, Index f1) {
      // d out[c, f] / d x[i, f] = [i == arg[c, f]]
      for (Index c = 0; c < K; ++c)
        for (Index f = f0; f < f1; ++f)
          if (a[c * F + f] >= 0) gx[a[c * F + f] * F + f] += g[c * F + f];
    });
  });
  return {out, arg};
}

template <class T>
Var<T> cluster_mean_pool(Var<T> x, const ClusterMembership& m, bool use_nominal_size) {
  Tape<T>& tape = *x.tape;
  check_nodes("cluster_mean_pool", x.value(), m);
  const Index F = x.value().dim(1), K = m.num_clusters();
  Var<T> out = tape.make(Shape{K, F}, {x});
  const ClusterView<T> v = view(tape.value(x), m);
  T* o = tape.mutable_value(out).data();
  for_each_cluster(K, [&](Index c) {
    const Index d = divisor(m, c, use_nominal_size);
    for (Index f = 0; f < F; ++f) {
      // out[c, f] = sum_j x[member_j, f] / d_c
      const T s = pool_reduce::sum<T>(v.n(c), v.get(c, f));
      o[c * F + f] = d > 0 ? s / static_cast<T>(d) : T(0);
    }
  });
  tape.on_backward(out, [x, out, m, K, F, use_nominal_size](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const T* g = t.grad(out).data();
    const GradView<T> gv = grad_view(t.grad(x), m);
    for_each_feature_chunk(F, [&](Index f0, Index f1) {
      for (Index c = 0; c < K; ++c) {
        const Index n = m.size(c), d = divisor(m, c, use_nominal_size);
        for (Index f = f0; f < f1; ++f) {
          // d out[c, f] / d x[member, f] = 1 / d_c
          const T share = g[c * F + f] / static_cast<T>(d);
          auto add = gv.add(c, f);
          for (Index j = 0; j < n; ++j) add(j, share);
        }
      }
    });
  });
  return out;
}

template <class T>
Var<T> cluster_lp_pool(Var<T> x, const ClusterMembership& m, double p_in) {
  if (!(p_in >= 1.0) || !std::isfinite(p_in)) {
    throw ValueError("cluster_lp_pool: p must be a finite value >= 1, got " + std::to_string(p_in));
  }
  Tape<T>& tape = *x.tape;
  check_nodes("cluster_lp_pool", x.value(), m);
  const T p = static_cast<T>(p_in);
  const Index F = x.value().dim(1), K = m.num_clusters();
  Var<T> out = tape.make(Shape{K, F}, {x});
  const ClusterView<T> v = view(tape.value(x), m);
  T* o = tape.mutable_value(out).data();
  for_each_cluster(K, [&](Index c) {
    // out[c, f] = (sum_j |x[member_j, f]|^p)^(1/p)
    for (Index f = 0; f < F; ++f) o[c * F + f] = pool_reduce::lp<T>(v.n(c), p, v.get(c, f));
  });
  tape.on_backward(out, [x, out, m, K, F, p](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const T* g = t.grad(out).data();
    const T* y = t.value(out).data();
    const ClusterView<T> v = view(t.value(x), m);
    const GradView<T> gv = grad_view(t.grad(x), m);
    for_each_feature_chunk(F, [&](Index f0, Index f1) {
      for (Index c = 0; c < K; ++c)
        for (Index f = f0; f < f1; ++f)
          pool_reduce::lp_backward<T>(v.n(c), p, y[c * F + f], g[c * F + f], v.get(c, f),
                                      gv.add(c, f));
    });
  });
  return out;
}

template <class T>
Var<T> cluster_softmax_pool(Var<T> x, const ClusterMembership& m, double beta_in) {
  if (!std::isfinite(beta_in)) {
    throw ValueError("cluster_softmax_pool: beta must be finite, got " + std::to_string(beta_in));
  }
  Tape<T>& tape = *x.tape;
  check_nodes("cluster_softmax_pool", x.value(), m);
  const T beta = static_cast<T>(beta_in);
  const Index F = x.value().dim(1), K = m.num_clusters();
  Var<T> out = tape.make(Shape{K, F}, {x});
  // per (cluster, feature): the shift m and normaliser Z of the softmax, for the backward
  auto shift = std::make_shared<std::vector<T>>(static_cast<std::size_t>(K * F));
  auto norm = std::make_shared<std::vector<T>>(static_cast<std::size_t>(K * F));
  const ClusterView<T> v = view(tape.value(x), m);
  T* o = tape.mutable_value(out).data();
  for_each_cluster(K, [&](Index c) {
    for (Index f = 0; f < F; ++f) {
      const Index i = c * F + f;
      // out = sum_j softmax(beta a)_j a_j
      o[i] = pool_reduce::softmax<T>(v.n(c), beta, v.get(c, f), (*shift)[i], (*norm)[i]);
    }
  });
  tape.on_backward(out, [x, out, m, K, F, beta, shift, norm](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const T* g = t.grad(out).data();
    const T* y = t.value(out).data();
    const ClusterView<T> v = view(t.value(x), m);
    const GradView<T> gv = grad_view(t.grad(x), m);
    for_each_feature_chunk(F, [&](Index f0, Index f1) {
      for (Index c = 0; c < K; ++c)
        for (Index f = f0; f < f1; ++f) {
          const Index i = c * F + f;
          pool_reduce::softmax_backward<T>(v.n(c), beta, y[i], (*shift)[i], (*norm)[i], g[i],
                                           v.get(c, f), gv.add(c, f));
        }
    });
  });
  return out;
}

template <class T>
Var<T> cluster_mixed_pool(Var<T> x, const ClusterMembership& m, Var<T> alpha,
                          bool use_nominal_size) {
  Tape<T>& tape = *x.tape;
  check_nodes("cluster_mixed_pool", x.value(), m);
  if (alpha.value().numel() != 1) {
    throw ShapeError("cluster_mixed_pool: alpha must have one element, got " +
                     alpha.value().shape().str());
  }
  const Index F = x.value().dim(1), K = m.num_clusters();
  Var<T> out = tape.make(Shape{K, F}, {x, alpha});
  const T a = tape.value(alpha).data()[0];
  auto arg = std::make_shared<std::vector<Index>>(static_cast<std::size_t>(K * F));
  auto diff = std::make_shared<std::vector<T>>(static_cast<std::size_t>(K * F));  // max - mean
  const ClusterView<T> v = view(tape.value(x), m);
  T* o = tape.mutable_value(out).data();
  for_each_cluster(K, [&](Index c) {
    const Index d = divisor(m, c, use_nominal_size);
    for (Index f = 0; f < F; ++f) {
      const Index i = c * F + f;
      const Index j = pool_reduce::argmax<T>(v.n(c), v.get(c, f));
      (*arg)[i] = j < 0 ? -1 : v.mem[v.ptr[c] + j];
      const T mx = j < 0 ? T(0) : v.x[(*arg)[i] * F + f];
      const T s = pool_reduce::sum<T>(v.n(c), v.get(c, f));
      const T mean = d > 0 ? s / static_cast<T>(d) : T(0);
      // out = alpha max + (1 - alpha) mean
      (*diff)[i] = mx - mean;
      o[i] = a * mx + (T(1) - a) * mean;
    }
  });
  tape.on_backward(out, [x, out, alpha, m, K, F, use_nominal_size, arg, diff](Tape<T>& t) {
    const T* g = t.grad(out).data();
    const T a = t.value(alpha).data()[0];
    if (t.requires_grad(alpha)) {
      // d out / d alpha = max - mean
      T s = T(0);
      for (Index i = 0; i < K * F; ++i) s += g[i] * (*diff)[i];
      t.grad(alpha).data()[0] += s;
    }
    if (!t.requires_grad(x)) return;
    const GradView<T> gv = grad_view(t.grad(x), m);
    for_each_feature_chunk(F, [&](Index f0, Index f1) {
      for (Index c = 0; c < K; ++c) {
        const Index n = m.size(c), d = divisor(m, c, use_nominal_size);
        for (Index f = f0; f < f1; ++f) {
          const Index i = c * F + f;
          // d out / d x_j = alpha [j == arg] + (1 - alpha) / d_c
          if ((*arg)[i] >= 0) gv.gx[(*arg)[i] * F + f] += a * g[i];
          const T share = (T(1) - a) * g[i] / static_cast<T>(d);
          auto add = gv.add(c, f);
          for (Index j = 0; j < n; ++j) add(j, share);
        }
      }
    });
  });
  return out;
}

template <class T>
Var<T> cluster_mixed_pool(Var<T> x, const ClusterMembership& m, double alpha,
                          bool use_nominal_size) {
  Var<T> a = x.tape->constant(Tensor<T>(Shape{}, static_cast<T>(alpha)));
  return cluster_mixed_pool<T>(x, m, a, use_nominal_size);
}

template <class T>
Var<T> cluster_stochastic_pool(Var<T> x, const ClusterMembership& m,
                               std::optional<CounterRng> rng) {
  Tape<T>& tape = *x.tape;
  check_nodes("cluster_stochastic_pool", x.value(), m);
  check_non_negative<T>("cluster_stochastic_pool", x.value().values());
  const Index F = x.value().dim(1), K = m.num_clusters();
  Var<T> out = tape.make(Shape{K, F}, {x});
  // training: the picked node (-1: all-zero cluster); eval: the sum S of each (cluster, feature)
  auto arg = std::make_shared<std::vector<Index>>();
  auto sums = std::make_shared<std::vector<T>>();
  const ClusterView<T> v = view(tape.value(x), m);
  T* o = tape.mutable_value(out).data();
  if (rng) {
    arg->resize(static_cast<std::size_t>(K * F));
    for_each_cluster(K, [&](Index c) {
      for (Index f = 0; f < F; ++f) {
        const Index i = c * F + f;
        // P(j) = a_j / sum(a), drawn from the counter at (f, c)
        const double u = rng->uniform(static_cast<std::uint64_t>(f * K + c));
        const Index j = pool_reduce::stochastic_pick<T>(v.n(c), u, v.get(c, f));
        (*arg)[i] = j < 0 ? -1 : v.mem[v.ptr[c] + j];
        o[i] = j < 0 ? T(0) : v.x[(*arg)[i] * F + f];
      }
    });
  } else {
    sums->resize(static_cast<std::size_t>(K * F));
    for_each_cluster(K, [&](Index c) {
      for (Index f = 0; f < F; ++f) {
        const Index i = c * F + f;
        // out = sum_j (a_j / S) a_j
        o[i] = pool_reduce::stochastic_expectation<T>(v.n(c), v.get(c, f), (*sums)[i]);
      }
    });
  }
  const bool training = rng.has_value();
  tape.on_backward(out, [x, out, m, K, F, arg, sums, training](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const T* g = t.grad(out).data();
    const T* y = t.value(out).data();
    const ClusterView<T> v = view(t.value(x), m);
    const GradView<T> gv = grad_view(t.grad(x), m);
    for_each_feature_chunk(F, [&](Index f0, Index f1) {
      for (Index c = 0; c < K; ++c)
        for (Index f = f0; f < f1; ++f) {
          const Index i = c * F + f;
          if (training) {
            if ((*arg)[i] >= 0) gv.gx[(*arg)[i] * F + f] += g[i];
          } else {
            pool_reduce::stochastic_expectation_backward<T>(v.n(c), y[i], (*sums)[i], g[i],
                                                            v.get(c, f), gv.add(c, f));
          }
        }
    });
  });
  return out;
}

#define GRAPHPOOL_INSTANTIATE(T)                                                         \
  template void check_non_negative<T>(const char*, std::span<const T>);                  \
  template ClusterMaxResult<T> cluster_max_pool<T>(Var<T>, const ClusterMembership&);    \
  template Var<T> cluster_mean_pool<T>(Var<T>, const ClusterMembership&, bool);          \
  template Var<T> cluster_lp_pool<T>(Var<T>, const ClusterMembership&, double);          \
  template Var<T> cluster_softmax_pool<T>(Var<T>, const ClusterMembership&, double);     \
  template Var<T> cluster_mixed_pool<T>(Var<T>, const ClusterMembership&, Var<T>, bool); \
  template Var<T> cluster_mixed_pool<T>(Var<T>, const ClusterMembership&, double, bool); \
  template Var<T> cluster_stochastic_pool<T>(Var<T>, const ClusterMembership&,           \
                                             std::optional<CounterRng>);
GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
