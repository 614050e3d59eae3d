#pragma once
/// Graph U-Net (Gao & Ji 2019, PyG `GraphUNet`): an encoder of GCN + top-k pooling steps, a decoder
/// of unpooling (gUnpool) + GCN steps, skip connections by addition (sum_res) or concatenation.
///   down:  x = relu(GCN_0(x, A)); for i = 1..depth: A <- (A + I)^2 without self loops
///          (augment_adj), (x, A) <- TopKPool_i(x, A), x = relu(GCN_i(x, A))
///   up:    for i = 0..depth-1 (level j = depth-1-i): x = skip_j + unpool(x), x = GCN_up_i(x, A_j),
///          relu except after the last
/// Every GCN is PyG's improved GCNConv (A + 2I, obtained by adding a weight-1 self loop before the
/// usual A + I normalisation); edge weights carry through pooling and augmentation as in PyG.
///   GraphUNet<float> net(GraphUNetOptions(16, 32, 4, 3), gen);
///   Var<float> logits = net.forward(x, batch);       // [N, 4] per-node outputs
#include <memory>
#include <vector>

#include "core/module.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"
#include "graph/graph_batch.hpp"
#include "layers/gcn.hpp"
#include "layers/topk_pool.hpp"

namespace graphpool {

struct GraphUNetOptions {
  GraphUNetOptions(Index in_channels, Index hidden_channels, Index out_channels, Index depth)
      : in_channels_(in_channels),
        hidden_channels_(hidden_channels),
        out_channels_(out_channels),
        depth_(depth) {}
  /// Top-k ratio of every pooling step (default 0.5 each, as PyG).
  GraphUNetOptions& pool_ratio(double r) {
    pool_ratio_ = r;
    return *this;
  }
  /// Skip connections by addition (default true, as PyG) or by concatenation.
  GraphUNetOptions& sum_res(bool on) {
    sum_res_ = on;
    return *this;
  }
  Index in_channels_;
  Index hidden_channels_;
  Index out_channels_;
  Index depth_;
  double pool_ratio_ = 0.5;
  bool sum_res_ = true;
};

/// PyG's GraphUNet.augment_adj: (A + I)^2 with existing self loops of A replaced by I and the self
/// loops of the square removed; weights multiply along 2-paths and add over paths (unweighted
/// input edges weigh 1). A is read PyG-style: an edge s -> t is A[s, t]; the result has the
/// incoming edges of every target sorted by source.
Graph augment_adj(const Graph& graph);

/// graph with every self loop dropped and one weight-1 self loop added to every node: GcnNorm of
/// it is PyG's improved normalisation D^-1/2 (A + 2I) D^-1/2.
Graph with_unit_self_loops(const Graph& graph);

template <class T>
class GraphUNet : public Module<T> {
 public:
  GraphUNet(const GraphUNetOptions& options, Generator& gen);
  /// x [N, in] on `batch` -> [N, out]. The structures of this call (pooled graphs, kept nodes)
  /// are kept inside the module until the next forward, so tape.backward() may run after.
  Var<T> forward(Var<T> x, const GraphBatch& batch);
  const GraphUNetOptions& options() const { return options_; }

 private:
  GraphUNetOptions options_;
  std::vector<std::unique_ptr<GcnConv<T>>> down_, up_;
  std::vector<std::unique_ptr<TopKPool<T>>> pools_;
  // per forward: every level's batch (level 0 = input) and every pooling step's output
  std::vector<GraphBatch> levels_;
  std::vector<PoolOutput<T>> pooled_;
};

extern template class GraphUNet<float>;
extern template class GraphUNet<double>;

}  // namespace graphpool
