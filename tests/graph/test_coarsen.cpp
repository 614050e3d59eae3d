#include "graph/coarsen.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/random.hpp"
#include "tests/support/compare.hpp"
#include "tests/support/random_graph.hpp"

namespace graphpool {
namespace {

using testing::message_of;
using testing::RandomBatchOptions;
using testing::RandomGraphOptions;
using testing::to_vector;

/// A random subset of 0..n-1 in random order (as top-k returns it).
std::vector<Index> random_kept(Index n, Index k, std::uint64_t seed) {
  auto perm = random_permutation(n, CounterRng(seed, 77));
  perm.resize(static_cast<std::size_t>(k));
  return perm;
}

/// PyG's filter_adj written out on a COO list: keep edges with both ends kept, renumber, keep
/// order; then the expected CSR is Graph::from_edges of the filtered list.
Graph naive_filter_adj(Index n, const testing::RandomEdges& coo, const std::vector<Index>& kept) {
  std::vector<Index> pos(static_cast<std::size_t>(n), -1);
  for (std::size_t i = 0; i < kept.size(); ++i) pos[kept[i]] = static_cast<Index>(i);
  std::vector<Index> src, dst;
  std::vector<double> w;
  for (std::size_t e = 0; e < coo.sources.size(); ++e) {
    if (pos[coo.sources[e]] < 0 || pos[coo.targets[e]] < 0) continue;
    src.push_back(pos[coo.sources[e]]);
    dst.push_back(pos[coo.targets[e]]);
    if (!coo.weights.empty()) w.push_back(coo.weights[e]);
  }
  return Graph::from_edges(static_cast<Index>(kept.size()), src, dst, w);
}

TEST(InducedSubgraph, UnsortedKeptNodesByHand) {
  // Edges (COO): 0->1, 2->1, 4->0, 1->2, 4->2, 3->4, 0->4, 2->4
  std::vector<Index> src{0, 2, 4, 1, 4, 3, 0, 2}, dst{1, 1, 0, 2, 2, 4, 4, 4};
  std::vector<double> w{1, 2, 3, 4, 5, 6, 7, 8};
  Graph g = Graph::from_edges(5, src, dst, w);
  std::vector<Index> kept{4, 0, 2};  // new ids: 4 -> 0, 0 -> 1, 2 -> 2
  Subgraph sub = induced_subgraph(g, kept);
  // Into new 0 (old 4): 0->4, 2->4 (3->4 dropped) = sources 1, 2. Into new 1 (old 0): 4->0 = 0.
  // Into new 2 (old 2): 4->2 = 0 (1->2 dropped).
  EXPECT_EQ(to_vector(sub.graph.edge_ptr()), (std::vector<Index>{0, 2, 3, 4}));
  EXPECT_EQ(to_vector(sub.graph.sources()), (std::vector<Index>{1, 2, 0, 0}));
  EXPECT_EQ(to_vector(sub.graph.weights()), (std::vector<double>{7, 8, 3, 5}));
  EXPECT_EQ(sub.node_map, (std::vector<Index>{1, -1, 2, -1, 0}));
  for (Index e = 0; e < sub.graph.num_edges(); ++e) {
    EXPECT_EQ(sub.graph.weight(e), g.weight(sub.edge_ids[static_cast<std::size_t>(e)]));
  }
}

TEST(InducedSubgraph, AgainstNaiveFilterAdjOnRandomGraphs) {
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    const Index n = 1 + static_cast<Index>(seed * 13 % 60);
    const bool weighted = seed % 3 != 0;
    const auto coo = testing::random_edges(n, 3 * n, seed, RandomGraphOptions().weighted(weighted));
    Graph g = Graph::from_edges(n, coo.sources, coo.targets, coo.weights);
    for (Index k : {Index{0}, Index{1}, n / 2, n}) {
      const auto kept = random_kept(n, k, seed + 100 * static_cast<std::uint64_t>(k));
      SCOPED_TRACE(::testing::Message() << "seed " << seed << " n " << n << " k " << k);
      Subgraph sub = induced_subgraph(g, kept);
      EXPECT_EQ(sub.graph, naive_filter_adj(n, coo, kept));
      // edge_ids point at the old edge with the same (renumbered) ends and weight.
      const auto new_t = sub.graph.targets();
      const auto old_t = g.targets();
      ASSERT_EQ(static_cast<Index>(sub.edge_ids.size()), sub.graph.num_edges());
      for (Index e = 0; e < sub.graph.num_edges(); ++e) {
        const Index old = sub.edge_ids[static_cast<std::size_t>(e)];
        EXPECT_EQ(sub.node_map[g.sources()[old]], sub.graph.sources()[e]);
        EXPECT_EQ(sub.node_map[old_t[old]], new_t[e]);
        EXPECT_EQ(g.weight(old), sub.graph.weight(e));
        if (e > 0 && new_t[e] == new_t[e - 1]) {
          EXPECT_LT(sub.edge_ids[e - 1], old);  // original relative order within a target
        }
      }
    }
  }
}

TEST(InducedSubgraph, RejectsBadKeptNodes) {
  Graph g = Graph::from_edges(4, {}, {});
  std::vector<Index> out_of_range{1, 4};
  EXPECT_EQ(message_of<IndexError>([&] { induced_subgraph(g, out_of_range); }),
            "induced_subgraph: kept_nodes[1] = 4 but the graph has 4 nodes");
  std::vector<Index> negative{-1};
  EXPECT_THROW(induced_subgraph(g, negative), IndexError);
  std::vector<Index> twice{2, 0, 2};
  EXPECT_EQ(message_of<IndexError>([&] { induced_subgraph(g, twice); }),
            "induced_subgraph: node 2 is kept twice (kept_nodes[0] and kept_nodes[2])");
}

TEST(InducedSubgraph, EmptyAndSingleNode) {
  Subgraph none = induced_subgraph(Graph(), {});
  EXPECT_EQ(none.graph, Graph());
  std::vector<Index> loop{0}, kept{0};
  Graph one = Graph::from_edges(1, loop, loop);
  Subgraph sub = induced_subgraph(one, kept);
  EXPECT_EQ(sub.graph, one);
  EXPECT_EQ(sub.edge_ids, (std::vector<Index>{0}));
  Subgraph dropped = induced_subgraph(one, {});
  EXPECT_EQ(dropped.graph.num_nodes(), 0);
  EXPECT_EQ(dropped.node_map, (std::vector<Index>{-1}));
}

TEST(InducedSubgraph, BatchMatchesPerGraphSubgraphs) {
  const auto graphs =
      testing::random_graphs(40, 3,
                             RandomBatchOptions().sizes(0, 15).edges_per_node(2.5).graph(
                                 RandomGraphOptions().weighted(true)));
  GraphBatch batch = GraphBatch::collate(graphs);
  // Keep about half of every graph, in a random order inside each graph.
  std::vector<Index> kept;
  std::vector<std::vector<Index>> kept_local;
  for (Index g = 0; g < batch.num_graphs(); ++g) {
    const Index n = batch.graph_size(g);
    kept_local.push_back(random_kept(n, (n + 1) / 2, static_cast<std::uint64_t>(g)));
    for (Index v : kept_local.back()) kept.push_back(batch.node_ptr()[g] + v);
  }
  SubgraphBatch pooled = induced_subgraph(batch, kept);
  ASSERT_EQ(pooled.batch.num_graphs(), batch.num_graphs());
  const auto back = pooled.batch.split();
  for (Index g = 0; g < batch.num_graphs(); ++g) {
    EXPECT_EQ(pooled.batch.graph_size(g), static_cast<Index>(kept_local[g].size()));
    EXPECT_EQ(back[g], induced_subgraph(graphs[g], kept_local[g]).graph) << "graph " << g;
  }
  EXPECT_EQ(pooled.batch.num_edges(), static_cast<Index>(pooled.edge_ids.size()));
}

TEST(InducedSubgraph, BatchRejectsKeptNodesGoingBackAGraph) {
  std::vector<Graph> graphs{Graph::from_edges(3, {}, {}), Graph::from_edges(2, {}, {})};
  GraphBatch batch = GraphBatch::collate(graphs);
  std::vector<Index> kept{2, 0, 4, 1};
  EXPECT_EQ(message_of<ValueError>([&] { induced_subgraph(batch, kept); }),
            "induced_subgraph: kept_nodes must be grouped by graph in graph order, but "
            "kept_nodes[3] = 1 (graph 0) follows kept_nodes[2] = 4 (graph 1)");
  std::vector<Index> out_of_range{5};
  EXPECT_THROW(induced_subgraph(batch, out_of_range), IndexError);
  std::vector<Index> only_second{4};
  SubgraphBatch p = induced_subgraph(batch, only_second);
  EXPECT_EQ(to_vector(p.batch.node_ptr()), (std::vector<Index>{0, 0, 1}));
}

TEST(InducedSubgraph, ThreadCountIndependent) {
  const Index n = 20000;
  const auto g = testing::random_graph(n, 8 * n, 4, RandomGraphOptions().weighted(true));
  const auto kept = random_kept(n, n / 2, 8);
  Subgraph one, two;
  {
    ThreadLimit limit(1);
    one = induced_subgraph(g, kept);
  }
  {
    ThreadLimit limit(2);
    two = induced_subgraph(g, kept);
  }
  EXPECT_EQ(one.graph, two.graph);
  EXPECT_EQ(one.edge_ids, two.edge_ids);
}

/// Naive contraction: a map (target cluster, source cluster) -> summed weight, built by visiting
/// target nodes in ascending order and their edges in CSR order (the documented summation order).
Graph naive_contract(const Graph& g, const std::vector<Index>& cluster, Index C, bool drop,
                     bool weighted_out) {
  std::map<std::pair<Index, Index>, double> sum;
  for (Index t = 0; t < g.num_nodes(); ++t) {
    for (Index e = g.edge_ptr()[t]; e < g.edge_ptr()[t + 1]; ++e) {
      const Index ct = cluster[t], cs = cluster[g.sources()[e]];
      if (drop && ct == cs) continue;
      auto it = sum.find({ct, cs});
      if (it == sum.end()) {
        sum[{ct, cs}] = g.weight(e);
      } else {
        it->second += g.weight(e);
      }
    }
  }
  std::vector<Index> src, dst;
  std::vector<double> w;
  for (const auto& [key, weight] : sum) {  // sorted by (target, source)
    dst.push_back(key.first);
    src.push_back(key.second);
    w.push_back(weight);
  }
  if (!weighted_out) w.clear();
  return Graph::from_edges(C, src, dst, w);
}

TEST(ContractClusters, ByHand) {
  // 0->1, 2->0, 3->2, 2->3, 1->0, 3->0, 0->0 with clusters {0, 1} -> 0, {2, 3} -> 1
  std::vector<Index> src{0, 2, 3, 2, 1, 3, 0}, dst{1, 0, 2, 3, 0, 0, 0};
  std::vector<double> w{1, 2, 4, 8, 16, 32, 64};
  Graph g = Graph::from_edges(4, src, dst, w);
  std::vector<Index> cluster{0, 0, 1, 1};
  Contraction kept =
      contract_clusters(g, cluster, 2, ContractOptions().self_loops(SelfLoops::kKeep));
  // Into 0: from 0 (1 + 16 + 64), from 1 (2 + 32). Into 1: from 1 (4 + 8).
  EXPECT_EQ(to_vector(kept.graph.edge_ptr()), (std::vector<Index>{0, 2, 3}));
  EXPECT_EQ(to_vector(kept.graph.sources()), (std::vector<Index>{0, 1, 1}));
  EXPECT_EQ(to_vector(kept.graph.weights()), (std::vector<double>{81, 34, 12}));
  Contraction dropped = contract_clusters(g, cluster, 2);  // default drops intra-cluster edges
  EXPECT_EQ(to_vector(dropped.graph.edge_ptr()), (std::vector<Index>{0, 1, 1}));
  EXPECT_EQ(to_vector(dropped.graph.sources()), (std::vector<Index>{1}));
  EXPECT_EQ(to_vector(dropped.graph.weights()), (std::vector<double>{34}));
  // edge_map: every old edge 2->0 / 3->0 went into new edge 0, the rest were dropped.
  const auto old_t = g.targets();
  for (Index e = 0; e < g.num_edges(); ++e) {
    const bool crosses = cluster[g.sources()[e]] != cluster[old_t[e]];
    EXPECT_EQ(dropped.edge_map[e], crosses ? 0 : -1) << "edge " << e;
  }
}

TEST(ContractClusters, UnweightedStaysUnweightedUnlessCounting) {
  std::vector<Index> src{0, 1, 2, 0}, dst{2, 2, 0, 2};
  Graph g = Graph::from_edges(3, src, dst);
  std::vector<Index> cluster{0, 0, 1};
  Contraction plain = contract_clusters(g, cluster, 2);
  EXPECT_FALSE(plain.graph.weighted());
  EXPECT_EQ(to_vector(plain.graph.edge_ptr()), (std::vector<Index>{0, 1, 2}));
  Contraction counted = contract_clusters(g, cluster, 2, ContractOptions().count_edges(true));
  EXPECT_EQ(to_vector(counted.graph.weights()), (std::vector<double>{1, 3}));
}

TEST(ContractClusters, AgainstNaiveMapOnRandomGraphs) {
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    const Index n = 1 + static_cast<Index>(seed * 11 % 70);
    const bool weighted = seed % 2 == 0;
    Graph g = testing::random_graph(n, 4 * n, seed, RandomGraphOptions().weighted(weighted));
    const Index C = 1 + static_cast<Index>(seed % 7) * n / 7;  // includes C > used clusters
    const CounterRng rng(seed, 5);
    std::vector<Index> cluster(static_cast<std::size_t>(n));
    for (Index v = 0; v < n; ++v) {
      cluster[v] = static_cast<Index>(rng.below(static_cast<std::uint64_t>(v), C));
    }
    for (bool drop : {false, true}) {
      for (bool count : {false, true}) {
        SCOPED_TRACE(::testing::Message()
                     << "seed " << seed << " drop " << drop << " count " << count);
        const auto opt = ContractOptions()
                             .self_loops(drop ? SelfLoops::kDrop : SelfLoops::kKeep)
                             .count_edges(count);
        Contraction c = contract_clusters(g, cluster, C, opt);
        EXPECT_EQ(c.graph, naive_contract(g, cluster, C, drop, weighted || count));
        const auto old_t = g.targets();
        const auto new_t = c.graph.targets();
        for (Index e = 0; e < g.num_edges(); ++e) {
          const Index to = c.edge_map[e];
          const bool loop = cluster[old_t[e]] == cluster[g.sources()[e]];
          if (drop && loop) {
            EXPECT_EQ(to, -1);
            continue;
          }
          ASSERT_GE(to, 0);
          EXPECT_EQ(c.graph.sources()[to], cluster[g.sources()[e]]);
          EXPECT_EQ(new_t[to], cluster[old_t[e]]);
        }
      }
    }
  }
}

