#include "graph/graph.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>

#include "core/errors.hpp"
#include "graph/csr_util.hpp"

namespace graphpool {
namespace {

constexpr Index kNodeGrain = 2048;  // targets per parallel chunk

std::string str(Index v) {
  return std::to_string(v);
}

/// Merges repeated sources inside each target's segment of a CSR built stably from COO order: the
/// first occurrence stays (its position is the earliest), later ones are dropped and their weights
/// are added onto it in COO order. Rebuilds edge_ptr / sources / weights by count -> prefix ->
/// fill.
void merge_duplicates(std::vector<Index>& edge_ptr, std::vector<Index>& sources,
                      std::vector<double>& weights) {
  const Index n = static_cast<Index>(edge_ptr.size()) - 1;
  const bool weighted = !weights.empty();
  std::vector<char> keep(sources.size(), 1);
  std::vector<Index> kept_count(static_cast<std::size_t>(n) + 1, 0);
  // Pass 1 (count): per target, mark every repeat of an earlier source and add its weight onto
  // the first occurrence, in COO order: w[first] = w[first] + w[repeat 1] + w[repeat 2] + ...
  // Short segments compare with the earlier edges directly; long ones sort positions by source.
  parallel_for(0, n, kNodeGrain, [&](Index lo, Index hi) {
    std::vector<Index> order;
    for (Index t = lo; t < hi; ++t) {
      const Index b = edge_ptr[t], e = edge_ptr[t + 1];
      Index count = 0;
      if (e - b <= 32) {
        for (Index i = b; i < e; ++i) {
          Index first = i;
          for (Index j = b; j < i && first == i; ++j) {
            if (keep[j] && sources[j] == sources[i]) first = j;
          }
          if (first == i) {
            ++count;
            continue;
          }
          keep[i] = 0;
          if (weighted) weights[first] += weights[i];
        }
        kept_count[t + 1] = count;
        continue;
      }
      order.resize(static_cast<std::size_t>(e - b));
      std::iota(order.begin(), order.end(), b);
      detail::stable_sort_by(order.begin(), order.end(), [&](Index x) { return sources[x]; });
      for (std::size_t i = 0; i < order.size();) {
        const Index first = order[i];
        std::size_t j = i + 1;
        for (; j < order.size() && sources[order[j]] == sources[first]; ++j) {
          keep[order[j]] = 0;
          if (weighted) weights[first] += weights[order[j]];
        }
        ++count;
        i = j;
      }
      kept_count[t + 1] = count;
    }
  });
  // Prefix sum -> new edge_ptr.
  std::vector<Index> new_ptr(kept_count.size(), 0);
  std::partial_sum(kept_count.begin(), kept_count.end(), new_ptr.begin());
  // Fill: surviving edges of each target in their CSR (= COO) order.
  std::vector<Index> new_sources(static_cast<std::size_t>(new_ptr.back()));
  std::vector<double> new_weights(weighted ? new_sources.size() : 0);
  parallel_for(0, n, kNodeGrain, [&](Index lo, Index hi) {
    for (Index t = lo; t < hi; ++t) {
      Index out = new_ptr[t];
      for (Index e = edge_ptr[t]; e < edge_ptr[t + 1]; ++e) {
        if (!keep[e]) continue;
        new_sources[out] = sources[e];
        if (weighted) new_weights[out] = weights[e];
        ++out;
      }
    }
  });
  edge_ptr = std::move(new_ptr);
  sources = std::move(new_sources);
  weights = std::move(new_weights);
}

}  // namespace

Graph Graph::from_edges(Index num_nodes, std::span<const Index> sources,
                        std::span<const Index> targets, std::span<const double> weights,
                        const GraphOptions& options) {
  const char* where = "Graph::from_edges: ";
  if (num_nodes < 0)
    throw ValueError(where + std::string("num_nodes must be >= 0, got ") + str(num_nodes));
  const Index m = static_cast<Index>(sources.size());
  if (static_cast<Index>(targets.size()) != m) {
    throw ShapeError(where + std::string("sources has ") + str(m) + " entries but targets has " +
                     str(static_cast<Index>(targets.size())));
  }
  const bool weighted = !weights.empty();
  if (weighted && static_cast<Index>(weights.size()) != m) {
    throw ShapeError(where + std::string("weights has ") + str(static_cast<Index>(weights.size())) +
                     " entries but there are " + str(m) +
                     " edges (pass no weights for unweighted)");
  }
  for (Index e = 0; e < m; ++e) {
    if (sources[e] < 0 || sources[e] >= num_nodes) {
      throw IndexError(where + std::string("edge ") + str(e) + " has source " + str(sources[e]) +
                       " but the graph has " + str(num_nodes) + " nodes");
    }
    if (targets[e] < 0 || targets[e] >= num_nodes) {
      throw IndexError(where + std::string("edge ") + str(e) + " has target " + str(targets[e]) +
                       " but the graph has " + str(num_nodes) + " nodes");
    }
    if (weighted && std::isnan(weights[e])) {
      throw ValueError(where + std::string("edge ") + str(e) + " (" + str(sources[e]) + " -> " +
                       str(targets[e]) + ") has weight NaN");
    }
  }
  const bool drop_loops = options.self_loops_ == SelfLoops::kDrop;
  auto kept = [&](Index e) { return !(drop_loops && sources[e] == targets[e]); };

  Graph g;
  // Count: in-degree of every target (over kept edges).
  g.edge_ptr_.assign(static_cast<std::size_t>(num_nodes) + 1, 0);
  for (Index e = 0; e < m; ++e) {
    if (kept(e)) ++g.edge_ptr_[targets[e] + 1];
  }
  // Prefix sum: edge_ptr[t + 1] = sum_{u <= t} in_degree(u).
  std::partial_sum(g.edge_ptr_.begin(), g.edge_ptr_.end(), g.edge_ptr_.begin());
  // Fill, stable: edges of one target keep their COO order.
  g.sources_.resize(static_cast<std::size_t>(g.edge_ptr_.back()));
  if (weighted) g.weights_.resize(g.sources_.size());
  std::vector<Index> cursor(g.edge_ptr_.begin(), g.edge_ptr_.end() - 1);
  for (Index e = 0; e < m; ++e) {
    if (!kept(e)) continue;
    const Index slot = cursor[targets[e]]++;
    g.sources_[slot] = sources[e];
    if (weighted) g.weights_[slot] = weights[e];
  }
  if (options.duplicates_ == Duplicates::kMerge)
    merge_duplicates(g.edge_ptr_, g.sources_, g.weights_);
  return g;
}

Graph Graph::from_csr(std::vector<Index> edge_ptr, std::vector<Index> sources,
                      std::vector<double> weights) {
  const char* where = "Graph::from_csr: ";
  if (edge_ptr.empty()) {
    throw ShapeError(where + std::string("edge_ptr must have num_nodes + 1 >= 1 entries, got 0"));
  }
  if (edge_ptr.front() != 0) {
    throw ValueError(where + std::string("edge_ptr[0] must be 0, got ") + str(edge_ptr.front()));
  }
  const Index n = static_cast<Index>(edge_ptr.size()) - 1;
  for (Index t = 0; t < n; ++t) {
    if (edge_ptr[t + 1] < edge_ptr[t]) {
      throw ValueError(where + std::string("edge_ptr must be non-decreasing, but edge_ptr[") +
                       str(t) + "] = " + str(edge_ptr[t]) + " > edge_ptr[" + str(t + 1) +
                       "] = " + str(edge_ptr[t + 1]));
    }
  }
  const Index m = static_cast<Index>(sources.size());
  if (edge_ptr.back() != m) {
    throw ShapeError(where + std::string("edge_ptr ends at ") + str(edge_ptr.back()) +
                     " but sources has " + str(m) + " entries");
  }
  if (!weights.empty() && static_cast<Index>(weights.size()) != m) {
    throw ShapeError(where + std::string("weights has ") + str(static_cast<Index>(weights.size())) +
                     " entries but there are " + str(m) +
                     " edges (pass no weights for unweighted)");
  }
  for (Index e = 0; e < m; ++e) {
    if (sources[e] < 0 || sources[e] >= n) {
      throw IndexError(where + std::string("edge ") + str(e) + " has source " + str(sources[e]) +
                       " but the graph has " + str(n) + " nodes");
    }
    if (!weights.empty() && std::isnan(weights[e])) {
      throw ValueError(where + std::string("edge ") + str(e) + " has weight NaN");
    }
  }
  Graph g;
  g.edge_ptr_ = std::move(edge_ptr);
  g.sources_ = std::move(sources);
  g.weights_ = std::move(weights);
  return g;
}

std::vector<Index> Graph::targets() const {
  std::vector<Index> out(sources_.size());
  const Index n = num_nodes();
  // targets[e] = t for e in [edge_ptr[t], edge_ptr[t + 1])
  parallel_for(0, n, kNodeGrain, [&](Index lo, Index hi) {
    for (Index t = lo; t < hi; ++t) {
      std::fill(out.begin() + edge_ptr_[t], out.begin() + edge_ptr_[t + 1], t);
    }
  });
  return out;
}

}  // namespace graphpool
