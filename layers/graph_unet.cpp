#include "layers/graph_unet.hpp"

#include <algorithm>
#include <string>

#include "core/errors.hpp"
#include "core/ops.hpp"
#include "layers/gcn_norm.hpp"
#include "layers/unpool.hpp"

namespace graphpool {

Graph augment_adj(const Graph& graph) {
  const Index N = graph.num_nodes();
  const auto ptr = graph.edge_ptr();
  const auto src = graph.sources();
  // A2[s, t] = sum_k A'[s, k] A'[k, t], A' = A without self loops + I; a path s -> k -> t
  // with k -> t an incoming edge of t (or k = t) and s -> k an incoming edge of k (or s = k)
  std::vector<double> acc(static_cast<std::size_t>(N), 0.0);
  std::vector<char> seen(static_cast<std::size_t>(N), 0);
  std::vector<Index> touched, out_ptr{0}, out_src;
  std::vector<double> out_w;
  auto visit = [&](Index k, double w_kt, Index t) {
    // s = k through the self loop of k
    auto add = [&](Index s, double w) {
      if (s == t) return;
      if (!seen[s]) seen[s] = 1, touched.push_back(s);
      acc[s] += w;
    };
    add(k, w_kt);
    for (Index e = ptr[k]; e < ptr[k + 1]; ++e) {
      if (src[e] == k) continue;
      add(src[e], graph.weight(e) * w_kt);
    }
  };
  for (Index t = 0; t < N; ++t) {
    touched.clear();
    visit(t, 1.0, t);  // k = t through the self loop of t
    for (Index e = ptr[t]; e < ptr[t + 1]; ++e) {
      if (src[e] == t) continue;
      visit(src[e], graph.weight(e), t);
    }
    std::sort(touched.begin(), touched.end());
    for (Index s : touched) {
      out_src.push_back(s);
      out_w.push_back(acc[s]);
      acc[s] = 0.0;
      seen[s] = 0;
    }
    out_ptr.push_back(static_cast<Index>(out_src.size()));
  }
  // a weighted graph even when it has no edges left would read as unweighted: fine either way
  return Graph::from_csr(std::move(out_ptr), std::move(out_src), std::move(out_w));
}

Graph with_unit_self_loops(const Graph& graph) {
  const Index N = graph.num_nodes();
  const auto ptr = graph.edge_ptr();
  const auto src = graph.sources();
  std::vector<Index> out_ptr{0}, out_src;
  std::vector<double> out_w;
  for (Index t = 0; t < N; ++t) {
    for (Index e = ptr[t]; e < ptr[t + 1]; ++e) {
      if (src[e] == t) continue;
      out_src.push_back(src[e]);
      out_w.push_back(graph.weight(e));
    }
    out_src.push_back(t);
    out_w.push_back(1.0);
    out_ptr.push_back(static_cast<Index>(out_src.size()));
  }
  return Graph::from_csr(std::move(out_ptr), std::move(out_src), std::move(out_w));
}

template <class T>
GraphUNet<T>::GraphUNet(const GraphUNetOptions& options, Generator& gen) : options_(options) {
  const Index D = options.depth_, H = options.hidden_channels_;
  if (D < 1) throw ValueError("GraphUNet: depth must be >= 1, got " + std::to_string(D));
  if (options.in_channels_ < 1 || H < 1 || options.out_channels_ < 1) {
    throw ValueError("GraphUNet: channels must be >= 1, got in " +
                     std::to_string(options.in_channels_) + ", hidden " + std::to_string(H) +
                     ", out " + std::to_string(options.out_channels_));
  }
  // PyG's construction order: down convs and pools interleaved, then the up convs
  down_.push_back(std::make_unique<GcnConv<T>>(GcnConvOptions(options.in_channels_, H), gen));
  for (Index i = 0; i < D; ++i) {
    pools_.push_back(
        std::make_unique<TopKPool<T>>(TopKPoolOptions(H).ratio(options.pool_ratio_), gen));
    down_.push_back(std::make_unique<GcnConv<T>>(GcnConvOptions(H, H), gen));
  }
  const Index up_in = options.sum_res_ ? H : 2 * H;
  for (Index i = 0; i < D; ++i) {
    const Index out = i + 1 < D ? H : options.out_channels_;
    up_.push_back(std::make_unique<GcnConv<T>>(GcnConvOptions(up_in, out), gen));
  }
  for (Index i = 0; i <= D; ++i)
    this->register_module("down_convs." + std::to_string(i), *down_[i]);
  for (Index i = 0; i < D; ++i) this->register_module("pools." + std::to_string(i), *pools_[i]);
  for (Index i = 0; i < D; ++i) this->register_module("up_convs." + std::to_string(i), *up_[i]);
}

template <class T>
Var<T> GraphUNet<T>::forward(Var<T> x, const GraphBatch& batch) {
  const Index D = options_.depth_;
  levels_.clear();
  pooled_.clear();
  levels_.reserve(static_cast<std::size_t>(D + 1));
  pooled_.reserve(static_cast<std::size_t>(D));
  levels_.push_back(batch);
  std::vector<Var<T>> skips;
  x = relu(down_[0]->forward(x, GcnNorm<T>(with_unit_self_loops(batch.graph()))));
  skips.push_back(x);
  for (Index i = 1; i <= D; ++i) {
    // A <- (A + I)^2 without loops, then top-k pooling on it, then GCN on the pooled graph
    const GraphBatch& prev = levels_.back();
    GraphBatch augmented(augment_adj(prev.graph()),
                         std::vector<Index>(prev.node_ptr().begin(), prev.node_ptr().end()));
    pooled_.push_back(pools_[i - 1]->forward(x, augmented));
    const PoolOutput<T>& p = pooled_.back();
    levels_.push_back(p.batch);
    x = relu(down_[i]->forward(p.x, GcnNorm<T>(with_unit_self_loops(p.batch.graph()))));
    if (i < D) skips.push_back(x);
  }
  for (Index i = 0; i < D; ++i) {
    const Index j = D - 1 - i;
    // up = zeros with up[perm_j] = x;  x = skip_j + up (or [skip_j, up])
    Var<T> up = unpool(x, pooled_[j].selection);
    x = options_.sum_res_ ? add(skips[j], up) : concat_cols({skips[j], up});
    x = up_[i]->forward(x, GcnNorm<T>(with_unit_self_loops(levels_[j].graph())));
    if (i + 1 < D) x = relu(x);
  }
  return x;
}

template class GraphUNet<float>;
template class GraphUNet<double>;

}  // namespace graphpool
