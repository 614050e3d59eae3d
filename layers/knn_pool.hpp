#pragma once
/// k-nearest-neighbour pooling (the third local pooling of the survey; PointNet++'s set
/// abstraction on a graph batch, built from PyG's `fps` and `knn`):
///   select:  per graph, ceil(ratio n_g) cluster centres by farthest-point sampling in pos [N, D];
///   reduce:  every centre pools (max or mean) its k nearest nodes of the same graph, itself first;
///   connect: the coarsened graph by cluster contraction (graph/coarsen.hpp), every node assigned
///            to its nearest centre; pooled cluster c is centre c.
///   KnnPool<float> pool(KnnPoolOptions(8).ratio(0.25), /*seed=*/1);
///   KnnPoolOutput<float> out = pool.forward(x, pos, batch);  // out.x [K, F], out.pos, out.batch
///
/// Rules (exact, so results are reproducible and testable):
/// - FPS (torch_cluster `fps` semantics): distances are squared Euclidean, summed over dimensions
///   in order; the first centre is a seeded random node (kRandom: node rng.below(g, n_g) of graph
///   g), node 0 of the graph (kFirst, PyG's random_start=False) or the node farthest from the
///   graph's mean position (kFarthestFromMean, permutation-equivariant, not in PyG); then
///   repeatedly the node with the largest distance to the chosen set, ties to the lowest index.
///   One deviation: a node already chosen is never chosen again (torch_cluster can repeat a node
///   when positions coincide and every remaining distance is 0).
/// - Centres of graph g: K_g = min(n_g, ceil(float(ratio) * float(n_g))) (float32 as
///   torch_cluster), in FPS order; pooled node i is centres[i].
/// - kNN: the centre itself first, then the other nodes of its graph by ascending (squared
///   distance, node id); min(k, n_g) members. Max pooling sends the gradient to the first arg-max
///   in this order.
/// - Overlapping neighbourhoods only affect the features: the coarsened graph uses a partition,
///   node u -> the centre nearest to u (ties to the earlier centre in FPS order; a centre is
///   always in its own cluster), and edge u -> v becomes cluster(u) -> cluster(v), merged and
///   without self loops by default (ContractOptions).
/// Every stage runs per graph / per centre / per node in parallel with fixed outputs, so results
/// are bitwise identical for any number of threads.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/module.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"
#include "graph/coarsen.hpp"
#include "graph/graph_batch.hpp"
#include "layers/cluster_pool.hpp"

namespace graphpool {

/// How farthest-point sampling picks its first node in every graph.
enum class FpsStart { kRandom, kFirst, kFarthestFromMean };
/// The reduction over a centre's k nearest nodes.
enum class KnnReduce { kMax, kMean };

struct KnnPoolOptions {
  /// k: nodes pooled per centre (>= 1; a graph with fewer nodes pools all of them).
  explicit KnnPoolOptions(Index k) : k_(k) {}
  /// Fraction of nodes kept as centres per graph, in (0, 1] (default 0.5).
  KnnPoolOptions& ratio(double r) {
    ratio_ = r;
    return *this;
  }
  /// Max (default, as PointNet++) or mean over the k nearest nodes.
  KnnPoolOptions& reduce(KnnReduce r) {
    reduce_ = r;
    return *this;
  }
  /// First FPS node (default kRandom, as PyG's fps).
  KnnPoolOptions& start(FpsStart s) {
    start_ = s;
    return *this;
  }
  /// PyG's spelling: true = kRandom, false = kFirst.
  KnnPoolOptions& random_start(bool on) {
    start_ = on ? FpsStart::kRandom : FpsStart::kFirst;
    return *this;
  }
  /// How edges are contracted (default: no self loops, unweighted result for unweighted input).
  KnnPoolOptions& contract(const ContractOptions& c) {
    contract_ = c;
    return *this;
  }
  /// ValueError naming the bad value.
  void validate(const char* who) const;
  Index k_;
  double ratio_ = 0.5;
  KnnReduce reduce_ = KnnReduce::kMax;
  FpsStart start_ = FpsStart::kRandom;
  ContractOptions contract_;
};

/// Centres chosen by farthest-point sampling, grouped by graph in FPS order.
struct FpsResult {
  std::vector<Index> centres;     ///< [K] node ids
  std::vector<Index> centre_ptr;  ///< [G + 1] centres of graph g: centres[centre_ptr[g] ..]
};

/// FPS per graph of node_ptr on pos [N, D] (rank 2, N = node_ptr.back()); rng used by kRandom
/// only. ValueError for a bad ratio, ShapeError for a pos of the wrong size.
template <class T>
FpsResult farthest_point_sampling(const Tensor<T>& pos, std::span<const Index> node_ptr,
                                  double ratio, FpsStart start, const CounterRng& rng);

/// The k nearest nodes of every centre (same graph), centre first, then by (distance, id).
template <class T>
ClusterMembership knn_clusters(const Tensor<T>& pos, std::span<const Index> node_ptr,
                               const FpsResult& fps, Index k);

/// [N]: the cluster (position in fps.centres) of every node: its nearest centre of the same
/// graph, ties to the earlier centre; a centre maps to itself.
template <class T>
std::vector<Index> nearest_centre(const Tensor<T>& pos, std::span<const Index> node_ptr,
                                  const FpsResult& fps);

/// What knn_pool returns: the next layer's input and what unpooling / interpolation needs.
template <class T>
struct KnnPoolOutput {
  Var<T> x;                       ///< [K, F] pooled features
  Tensor<T> pos;                  ///< [K, D] the centres' positions
  GraphBatch batch;               ///< the coarsened graphs (node i = centre i)
  std::vector<Index> centres;     ///< [K] node ids of the centres, by graph, FPS order
  std::vector<Index> centre_ptr;  ///< [G + 1]
  ClusterMembership members;      ///< the k nearest nodes of every centre (the pooled sets)
  std::vector<Index> cluster;     ///< [N] the contraction's partition (nearest centre)
  std::vector<Index> edge_map;    ///< [input edges] new edge of every old edge, or -1
};

/// The functional form: fps -> knn -> reduce -> contract. x [N, F], pos [N, D] on `batch`.
template <class T>
KnnPoolOutput<T> knn_pool(Var<T> x, const Tensor<T>& pos, const GraphBatch& batch,
                          const KnnPoolOptions& options, const CounterRng& rng);

/// The module (no parameters): a Generator gives every forward call a fresh random stream, so a
/// rerun with the same seed repeats the same centres.
template <class T>
class KnnPool : public Module<T> {
 public:
  KnnPool(const KnnPoolOptions& options, std::uint64_t seed);
  KnnPoolOutput<T> forward(Var<T> x, const Tensor<T>& pos, const GraphBatch& batch);
  const KnnPoolOptions& options() const { return options_; }
  Generator& generator() { return gen_; }

 private:
  KnnPoolOptions options_;
  Generator gen_;
};

extern template class KnnPool<float>;
extern template class KnnPool<double>;

}  // namespace graphpool
