#pragma once
/// Power-mean aggregation with a (learnable) power p, PyG's `PowerMeanAggregation(p, learn,
/// channels)` (DeeperGCN): per graph g and feature f,
///   M[g, f]   = mean_{i in g} clamp(x[i, f], 0, 100) ^ p_f
///   out[g, f] = clamp(M[g, f], 0, 100) ^ (1 / p_f)
/// CLAMPING, as PyG: the inputs are clamped to [0, 100] before the power (negative features count
/// as 0; p-th powers of large values cannot overflow), and so is the mean before the root. The
/// clamp passes the gradient where min <= v <= max (torch's rule, bounds included) and 0 outside,
/// so a feature < 0 or > 100 gets no gradient. Where a base is 0, the p-gradient term of that
/// power is 0 (torch's pow rule); an all-zero graph with p > 1 gets NaN gradients (0 * inf), as
/// in torch. An empty graph gives 0 (mean 0). PyG skips both clamps only for a constant p == 1;
/// the module does the same (plain mean), the tape op always clamps.
///   PowerMeanAggregation<float> agg(PowerMeanAggregationOptions().learn(true));
///   Var<float> h = agg.forward(x, batch.node_ptr());   // [num_graphs, F]
#include <span>

#include "core/module.hpp"
#include "core/tape.hpp"

namespace graphpool {

// --- kernels (views, no tape) ------------------------------------------------------------------

/// Forward: out [G, F] and the mean M [G, F] (kept for backward); p has 1 or F entries.
template <class T>
void segment_power_mean(ConstMatrixMap<T> x, std::span<const T> p, std::span<const Index> node_ptr,
                        MatrixMap<T> out, MatrixMap<T> mean);

/// Backward: adds into grad_x (may have 0 rows: not wanted) and grad_p (may be empty); see the
/// top of the file for the clamping rules.
template <class T>
void segment_power_mean_backward(ConstMatrixMap<T> x, std::span<const T> p,
                                 std::span<const Index> node_ptr, ConstMatrixMap<T> out,
                                 ConstMatrixMap<T> mean, ConstMatrixMap<T> grad_out,
                                 MatrixMap<T> grad_x, std::span<T> grad_p);

// --- tape op -----------------------------------------------------------------------------------

/// x [N, F], p [1] or [F] -> [G, F] (always clamped, see above). node_ptr is not copied.
///   Var<double> h = power_mean_aggregation(x, tape.parameter(p), node_ptr);
template <class T>
Var<T> power_mean_aggregation(Var<T> x, Var<T> p, std::span<const Index> node_ptr);

// --- module ------------------------------------------------------------------------------------

/// Options of PowerMeanAggregation (PyG's arguments).
///   PowerMeanAggregationOptions().p(2).learn(true).channels(64)
struct PowerMeanAggregationOptions {
  PowerMeanAggregationOptions() = default;
  /// Initial (or fixed) power (default 1).
  PowerMeanAggregationOptions& p(double value) {
    p_ = value;
    return *this;
  }
  /// Learn p as a parameter "p" (default false).
  PowerMeanAggregationOptions& learn(bool on) {
    learn_ = on;
    return *this;
  }
  /// Number of powers: 1 (shared) or F (one per feature; needs learn, as PyG).
  PowerMeanAggregationOptions& channels(Index c) {
    channels_ = c;
    return *this;
  }
  double p_ = 1.0;
  bool learn_ = false;
  Index channels_ = 1;
};

/// PyG's PowerMeanAggregation as a module; parameter "p" [channels] when learn(true).
///   PowerMeanAggregation<float> agg(PowerMeanAggregationOptions().p(3));
template <class T>
class PowerMeanAggregation : public Module<T> {
 public:
  /// ValueError if channels < 1, channels > 1 without learn, or p == 0.
  explicit PowerMeanAggregation(const PowerMeanAggregationOptions& options = {});
  /// x [N, F] -> [G, F]; a constant p == 1 is the plain mean (no clamping, as PyG).
  Var<T> forward(Var<T> x, std::span<const Index> node_ptr);
  const PowerMeanAggregationOptions& options() const { return options_; }
  /// The power parameter (nullptr unless learn(true)).
  Parameter<T>* p() { return p_; }

 private:
  PowerMeanAggregationOptions options_;
  Parameter<T>* p_ = nullptr;
};

extern template class PowerMeanAggregation<float>;
extern template class PowerMeanAggregation<double>;

}  // namespace graphpool