TEST(ContractClusters, Validation) {
  std::vector<Index> src{0}, dst{1};
  Graph g = Graph::from_edges(3, src, dst);
  std::vector<Index> short_cluster{0, 1};
  EXPECT_EQ(message_of<ShapeError>([&] { contract_clusters(g, short_cluster, 2); }),
            "contract_clusters: cluster has 2 entries but the graph has 3 nodes");
  std::vector<Index> bad{0, 2, 1};
  EXPECT_EQ(message_of<IndexError>([&] { contract_clusters(g, bad, 2); }),
            "contract_clusters: node 1 has cluster 2 but num_clusters is 2");
  std::vector<Index> negative{0, -1, 1};
  EXPECT_THROW(contract_clusters(g, negative, 2), IndexError);
  std::vector<Index> ok{0, 1, 1};
  EXPECT_THROW(contract_clusters(g, ok, -1), ValueError);
}

TEST(ContractClusters, EmptySingleAndEdgeless) {
  Contraction none = contract_clusters(Graph(), {}, 0);
  EXPECT_EQ(none.graph, Graph());
  Contraction empty_clusters = contract_clusters(Graph(), {}, 3);
  EXPECT_EQ(empty_clusters.graph, Graph::from_edges(3, {}, {}));
  std::vector<Index> loop{0}, zero{0};
  Graph one = Graph::from_edges(1, loop, loop);
  EXPECT_EQ(contract_clusters(one, zero, 1).graph.num_edges(), 0);
  Contraction kept =
      contract_clusters(one, zero, 1, ContractOptions().self_loops(SelfLoops::kKeep));
  EXPECT_EQ(kept.graph, one);
  EXPECT_EQ(kept.edge_map, (std::vector<Index>{0}));
  std::vector<Index> three{2, 0, 2, 1};
  EXPECT_EQ(contract_clusters(Graph::from_edges(4, {}, {}), three, 3).graph,
            Graph::from_edges(3, {}, {}));
}

TEST(ContractClusters, ThreadCountIndependent) {
  const Index n = 30000, C = 3000;
  const auto g = testing::random_graph(n, 8 * n, 6, RandomGraphOptions().weighted(true));
  std::vector<Index> cluster(static_cast<std::size_t>(n));
  const CounterRng rng(6, 9);
  for (Index v = 0; v < n; ++v) cluster[v] = static_cast<Index>(rng.below(v, C));
  Contraction one, two;
  {
    ThreadLimit limit(1);
    one = contract_clusters(g, cluster, C, ContractOptions().self_loops(SelfLoops::kKeep));
  }
  {
    ThreadLimit limit(2);
    two = contract_clusters(g, cluster, C, ContractOptions().self_loops(SelfLoops::kKeep));
  }
  EXPECT_EQ(one.graph, two.graph);
  EXPECT_EQ(one.edge_map, two.edge_map);
}

}  // namespace
}  // namespace graphpool
