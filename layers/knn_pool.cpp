#include "layers/knn_pool.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "core/errors.hpp"

namespace graphpool {

namespace {

std::string str(Index v) {
  return std::to_string(v);
}

// |p_a - p_b|^2 summed over the D coordinates in order
template <class T>
T sq_dist(const T* pos, Index D, Index a, Index b) {
  T acc = T(0);
  for (Index d = 0; d < D; ++d) {
    const T diff = pos[a * D + d] - pos[b * D + d];
    acc += diff * diff;
  }
  return acc;
}

template <class T>
void check_pos(const char* who, const Tensor<T>& pos, std::span<const Index> node_ptr) {
  check_rank((std::string(who) + ": pos").c_str(), pos.shape(), 2);
  if (node_ptr.empty() || node_ptr[0] != 0) {
    throw ValueError(std::string(who) + ": node_ptr must start at 0");
  }
  if (pos.dim(0) != node_ptr.back()) {
    throw ShapeError(std::string(who) + ": pos is " + pos.shape().str() + " but the batch has " +
                     str(node_ptr.back()) + " nodes");
  }
}

// K_g = min(n, ceil(float(ratio) * float(n))), as torch_cluster's fps (float32 products)
Index centre_count(Index n, double ratio) {
  if (n == 0) return 0;
  const float want = std::ceil(static_cast<float>(n) * static_cast<float>(ratio));
  return std::min(n, std::max(Index{1}, static_cast<Index>(want)));
}

}  // namespace

void KnnPoolOptions::validate(const char* who) const {
  if (k_ < 1) throw ValueError(std::string(who) + ": k must be >= 1, got " + str(k_));
  if (!(ratio_ > 0.0 && ratio_ <= 1.0)) {
    throw ValueError(std::string(who) + ": ratio must be in (0, 1], got " + std::to_string(ratio_));
  }
}

template <class T>
FpsResult farthest_point_sampling(const Tensor<T>& pos, std::span<const Index> node_ptr,
                                  double ratio, FpsStart start, const CounterRng& rng) {
  check_pos("farthest_point_sampling", pos, node_ptr);
  if (!(ratio > 0.0 && ratio <= 1.0)) {
    throw ValueError("farthest_point_sampling: ratio must be in (0, 1], got " +
                     std::to_string(ratio));
  }
  const Index G = static_cast<Index>(node_ptr.size()) - 1, D = pos.dim(1);
  FpsResult out;
  out.centre_ptr.assign(static_cast<std::size_t>(G + 1), 0);
  for (Index g = 0; g < G; ++g) {
    const Index n = node_ptr[g + 1] - node_ptr[g];
    if (n < 0) throw ValueError("farthest_point_sampling: node_ptr must be non-decreasing");
    out.centre_ptr[g + 1] = out.centre_ptr[g] + centre_count(n, ratio);
  }
  out.centres.assign(static_cast<std::size_t>(out.centre_ptr.back()), -1);
  const T* p = pos.data();
  // graphs are independent: each writes its own slice of centres
  parallel_for(0, G, 4, [&](Index lo, Index hi) {
    std::vector<T> dist;
    std::vector<char> chosen;
    for (Index g = lo; g < hi; ++g) {
      const Index a = node_ptr[g], n = node_ptr[g + 1] - a;
      const Index K = out.centre_ptr[g + 1] - out.centre_ptr[g];
      if (K == 0) continue;
      Index first = 0;
      if (start == FpsStart::kRandom) {
        first = static_cast<Index>(
            rng.below(static_cast<std::uint64_t>(g), static_cast<std::uint64_t>(n)));
      } else if (start == FpsStart::kFarthestFromMean) {
        // mean_d = sum_i p_id / n;  first = argmax_i |p_i - mean|^2 (ties to the lowest i)
        std::vector<T> mean(static_cast<std::size_t>(D), T(0));
        for (Index i = 0; i < n; ++i)
          for (Index d = 0; d < D; ++d) mean[d] += p[(a + i) * D + d];
        for (Index d = 0; d < D; ++d) mean[d] /= static_cast<T>(n);
        T best = T(-1);
        for (Index i = 0; i < n; ++i) {
          T acc = T(0);
          for (Index d = 0; d < D; ++d) {
            const T diff = p[(a + i) * D + d] - mean[d];
            acc += diff * diff;
          }
          if (acc > best) best = acc, first = i;
        }
      }
      Index* c = out.centres.data() + out.centre_ptr[g];
      dist.assign(static_cast<std::size_t>(n), T(0));
      chosen.assign(static_cast<std::size_t>(n), 0);
      c[0] = a + first;
      chosen[first] = 1;
      // dist_i = min over chosen c of |p_i - p_c|^2
      for (Index i = 0; i < n; ++i) dist[i] = sq_dist(p, D, a + i, a + first);
      for (Index m = 1; m < K; ++m) {
        // next = argmax over unchosen i of dist_i, ties to the lowest i
        Index next = -1;
        T best = T(0);
        for (Index i = 0; i < n; ++i) {
          if (chosen[i]) continue;
          if (next < 0 || dist[i] > best) best = dist[i], next = i;
        }
        c[m] = a + next;
        chosen[next] = 1;
        for (Index i = 0; i < n; ++i) dist[i] = std::min(dist[i], sq_dist(p, D, a + i, a + next));
      }
    }
  });
  return out;
}

template <class T>
ClusterMembership knn_clusters(const Tensor<T>& pos, std::span<const Index> node_ptr,
                               const FpsResult& fps, Index k) {
  check_pos("knn_clusters", pos, node_ptr);
  if (k < 1) throw ValueError("knn_clusters: k must be >= 1, got " + str(k));
  const Index G = static_cast<Index>(node_ptr.size()) - 1, D = pos.dim(1);
  const Index K = static_cast<Index>(fps.centres.size());
  // member_ptr by count -> prefix sum: centre j of graph g has min(k, n_g) members
  std::vector<Index> graph_of(static_cast<std::size_t>(K));
  std::vector<Index> member_ptr(static_cast<std::size_t>(K + 1), 0);
  for (Index g = 0; g < G; ++g) {
    for (Index j = fps.centre_ptr[g]; j < fps.centre_ptr[g + 1]; ++j) {
      graph_of[j] = g;
      member_ptr[j + 1] = member_ptr[j] + std::min(k, node_ptr[g + 1] - node_ptr[g]);
    }
  }
  std::vector<Index> members(static_cast<std::size_t>(member_ptr.back()));
  const T* p = pos.data();
  parallel_for(0, K, 16, [&](Index lo, Index hi) {
    std::vector<std::pair<T, Index>> cand;
    for (Index j = lo; j < hi; ++j) {
      const Index g = graph_of[j], a = node_ptr[g], n = node_ptr[g + 1] - a;
      const Index c = fps.centres[j], m = member_ptr[j + 1] - member_ptr[j];
      // the centre first, then the m - 1 smallest (|p_i - p_c|^2, i) of the other nodes
      cand.clear();
      for (Index i = a; i < a + n; ++i) {
        if (i != c) cand.emplace_back(sq_dist(p, D, i, c), i);
      }
      std::partial_sort(cand.begin(), cand.begin() + (m - 1), cand.end());
      Index* out = members.data() + member_ptr[j];
      out[0] = c;
      for (Index r = 1; r < m; ++r) out[r] = cand[r - 1].second;
    }
  });
  return ClusterMembership(pos.dim(0), std::move(member_ptr), std::move(members));
}

template <class T>
std::vector<Index> nearest_centre(const Tensor<T>& pos, std::span<const Index> node_ptr,
                                  const FpsResult& fps) {
  check_pos("nearest_centre", pos, node_ptr);
  const Index N = pos.dim(0), D = pos.dim(1);
  std::vector<Index> cluster(static_cast<std::size_t>(N), -1);
  std::vector<Index> graph_of(static_cast<std::size_t>(N));
  for (Index g = 0; g + 1 < static_cast<Index>(node_ptr.size()); ++g) {
    for (Index i = node_ptr[g]; i < node_ptr[g + 1]; ++i) graph_of[i] = g;
  }
  const T* p = pos.data();
  // cluster[i] = argmin over centres j of graph(i) of |p_i - p_cj|^2, ties to the smaller j
  parallel_for(0, N, 64, [&](Index lo, Index hi) {
    for (Index i = lo; i < hi; ++i) {
      const Index g = graph_of[i];
      Index best_j = -1;
      T best = T(0);
      for (Index j = fps.centre_ptr[g]; j < fps.centre_ptr[g + 1]; ++j) {
        if (fps.centres[j] == i) {  // a centre is always in its own cluster
          best_j = j;
          break;
        }
        const T d = sq_dist(p, D, i, fps.centres[j]);
        if (best_j < 0 || d < best) best = d, best_j = j;
      }
      cluster[i] = best_j;
    }
  });
  return cluster;
}

template <class T>
KnnPoolOutput<T> knn_pool(Var<T> x, const Tensor<T>& pos, const GraphBatch& batch,
                          const KnnPoolOptions& options, const CounterRng& rng) {
  options.validate("knn_pool");
  check_rank("knn_pool: x", x.shape(), 2);
  if (x.shape()[0] != batch.num_nodes()) {
    throw ShapeError("knn_pool: x is " + x.shape().str() + " but the batch has " +
                     str(batch.num_nodes()) + " nodes");
  }
  const std::span<const Index> node_ptr = batch.node_ptr();
  FpsResult fps = farthest_point_sampling(pos, node_ptr, options.ratio_, options.start_, rng);
  KnnPoolOutput<T> out;
  out.members = knn_clusters(pos, node_ptr, fps, options.k_);
  // reduce: x'[j] = max / mean over the members of centre j
  if (options.reduce_ == KnnReduce::kMax) {
    out.x = cluster_max_pool(x, out.members).out;
  } else {
    out.x = cluster_mean_pool(x, out.members);
  }
  // connect: contract the nearest-centre partition
  out.cluster = nearest_centre(pos, node_ptr, fps);
  const Index K = static_cast<Index>(fps.centres.size()), D = pos.dim(1);
  Contraction c = contract_clusters(batch.graph(), out.cluster, K, options.contract_);
  out.batch = GraphBatch(std::move(c.graph), fps.centre_ptr);
  out.edge_map = std::move(c.edge_map);
  out.pos = Tensor<T>(Shape{K, D});
  for (Index j = 0; j < K; ++j) {
    std::copy_n(pos.data() + fps.centres[j] * D, D, out.pos.data() + j * D);
  }
  out.centres = std::move(fps.centres);
  out.centre_ptr = std::move(fps.centre_ptr);
  return out;
}

template <class T>
KnnPool<T>::KnnPool(const KnnPoolOptions& options, std::uint64_t seed)
    : options_(options), gen_(seed) {
  options.validate("KnnPool");
}

template <class T>
KnnPoolOutput<T> KnnPool<T>::forward(Var<T> x, const Tensor<T>& pos, const GraphBatch& batch) {
  return knn_pool(x, pos, batch, options_, gen_.next_stream());
}

#define GRAPHPOOL_INSTANTIATE_KNN_POOL(T)                                                      \
  template FpsResult farthest_point_sampling(const Tensor<T>&, std::span<const Index>, double, \
                                             FpsStart, const CounterRng&);                     \
  template ClusterMembership knn_clusters(const Tensor<T>&, std::span<const Index>,            \
                                          const FpsResult&, Index);                            \
  template std::vector<Index> nearest_centre(const Tensor<T>&, std::span<const Index>,         \
                                             const FpsResult&);                                \
  template KnnPoolOutput<T> knn_pool(Var<T>, const Tensor<T>&, const GraphBatch&,              \
                                     const KnnPoolOptions&, const CounterRng&);                \
  template class KnnPool<T>;

GRAPHPOOL_INSTANTIATE_KNN_POOL(float)
GRAPHPOOL_INSTANTIATE_KNN_POOL(double)

}  // namespace graphpool
