#pragma once
/// Readouts (global pooling per graph of a batch) as segment reductions over `node_ptr`.
///
/// The nodes of graph g are the rows node_ptr[g] .. node_ptr[g + 1] of x [N, F] (contiguous, as in
/// a PyG Batch / GraphBatch); every readout gives out [G, F] with G = node_ptr.size() - 1.
///   Var<float> h = global_mean_pool(x, batch.node_ptr());   // [num_graphs, F]
///
/// Semantics (PyG's global_{add,mean,max}_pool, plus min):
/// - An empty graph gives 0 (and arg index -1; it receives no gradient).
/// - Ties in max/min: ALL the gradient goes to the FIRST arg-max / arg-min (the lowest node index),
///   as F.max_pool2d and torch_scatter's scatter_max. This DIFFERS from torch.amax,
///   scatter_reduce('amax') and segment_reduce('max'), which split it evenly among the tied nodes:
///   x = [1, 1, 0.5] gives grad_x = [1, 0, 0] here and [0.5, 0.5, 0] there. Outputs are the same.
/// - NaN propagates: a NaN anywhere in graph g's column f makes out[g, f] NaN for every readout.
///   For max AND min a NaN counts as the extreme value (like torch's max/amax/amin); the arg index
///   is the first NaN, which receives the whole gradient.
/// - Summation runs in node order for every (graph, feature), so results are bitwise identical for
///   any number of threads; mean is sum / count.
///
/// The kernels (free functions on views, no tape) are in layers/readout_kernels.hpp.
#include <span>

#include "core/module.hpp"
#include "core/tape.hpp"
#include "layers/readout_kernels.hpp"

namespace graphpool {

/// The reduction of a readout.
enum class Readout { kSum, kMean, kMax, kMin };

/// "sum", "mean", "max", "min".
const char* readout_name(Readout readout);

// --- tape ops ---------------------------------------------------------------------------------
// x [N, F] -> [G, F], backward recorded on x's tape. `node_ptr` is NOT copied: the memory it views
// must stay alive (and unchanged) until tape.backward() has run. Max/min keep their arg indices in
// the backward closure (G * F Index values, freed by tape.clear()).

/// PyG's global_add_pool on a contiguous batch.
///   Var<float> h = global_sum_pool(x, batch.node_ptr());
template <class T>
Var<T> global_sum_pool(Var<T> x, std::span<const Index> node_ptr);
/// PyG's global_mean_pool; an empty graph gives 0.
template <class T>
Var<T> global_mean_pool(Var<T> x, std::span<const Index> node_ptr);
/// PyG's global_max_pool; gradient to the first arg-max, NaN propagates (see the top of the file).
template <class T>
Var<T> global_max_pool(Var<T> x, std::span<const Index> node_ptr);
/// The min counterpart of global_max_pool.
template <class T>
Var<T> global_min_pool(Var<T> x, std::span<const Index> node_ptr);
/// One of the four by `readout`.
template <class T>
Var<T> global_pool(Var<T> x, std::span<const Index> node_ptr, Readout readout);

// --- module -----------------------------------------------------------------------------------

/// Options of GlobalPool: which reduction (default mean, PyG's usual readout).
///   GlobalPoolOptions().readout(Readout::kMax)
struct GlobalPoolOptions {
  GlobalPoolOptions() = default;
  /// The reduction applied per graph and feature.
  GlobalPoolOptions& readout(Readout r) {
    readout_ = r;
    return *this;
  }
  Readout readout_ = Readout::kMean;
};

/// A readout as a module (no parameters), for model definitions.
///   GlobalPool<float> pool(GlobalPoolOptions().readout(Readout::kMax));
///   Var<float> h = pool.forward(x, batch.node_ptr());   // [num_graphs, F]
template <class T>
class GlobalPool : public Module<T> {
 public:
  explicit GlobalPool(const GlobalPoolOptions& options = {}) : options_(options) {}
  Var<T> forward(Var<T> x, std::span<const Index> node_ptr) {
    return global_pool(x, node_ptr, options_.readout_);
  }
  const GlobalPoolOptions& options() const { return options_; }

 private:
  GlobalPoolOptions options_;
};

}  // namespace graphpool
