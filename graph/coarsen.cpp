#include "graph/coarsen.hpp"

#include <algorithm>
#include <numeric>
#include <string>
#include <utility>

#include "core/errors.hpp"
#include "graph/csr_util.hpp"

namespace graphpool {
namespace {

constexpr Index kNodeGrain = 1024;  // targets (or clusters) per parallel chunk
constexpr Index kKeptGrain = 256;   // kept nodes per parallel chunk of induced_subgraph

std::string str(Index v) {
  return std::to_string(v);
}

using detail::kOperationsPerEdge;
using detail::prefix_sum_in_place;

/// node_map[old] = position of old in kept, -1 elsewhere; rejects out-of-range and repeated ids.
std::vector<Index> kept_positions(Index num_nodes, std::span<const Index> kept) {
  std::vector<Index> node_map(static_cast<std::size_t>(num_nodes), -1);
  for (Index i = 0; i < static_cast<Index>(kept.size()); ++i) {
    const Index v = kept[i];
    if (v < 0 || v >= num_nodes) {
      throw IndexError("induced_subgraph: kept_nodes[" + str(i) + "] = " + str(v) +
                       " but the graph has " + str(num_nodes) + " nodes");
    }
    if (node_map[v] >= 0) {
      throw IndexError("induced_subgraph: node " + str(v) + " is kept twice (kept_nodes[" +
                       str(node_map[v]) + "] and kept_nodes[" + str(i) + "])");
    }
    node_map[v] = i;
  }
  return node_map;
}

}  // namespace

Subgraph induced_subgraph(const Graph& graph, std::span<const Index> kept_nodes) {
  Subgraph out;
  out.node_map = kept_positions(graph.num_nodes(), kept_nodes);
  const Index k = static_cast<Index>(kept_nodes.size());
  const auto edge_ptr = graph.edge_ptr();
  const auto sources = graph.sources();
  const auto& map = out.node_map;
  // Count: new in-degree of new target i = #{e into kept[i] : map[source(e)] >= 0}.
  std::vector<Index> ptr(static_cast<std::size_t>(k) + 1, 0);
  // work per kept node: a few operations per in-edge, each a load of map[] at a random place
  // (a batch of 128 small graphs is worth two threads; single small graphs run inline)
  const Index per_node =
      2 + kOperationsPerEdge * graph.num_edges() / std::max<Index>(graph.num_nodes(), 1);
  parallel_for(
      0, k, kKeptGrain,
      [&](Index lo, Index hi) {
        for (Index i = lo; i < hi; ++i) {
          const Index t = kept_nodes[i];
          Index c = 0;
          for (Index e = edge_ptr[t]; e < edge_ptr[t + 1]; ++e) c += map[sources[e]] >= 0;
          ptr[i + 1] = c;
        }
      },
      per_node);
  prefix_sum_in_place(ptr);
  // Fill: surviving edges of kept[i], in their CSR (= original) order, sources renumbered.
  const Index m = ptr.back();
  std::vector<Index> new_sources(static_cast<std::size_t>(m));
  std::vector<double> new_weights(graph.weighted() ? new_sources.size() : 0);
  out.edge_ids.resize(static_cast<std::size_t>(m));
  parallel_for(
      0, k, kKeptGrain,
      [&](Index lo, Index hi) {
        for (Index i = lo; i < hi; ++i) {
          const Index t = kept_nodes[i];
          Index slot = ptr[i];
          for (Index e = edge_ptr[t]; e < edge_ptr[t + 1]; ++e) {
            const Index s = map[sources[e]];
            if (s < 0) continue;  // source dropped
            new_sources[slot] = s;
            if (!new_weights.empty()) new_weights[slot] = graph.weights()[e];
            out.edge_ids[slot] = e;
            ++slot;
          }
        }
      },
      per_node);
  out.graph = Graph::from_csr(std::move(ptr), std::move(new_sources), std::move(new_weights));
  return out;
}

SubgraphBatch induced_subgraph(const GraphBatch& batch, std::span<const Index> kept_nodes) {
  const Index n = batch.num_nodes();
  const Index G = batch.num_graphs();
  const auto node_graph = batch.node_graph();
  // Kept counts per graph -> node_ptr of the result; the kept list must not go back a graph.
  std::vector<Index> node_ptr(static_cast<std::size_t>(G) + 1, 0);
  for (Index i = 0; i < static_cast<Index>(kept_nodes.size()); ++i) {
    const Index v = kept_nodes[i];
    if (v < 0 || v >= n) {
      throw IndexError("induced_subgraph: kept_nodes[" + str(i) + "] = " + str(v) +
                       " but the batch has " + str(n) + " nodes");
    }
    if (i > 0 && node_graph[v] < node_graph[kept_nodes[i - 1]]) {
      throw ValueError(
          "induced_subgraph: kept_nodes must be grouped by graph in graph order, but "
          "kept_nodes[" +
          str(i) + "] = " + str(v) + " (graph " + str(node_graph[v]) + ") follows kept_nodes[" +
          str(i - 1) + "] = " + str(kept_nodes[i - 1]) + " (graph " +
          str(node_graph[kept_nodes[i - 1]]) + ")");
    }
    ++node_ptr[node_graph[v] + 1];
  }
  prefix_sum_in_place(node_ptr);
  Subgraph sub = induced_subgraph(batch.graph(), kept_nodes);
  // Edges of the union graph never join two graphs, so neither do those of the subgraph.
  return SubgraphBatch{GraphBatch(std::move(sub.graph), std::move(node_ptr)),
                       std::move(sub.edge_ids), std::move(sub.node_map)};
}

Contraction contract_clusters(const Graph& graph, std::span<const Index> cluster,
                              Index num_clusters, const ContractOptions& options) {
  const Index n = graph.num_nodes();
  const Index C = num_clusters;
  if (C < 0) throw ValueError("contract_clusters: num_clusters must be >= 0, got " + str(C));
  if (static_cast<Index>(cluster.size()) != n) {
    throw ShapeError("contract_clusters: cluster has " + str(static_cast<Index>(cluster.size())) +
                     " entries but the graph has " + str(n) + " nodes");
  }
  const auto edge_ptr = graph.edge_ptr();
  const auto sources = graph.sources();
  // Members of every cluster in node order (count -> prefix sum -> fill), and the number of
  // candidate edges (incoming edges of its members) per cluster.
  std::vector<Index> member_ptr(static_cast<std::size_t>(C) + 1, 0);
  std::vector<Index> cand_ptr(static_cast<std::size_t>(C) + 1, 0);
  for (Index v = 0; v < n; ++v) {
    if (cluster[v] < 0 || cluster[v] >= C) {
      throw IndexError("contract_clusters: node " + str(v) + " has cluster " + str(cluster[v]) +
                       " but num_clusters is " + str(C));
    }
    ++member_ptr[cluster[v] + 1];
    cand_ptr[cluster[v] + 1] += graph.in_degree(v);
  }
  prefix_sum_in_place(member_ptr);
  prefix_sum_in_place(cand_ptr);
  std::vector<Index> members(static_cast<std::size_t>(n));
  {
    std::vector<Index> cursor(member_ptr.begin(), member_ptr.end() - 1);
    for (Index v = 0; v < n; ++v) members[cursor[cluster[v]]++] = v;
  }

  // Pass 1 (count): gather each cluster's candidate edges as (source cluster, old edge id) in
  // (member, CSR) order, drop intra-cluster ones if asked, sort stably by source cluster and
  // count the distinct source clusters.
  const bool drop_loops = options.self_loops_ == SelfLoops::kDrop;
  std::vector<std::pair<Index, Index>> cand(static_cast<std::size_t>(cand_ptr.back()));
  std::vector<Index> cand_len(static_cast<std::size_t>(C), 0);
  std::vector<Index> ptr(static_cast<std::size_t>(C) + 1, 0);
  parallel_for(0, C, kNodeGrain, [&](Index lo, Index hi) {
    for (Index c = lo; c < hi; ++c) {
      const Index begin = cand_ptr[c];
      Index len = 0;
      for (Index j = member_ptr[c]; j < member_ptr[c + 1]; ++j) {
        const Index v = members[j];
        for (Index e = edge_ptr[v]; e < edge_ptr[v + 1]; ++e) {
          const Index cs = cluster[sources[e]];
          if (drop_loops && cs == c) continue;
          cand[begin + len++] = {cs, e};
        }
      }
      detail::stable_sort_by(cand.begin() + begin, cand.begin() + begin + len,
                             [](const std::pair<Index, Index>& p) { return p.first; });
      Index distinct = 0;
      for (Index q = 0; q < len; ++q) {
        distinct += q == 0 || cand[begin + q].first != cand[begin + q - 1].first;
      }
      cand_len[c] = len;
      ptr[c + 1] = distinct;
    }
  });
  prefix_sum_in_place(ptr);

  // Pass 2 (fill): one new edge per run of equal source clusters, w' = sum of the run's weights.
  const bool weighted = graph.weighted() || options.count_edges_;
  const Index m = ptr.back();
  std::vector<Index> new_sources(static_cast<std::size_t>(m));
  std::vector<double> new_weights(weighted ? new_sources.size() : 0);
  Contraction out;
  out.edge_map.assign(static_cast<std::size_t>(graph.num_edges()), -1);
  parallel_for(0, C, kNodeGrain, [&](Index lo, Index hi) {
    for (Index c = lo; c < hi; ++c) {
      const Index begin = cand_ptr[c];
      Index slot = ptr[c] - 1;
      for (Index q = 0; q < cand_len[c]; ++q) {
        const auto [cs, e] = cand[begin + q];
        if (q == 0 || cs != cand[begin + q - 1].first) {
          ++slot;
          new_sources[slot] = cs;
          if (weighted) new_weights[slot] = 0.0;
        }
        if (weighted) new_weights[slot] += graph.weight(e);
        out.edge_map[e] = slot;
      }
    }
  });
  out.graph = Graph::from_csr(std::move(ptr), std::move(new_sources), std::move(new_weights));
  return out;
}

}  // namespace graphpool
