#include "tests/support/random_graph.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_set>
#include <utility>

#include "core/errors.hpp"
#include "core/random.hpp"

namespace graphpool::testing {
namespace {

/// Number of distinct pairs the options allow on n nodes.
Index capacity(Index n, const RandomGraphOptions& o) {
  if (o.undirected_) return o.self_loops_ ? n * (n + 1) / 2 : n * (n - 1) / 2;
  return o.self_loops_ ? n * n : n * (n - 1);
}

/// Every allowed pair in canonical order (u <= v when undirected).
std::vector<std::pair<Index, Index>> all_pairs(Index n, const RandomGraphOptions& o) {
  std::vector<std::pair<Index, Index>> out;
  for (Index u = 0; u < n; ++u) {
    for (Index v = o.undirected_ ? u : 0; v < n; ++v) {
      if (u == v && !o.self_loops_) continue;
      out.emplace_back(u, v);
    }
  }
  return out;
}

}  // namespace

RandomEdges random_edges(Index num_nodes, Index num_edges, std::uint64_t seed,
                         const RandomGraphOptions& o) {
  const Index n = num_nodes;
  if (n < 0 || num_edges < 0) {
    throw ValueError("random_edges: num_nodes and num_edges must be >= 0, got " +
                     std::to_string(n) + " and " + std::to_string(num_edges));
  }
  const Index cap = capacity(n, o);
  if (num_edges > 0 && cap == 0) {
    throw ValueError("random_edges: no edge is possible on " + std::to_string(n) +
                     " nodes with these options, but num_edges is " + std::to_string(num_edges));
  }
  if (o.distinct_ && num_edges > cap) {
    throw ValueError("random_edges: " + std::to_string(num_edges) +
                     " distinct pairs requested but " + std::to_string(n) + " nodes allow only " +
                     std::to_string(cap));
  }
  const CounterRng pair_rng(seed, 0), weight_rng(seed, 1);
  const auto un = static_cast<std::uint64_t>(n);
  // One draw k: u ~ U{0..n-1}, v ~ U{0..n-1} (or U over the n - 1 nodes != u without self loops).
  auto draw = [&](std::uint64_t k) {
    const auto u = static_cast<Index>(pair_rng.below(2 * k, un));
    Index v;
    if (o.self_loops_) {
      v = static_cast<Index>(pair_rng.below(2 * k + 1, un));
    } else {
      v = static_cast<Index>(pair_rng.below(2 * k + 1, un - 1));
      if (v >= u) ++v;
    }
    return std::pair<Index, Index>(u, v);
  };

  std::vector<std::pair<Index, Index>> pairs;
  pairs.reserve(static_cast<std::size_t>(num_edges));
  if (!o.distinct_) {
    for (Index k = 0; k < num_edges; ++k) pairs.push_back(draw(static_cast<std::uint64_t>(k)));
  } else if (2 * num_edges > cap) {
    // Dense: a random order of all pairs, first num_edges of it (the orientation of an undirected
    // pair is a coin flip from its own stream).
    const auto every = all_pairs(n, o);
    const auto order = random_permutation(static_cast<Index>(every.size()), CounterRng(seed, 2));
    for (Index k = 0; k < num_edges; ++k) {
      auto p = every[static_cast<std::size_t>(order[static_cast<std::size_t>(k)])];
      if (o.undirected_ && CounterRng(seed, 3).uniform(static_cast<std::uint64_t>(k)) < 0.5) {
        std::swap(p.first, p.second);
      }
      pairs.push_back(p);
    }
  } else {
    // Sparse: rejection of repeats, keyed by the canonical pair.
    std::unordered_set<Index> seen;
    for (std::uint64_t k = 0; static_cast<Index>(pairs.size()) < num_edges; ++k) {
      const auto p = draw(k);
      const Index a = o.undirected_ ? std::min(p.first, p.second) : p.first;
      const Index b = o.undirected_ ? std::max(p.first, p.second) : p.second;
      if (seen.insert(a * n + b).second) pairs.push_back(p);
    }
  }

  RandomEdges out;
  for (Index k = 0; k < num_edges; ++k) {
    const auto [u, v] = pairs[static_cast<std::size_t>(k)];
    const double w = o.weight_lo_ + (o.weight_hi_ - o.weight_lo_) *
                                        weight_rng.uniform(static_cast<std::uint64_t>(k));
    out.sources.push_back(u);
    out.targets.push_back(v);
    if (o.weighted_) out.weights.push_back(w);
    if (o.undirected_ && u != v) {
      out.sources.push_back(v);
      out.targets.push_back(u);
      if (o.weighted_) out.weights.push_back(w);
    }
  }
  return out;
}

Graph random_graph(Index num_nodes, Index num_edges, std::uint64_t seed,
                   const RandomGraphOptions& options) {
  const RandomEdges e = random_edges(num_nodes, num_edges, seed, options);
  return Graph::from_edges(num_nodes, e.sources, e.targets, e.weights);
}

RandomBatchOptions proteins_like() {
  return RandomBatchOptions()
      .sizes(20, 60)
      .edges_per_node(150.0 / 80.0)
      .graph(RandomGraphOptions().undirected(true).distinct(true).self_loops(false));
}

std::vector<Graph> random_graphs(Index num_graphs, std::uint64_t seed,
                                 const RandomBatchOptions& o) {
  if (o.min_nodes_ < 0 || o.max_nodes_ < o.min_nodes_) {
    throw ValueError("random_graphs: sizes must satisfy 0 <= lo <= hi, got [" +
                     std::to_string(o.min_nodes_) + ", " + std::to_string(o.max_nodes_) + "]");
  }
  const CounterRng size_rng(seed, 10), seed_rng(seed, 11);
  const auto span = static_cast<std::uint64_t>(o.max_nodes_ - o.min_nodes_ + 1);
  std::vector<Graph> out;
  out.reserve(static_cast<std::size_t>(num_graphs));
  for (Index g = 0; g < num_graphs; ++g) {
    const auto ug = static_cast<std::uint64_t>(g);
    const Index n = o.min_nodes_ + static_cast<Index>(size_rng.below(ug, span));
    Index m = static_cast<Index>(std::llround(static_cast<double>(n) * o.edges_per_node_));
    const Index cap = capacity(n, o.graph_);
    if (o.graph_.distinct_ || cap == 0) m = std::min(m, cap);
    out.push_back(random_graph(n, m, seed_rng.bits(ug), o.graph_));
  }
  return out;
}

GraphBatch random_batch(Index num_graphs, std::uint64_t seed, const RandomBatchOptions& options) {
  const std::vector<Graph> graphs = random_graphs(num_graphs, seed, options);
  return GraphBatch::collate(graphs);
}

}  // namespace graphpool::testing
