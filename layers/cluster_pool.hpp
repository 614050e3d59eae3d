#pragma once
/// Local pooling over clusters of nodes: node features x [num_nodes, F] -> [num_clusters, F],
/// one row per cluster, reduced over the cluster's members. A pooling window on an image is a
/// cluster of grid nodes (window_clusters.hpp); the same operators pool irregular meshes and
/// superpixel graphs. Clusters may overlap; an empty cluster gives 0 (and arg -1).
///   ClusterMembership m(4, {0, 2, 4}, {0, 1, 2, 3});       // clusters {0, 1} and {2, 3}
///   Var<float> y = cluster_mean_pool(x, m);                 // [2, F]
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/random.hpp"
#include "core/tape.hpp"

namespace graphpool {

/// Which nodes each cluster holds, in CSR: cluster c is members[member_ptr[c] .. member_ptr[c+1]),
/// in the order reductions visit them (the first arg-max is first in this order). nominal_size
/// optionally gives each cluster a divisor for the mean other than its member count (a padded
/// image window's full size, avg_pool2d's count_include_pad). Cheap to copy (shared storage).
///   ClusterMembership m(5, {0, 3, 5}, {0, 1, 2, 3, 4});
class ClusterMembership {
 public:
  /// No nodes, no clusters.
  ClusterMembership() : ClusterMembership(0, {0}, {}) {}
  /// Validates: member_ptr starts at 0, is non-decreasing and ends at members.size(); node ids in
  /// [0, num_nodes); nominal_size empty or one value >= 1 per cluster. IndexError / ShapeError /
  /// ValueError name the offending position and value.
  ClusterMembership(Index num_nodes, std::vector<Index> member_ptr, std::vector<Index> members,
                    std::vector<Index> nominal_size = {});

  Index num_nodes() const { return data_->num_nodes; }
  Index num_clusters() const { return static_cast<Index>(data_->member_ptr.size()) - 1; }
  std::span<const Index> member_ptr() const { return data_->member_ptr; }
  std::span<const Index> members() const { return data_->members; }
  Index size(Index c) const { return data_->member_ptr[c + 1] - data_->member_ptr[c]; }
  /// The mean's divisor with nominal sizes (falls back to the member count).
  Index nominal_size(Index c) const {
    return data_->nominal.empty() ? size(c) : data_->nominal[static_cast<std::size_t>(c)];
  }
  bool has_nominal_sizes() const { return !data_->nominal.empty(); }

 private:
  struct Data {
    Index num_nodes;
    std::vector<Index> member_ptr, members, nominal;
  };
  std::shared_ptr<const Data> data_;
};

/// Max pooling output plus the node each (cluster, feature) took its value from.
template <class T>
struct ClusterMaxResult {
  Var<T> out;  ///< [num_clusters, F]
  /// [num_clusters * F] row-major: the first arg-max node id, -1 for an empty cluster.
  std::shared_ptr<const std::vector<Index>> arg;
};

/// out[c, f] = max over members i of x[i, f]; backward sends all of the gradient to the first
/// arg-max (torch's max_pool2d rule; torch's amax would split it among ties).
template <class T>
ClusterMaxResult<T> cluster_max_pool(Var<T> x, const ClusterMembership& m);

/// out[c, f] = sum over members of x[i, f] / d_c with d_c = member count, or the nominal size
/// when use_nominal_size (count_include_pad).
template <class T>
Var<T> cluster_mean_pool(Var<T> x, const ClusterMembership& m, bool use_nominal_size = false);

/// out[c, f] = (sum over members |x[i, f]|^p)^(1/p), p >= 1 (ValueError otherwise).
template <class T>
Var<T> cluster_lp_pool(Var<T> x, const ClusterMembership& m, double p);

/// out[c, f] = sum over members softmax(beta x[., f])_i x[i, f] (max-shifted, stable).
template <class T>
Var<T> cluster_softmax_pool(Var<T> x, const ClusterMembership& m, double beta);

/// alpha * max + (1 - alpha) * mean; alpha a scalar Var (one element) that may be trainable:
/// d/d alpha = sum g (max - mean).
template <class T>
Var<T> cluster_mixed_pool(Var<T> x, const ClusterMembership& m, Var<T> alpha,
                          bool use_nominal_size = false);
/// The same with a fixed alpha.
template <class T>
Var<T> cluster_mixed_pool(Var<T> x, const ClusterMembership& m, double alpha,
                          bool use_nominal_size = false);

/// Stochastic pooling. x must be non-negative (ValueError naming the first negative value and
/// its position). With rng (training): out[c, f] = x[i, f] with i drawn with probability
/// x[i, f] / sum, by rng.uniform(f * num_clusters + c), gradient to i; all-zero cluster -> 0.
/// Without rng (eval): out = sum x^2 / sum x, gradient (2 x_i - out) / sum (0 when the sum is 0).
template <class T>
Var<T> cluster_stochastic_pool(Var<T> x, const ClusterMembership& m, std::optional<CounterRng> rng);

/// ValueError naming the first negative (or NaN) value of x and its flat position.
template <class T>
void check_non_negative(const char* op, std::span<const T> x);

}  // namespace graphpool
