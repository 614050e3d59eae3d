#include "graph/boost_graph.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>

namespace graphpool {

BoostCsrGraph to_boost_csr(const Graph& graph) {
  const Index m = graph.num_edges();
  const std::vector<Index> targets = graph.targets();
  std::vector<std::size_t> src(static_cast<std::size_t>(m)), dst(static_cast<std::size_t>(m));
  std::vector<BoostEdge> props(static_cast<std::size_t>(m));
  for (Index e = 0; e < m; ++e) {
    src[e] = static_cast<std::size_t>(graph.sources()[e]);
    dst[e] = static_cast<std::size_t>(targets[e]);
    props[e] = BoostEdge{graph.weight(e), e};
  }
  // BGL sorts by source itself (vectors are consumed).
  return BoostCsrGraph(boost::construct_inplace_from_sources_and_targets, src, dst, props,
                       static_cast<std::size_t>(graph.num_nodes()));
}

BoostUndirectedGraph to_boost_undirected(const Graph& graph) {
  const Index m = graph.num_edges();
  const std::vector<Index> targets = graph.targets();
  // (min end, max end, CSR id), sorted: the first of each run is the pair's first edge in CSR
  // order.
  struct Pair {
    Index a, b, id;
  };
  std::vector<Pair> pairs(static_cast<std::size_t>(m));
  for (Index e = 0; e < m; ++e) {
    const Index u = graph.sources()[e], v = targets[e];
    pairs[e] = Pair{std::min(u, v), std::max(u, v), e};
  }
  std::sort(pairs.begin(), pairs.end(), [](const Pair& x, const Pair& y) {
    return x.a != y.a ? x.a < y.a : x.b != y.b ? x.b < y.b : x.id < y.id;
  });
  BoostUndirectedGraph out(static_cast<std::size_t>(graph.num_nodes()));
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (i > 0 && pairs[i].a == pairs[i - 1].a && pairs[i].b == pairs[i - 1].b) continue;
    boost::add_edge(static_cast<std::size_t>(pairs[i].a), static_cast<std::size_t>(pairs[i].b),
                    BoostEdge{graph.weight(pairs[i].id), pairs[i].id}, out);
  }
  return out;
}

}  // namespace graphpool
