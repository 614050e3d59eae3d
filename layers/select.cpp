#include "layers/select.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>

#include "core/dot.hpp"
#include "core/errors.hpp"
#include "core/parallel.hpp"
#include "graph/coarsen.hpp"

namespace graphpool {

namespace {

constexpr Index kGraphGrain = 16;  // graphs per parallel chunk

std::string str(Index v) {
  return std::to_string(v);
}

std::string num(double v) {
  std::string s = std::to_string(v);
  return s;
}

void check_node_ptr(const char* who, std::span<const Index> node_ptr, Index n) {
  if (node_ptr.empty() || node_ptr.front() != 0 || node_ptr.back() != n) {
    throw ShapeError(std::string(who) + ": node_ptr must run from 0 to " + str(n) + " (the " +
                     "number of scores), got " +
                     (node_ptr.empty() ? std::string("an empty node_ptr")
                                       : str(node_ptr.front()) + " .. " + str(node_ptr.back())));
  }
}

// f(s) and f'(s) expressed through y = f(s)
template <class T>
T gate_value(PoolNonlinearity f, T s) {
  switch (f) {
    case PoolNonlinearity::kTanh:
      return std::tanh(s);
    case PoolNonlinearity::kSigmoid:
      return T(1) / (T(1) + std::exp(-s));
    case PoolNonlinearity::kNone:
      break;
  }
  return s;
}
template <class T>
T gate_derivative(PoolNonlinearity f, T y) {
  switch (f) {
    case PoolNonlinearity::kTanh:
      return T(1) - y * y;  // d tanh = 1 - tanh^2
    case PoolNonlinearity::kSigmoid:
      return y * (T(1) - y);
    case PoolNonlinearity::kNone:
      break;
  }
  return T(1);
}

}  // namespace

void SelectOptions::validate(const char* who) const {
  if (min_score_ && k_) {
    throw ValueError(std::string(who) + ": set either k or min_score, not both (k = " + str(*k_) +
                     ", min_score = " + num(*min_score_) + ")");
  }
  if (min_score_) {
    if (std::isnan(*min_score_)) throw ValueError(std::string(who) + ": min_score is NaN");
    return;
  }
  if (k_) {
    if (*k_ < 1) throw ValueError(std::string(who) + ": k must be >= 1, got " + str(*k_));
    return;
  }
  if (!(ratio_ > 0.0 && ratio_ <= 1.0)) {
    throw ValueError(std::string(who) + ": ratio must be in (0, 1], got " + num(ratio_));
  }
}

Index top_k_count(Index n, const SelectOptions& options) {
  if (n <= 0) return 0;
  if (options.k_) return std::min(n, *options.k_);
  // k = ceil(ratio * n) in float32, as PyG (a ratio below float's range still keeps one node)
  const float kf = std::ceil(static_cast<float>(options.ratio_) * static_cast<float>(n));
  return std::clamp(static_cast<Index>(kf), Index{1}, n);
}

template <class T>
SelectOutput<T>::SelectOutput(std::vector<Index> kept, std::vector<Index> kept_ptr,
                              std::vector<T> score, std::span<const Index> node_ptr)
    : kept_(std::move(kept)), kept_ptr_(std::move(kept_ptr)), score_(std::move(score)) {
  const char* who = "SelectOutput";
  const Index K = size();
  if (node_ptr.empty()) throw ShapeError("SelectOutput: node_ptr must have >= 1 entries, got 0");
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  num_nodes_ = node_ptr.back();
  if (static_cast<Index>(kept_ptr_.size()) != G + 1) {
    throw ShapeError(std::string(who) + ": kept_ptr has " +
                     str(static_cast<Index>(kept_ptr_.size())) + " entries but there are " +
                     str(G) + " graphs (expected " + str(G + 1) + ")");
  }
  if (static_cast<Index>(score_.size()) != K) {
    throw ShapeError(std::string(who) + ": " + str(K) + " kept nodes but " +
                     str(static_cast<Index>(score_.size())) + " scores");
  }
  if (kept_ptr_.front() != 0 || kept_ptr_.back() != K) {
    throw ValueError(std::string(who) + ": kept_ptr must run from 0 to " + str(K) + ", got " +
                     str(kept_ptr_.front()) + " .. " + str(kept_ptr_.back()));
  }
  std::vector<char> seen(static_cast<std::size_t>(std::max<Index>(num_nodes_, 0)), 0);
  for (Index g = 0; g < G; ++g) {
    if (kept_ptr_[g + 1] < kept_ptr_[g]) {
      throw ValueError(std::string(who) + ": kept_ptr decreases at graph " + str(g) + " (" +
                       str(kept_ptr_[g]) + " > " + str(kept_ptr_[g + 1]) + ")");
    }
    if (kept_ptr_[g + 1] - kept_ptr_[g] > node_ptr[g + 1] - node_ptr[g]) {
      throw ValueError(std::string(who) + ": graph " + str(g) + " keeps " +
                       str(kept_ptr_[g + 1] - kept_ptr_[g]) + " nodes but has only " +
                       str(node_ptr[g + 1] - node_ptr[g]));
    }
    for (Index i = kept_ptr_[g]; i < kept_ptr_[g + 1]; ++i) {
      const Index v = kept_[i];
      if (v < node_ptr[g] || v >= node_ptr[g + 1]) {
        throw IndexError(std::string(who) + ": kept[" + str(i) + "] = " + str(v) +
                         " is not a node of graph " + str(g) + " (nodes " + str(node_ptr[g]) +
                         " .. " + str(node_ptr[g + 1] - 1) + ")");
      }
      if (seen[static_cast<std::size_t>(v)]++) {
        throw ValueError(std::string(who) + ": node " + str(v) + " is kept twice");
      }
      if (std::isnan(score_[i])) {
        throw ValueError(std::string(who) + ": score of kept node " + str(v) + " is NaN");
      }
      if (i > kept_ptr_[g]) {
        const T prev = score_[i - 1], cur = score_[i];
        if (cur > prev || (cur == prev && v < kept_[i - 1])) {
          throw ValueError(std::string(who) + ": kept[" + str(i) + "] = " + str(v) + " (score " +
                           num(static_cast<double>(cur)) + ") is out of order after " +
                           str(kept_[i - 1]) + " (score " + num(static_cast<double>(prev)) +
                           "): expected descending score, ties by ascending id");
        }
      }
    }
  }
}

template <class T>
SelectOutput<T> select_top_k(std::span<const T> score, std::span<const Index> node_ptr,
                             const SelectOptions& options) {
  options.validate("select_top_k");
  const Index N = static_cast<Index>(score.size());
  check_node_ptr("select_top_k", node_ptr, N);
  for (Index i = 0; i < N; ++i) {
    if (std::isnan(score[i])) {
      throw ValueError("select_top_k: score of node " + str(i) + " is NaN");
    }
  }
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  // Threshold of every graph under min_score: min(min_score, max_g - tol), kept when s > it.
  std::vector<T> threshold;
  std::vector<Index> kept_ptr(static_cast<std::size_t>(G + 1), 0);
  if (options.min_score_) {
    threshold.resize(static_cast<std::size_t>(G));
    parallel_for(0, G, kGraphGrain, [&](Index lo, Index hi) {
      for (Index g = lo; g < hi; ++g) {
        const Index a = node_ptr[g], b = node_ptr[g + 1];
        if (a == b) continue;
        const T max_g = *std::max_element(score.begin() + a, score.begin() + b);
        threshold[g] =
            std::min(static_cast<T>(*options.min_score_), max_g - static_cast<T>(options.tol_));
        Index count = 0;
        for (Index i = a; i < b; ++i) count += score[i] > threshold[g];
        kept_ptr[g + 1] = count;
      }
    });
  } else {
    for (Index g = 0; g < G; ++g)
      kept_ptr[g + 1] = top_k_count(node_ptr[g + 1] - node_ptr[g], options);
  }
  for (Index g = 0; g < G; ++g) kept_ptr[g + 1] += kept_ptr[g];
  const Index K = kept_ptr[G];
  std::vector<Index> kept(static_cast<std::size_t>(K));
  std::vector<T> kept_score(static_cast<std::size_t>(K));
  // Per graph: the k best by (descending score, ascending id), a strict total order, so the
  // result does not depend on the sort algorithm or the thread count.
  // (score, id) pairs sorted directly: no indirect loads in the comparisons.
  parallel_for(0, G, kGraphGrain, [&](Index lo, Index hi) {
    std::vector<std::pair<T, Index>> ids;
    for (Index g = lo; g < hi; ++g) {
      const Index a = node_ptr[g], b = node_ptr[g + 1];
      const Index k = kept_ptr[g + 1] - kept_ptr[g];
      if (k == 0) continue;
      ids.clear();
      if (options.min_score_) {
        for (Index i = a; i < b; ++i) {
          if (score[i] > threshold[g]) ids.emplace_back(score[i], i);
        }
      } else {
        for (Index i = a; i < b; ++i) ids.emplace_back(score[i], i);
      }
      auto better = [](const std::pair<T, Index>& u, const std::pair<T, Index>& v) {
        return u.first > v.first || (u.first == v.first && u.second < v.second);
      };
      // (a strict total order: every algorithm gives the same k; a full sort beats the heap of
      // partial_sort on the small graphs that dominate, nth_element first on large ones)
      const auto kth = ids.begin() + k;
      if (ids.size() > 256 && kth != ids.end())
        std::nth_element(ids.begin(), kth, ids.end(), better);
      std::sort(ids.begin(), ids.size() > 256 ? kth : ids.end(), better);
      for (Index j = 0; j < k; ++j) {
        kept[kept_ptr[g] + j] = ids[j].second;
        kept_score[kept_ptr[g] + j] = ids[j].first;
      }
    }
  });
  return SelectOutput<T>(std::move(kept), std::move(kept_ptr), std::move(kept_score), node_ptr);
}

template <class T>
Var<T> segment_softmax(Var<T> score, std::span<const Index> node_ptr) {
  Tape<T>& tape = *score.tape;
  const Index N = score.value().numel();
  check_node_ptr("segment_softmax", node_ptr, N);
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  std::vector<Index> ptr(node_ptr.begin(), node_ptr.end());
  Var<T> out = tape.make(Shape{N}, {score});
  {
    const T* s = tape.value(score).data();
    T* y = tape.mutable_value(out).data();
    // y_i = exp(s_i - max_g) / (sum_{j in g} exp(s_j - max_g) + 1e-16)
    parallel_for(0, G, kGraphGrain, [&](Index lo, Index hi) {
      for (Index g = lo; g < hi; ++g) {
        const Index a = ptr[g], b = ptr[g + 1];
        if (a == b) continue;
        const T m = *std::max_element(s + a, s + b);
        T total = T(0);
        for (Index i = a; i < b; ++i) total += (y[i] = std::exp(s[i] - m));
        total += static_cast<T>(1e-16);
        for (Index i = a; i < b; ++i) y[i] /= total;
      }
    });
  }
  // ds_i += y_i (dy_i - sum_{j in g} y_j dy_j)
  tape.on_backward(out, [score, out, ptr = std::move(ptr), G](Tape<T>& t) {
    if (!t.requires_grad(score)) return;
    const T* y = t.value(out).data();
    const T* dy = t.grad(out).data();
    T* ds = t.grad(score).data();
    parallel_for(0, G, kGraphGrain, [&](Index lo, Index hi) {
      for (Index g = lo; g < hi; ++g) {
        T dot = T(0);
        for (Index i = ptr[g]; i < ptr[g + 1]; ++i) dot += y[i] * dy[i];
        for (Index i = ptr[g]; i < ptr[g + 1]; ++i) ds[i] += y[i] * (dy[i] - dot);
      }
    });
  });
  return out;
}

template <class T>
Var<T> gather_gate(Var<T> score, std::span<const Index> kept, PoolNonlinearity f) {
  Tape<T>& tape = *score.tape;
  const Index N = score.value().numel();
  const Index K = static_cast<Index>(kept.size());
  for (Index i = 0; i < K; ++i) {
    if (kept[i] < 0 || kept[i] >= N) {
      throw IndexError("gather_gate: kept[" + str(i) + "] = " + str(kept[i]) + " is outside [0, " +
                       str(N) + ")");
    }
  }
  std::vector<Index> index(kept.begin(), kept.end());
  Var<T> out = tape.make(Shape{K}, {score});
  {
    const T* s = tape.value(score).data();
    T* y = tape.mutable_value(out).data();
    // gate_i = f(score[kept_i])
    for (Index i = 0; i < K; ++i) y[i] = gate_value(f, s[index[i]]);
  }
  // dscore[kept_i] += f'(score[kept_i]) dgate_i (sequential: kept may in principle repeat)
  tape.on_backward(out, [score, out, index = std::move(index), f](Tape<T>& t) {
    if (!t.requires_grad(score)) return;
    const T* y = t.value(out).data();
    const T* dy = t.grad(out).data();
    T* ds = t.grad(score).data();
    for (std::size_t i = 0; i < index.size(); ++i) ds[index[i]] += gate_derivative(f, y[i]) * dy[i];
  });
  return out;
}

template <class T>
Var<T> gated_gather(Var<T> x, std::span<const Index> kept, Var<T> gate) {
  Tape<T>& tape = *x.tape;
  check_rank("gated_gather: x", x.shape(), 2);
  const Index N = x.shape()[0], F = x.shape()[1];
  const Index K = static_cast<Index>(kept.size());
  if (gate.value().numel() != K) {
    throw ShapeError("gated_gather: " + str(K) + " kept rows but gate has shape " +
                     gate.shape().str());
  }
  // position[r] = i when kept[i] = r, -1 for a dropped row (also detects repeats)
  std::vector<Index> position(static_cast<std::size_t>(N), -1);
  for (Index i = 0; i < K; ++i) {
    if (kept[i] < 0 || kept[i] >= N) {
      throw IndexError("gated_gather: kept[" + str(i) + "] = " + str(kept[i]) + " is outside [0, " +
                       str(N) + ")");
    }
    Index& p = position[static_cast<std::size_t>(kept[i])];
    if (p >= 0) {
      throw ValueError("gated_gather: row " + str(kept[i]) + " is kept twice (at " + str(i) + ")");
    }
    p = i;
  }
  std::vector<Index> index(kept.begin(), kept.end());
  Var<T> out = tape.make(Shape{K, F}, {x, gate});
  {
    const T* xv = tape.value(x).data();
    const T* g = tape.value(gate).data();
    T* y = tape.mutable_value(out).data();
    // out[i] = x[kept_i] * gate_i
    parallel_for(
        0, K, rows_per_chunk(F, 16),
        [&](Index lo, Index hi) {
          for (Index i = lo; i < hi; ++i) {
            const T* xr = xv + index[i] * F;
            T* yr = y + i * F;
            const T gi = g[i];
            for (Index c = 0; c < F; ++c) yr[c] = xr[c] * gi;
          }
        },
        F);
  }
  // dx[kept_i] += gate_i dout_i;  dgate_i += dout_i . x[kept_i]   (kept distinct: no races)
  tape.on_backward(
      out, [x, gate, out, index = std::move(index), position = std::move(position), F](Tape<T>& t) {
        const bool need_x = t.requires_grad(x), need_gate = t.requires_grad(gate);
        const T* xv = t.value(x).data();
        const T* g = t.value(gate).data();
        const T* dy = t.grad(out).data();
        bool fresh_x = false, fresh_gate = false;
        T* dx = need_x ? t.grad_for_write(x, fresh_x).data() : nullptr;
        T* dg = need_gate ? t.grad_for_write(gate, fresh_gate).data() : nullptr;
        // dgate_i (=|+=) dout_i . x[kept_i]
        auto gate_row = [&](Index i, const T* xr) {
          const T d = dot8(dy + i * F, xr, F);
          dg[i] = fresh_gate ? d : dg[i] + d;
        };
        if (fresh_x) {
          // One pass over the rows of dx, writing each once: gate_i dout_i for kept rows, 0
          // otherwise (no zero-fill beforehand).
          const Index N = static_cast<Index>(position.size());
          parallel_for(
              0, N, rows_per_chunk(F, 16),
              [&](Index lo, Index hi) {
                for (Index r = lo; r < hi; ++r) {
                  T* dxr = dx + r * F;
                  const Index i = position[r];
                  if (i < 0) {
                    std::fill_n(dxr, F, T(0));
                    continue;
                  }
                  const T* dyr = dy + i * F;
                  const T gi = g[i];
                  for (Index c = 0; c < F; ++c) dxr[c] = gi * dyr[c];
                  if (need_gate) gate_row(i, xv + r * F);
                }
              },
              F);
          return;
        }
        parallel_for(
            0, static_cast<Index>(index.size()), rows_per_chunk(F, 16),
            [&](Index lo, Index hi) {
              for (Index i = lo; i < hi; ++i) {
                const T* dyr = dy + i * F;
                const T* xr = xv + index[i] * F;
                if (need_x) {
                  T* dxr = dx + index[i] * F;
                  const T gi = g[i];
                  for (Index c = 0; c < F; ++c) dxr[c] += gi * dyr[c];
                }
                if (need_gate) gate_row(i, xr);
              }
            },
            F);
      });
  return out;
}

template <class T>
PoolOutput<T> pool_by_score(Var<T> x, const GraphBatch& batch, Var<T> score,
                            const SelectOptions& options, PoolNonlinearity f) {
  check_rank("pool: x", x.shape(), 2);
  if (x.shape()[0] != batch.num_nodes() || score.value().numel() != batch.num_nodes()) {
    throw ShapeError("pool: the batch has " + str(batch.num_nodes()) + " nodes but x is " +
                     x.shape().str() + " and score is " + score.shape().str());
  }
  options.validate("pool");
  // select (on the softmax-ed scores under min_score, as PyG)
  Var<T> select_on = options.min_score_ ? segment_softmax(score, batch.node_ptr()) : score;
  const T* s = select_on.value().data();
  SelectOutput<T> sel =
      select_top_k<T>(std::span<const T>(s, static_cast<std::size_t>(batch.num_nodes())),
                      batch.node_ptr(), options);
  // reduce: x' = x[kept] * gate[kept]
  Var<T> gate =
      gather_gate(select_on, sel.kept(), options.min_score_ ? PoolNonlinearity::kNone : f);
  Var<T> pooled = gated_gather(x, sel.kept(), gate);
  // connect: edges whose two ends survive, renumbered to positions in kept
  SubgraphBatch sub = induced_subgraph(batch, sel.kept());
  return PoolOutput<T>{pooled, std::move(sub.batch), gate, std::move(sel), std::move(sub.edge_ids)};
}

#define GRAPHPOOL_INSTANTIATE_SELECT(T)                                                         \
  template class SelectOutput<T>;                                                               \
  template SelectOutput<T> select_top_k(std::span<const T>, std::span<const Index>,             \
                                        const SelectOptions&);                                  \
  template Var<T> segment_softmax(Var<T>, std::span<const Index>);                              \
  template Var<T> gather_gate(Var<T>, std::span<const Index>, PoolNonlinearity);                \
  template Var<T> gated_gather(Var<T>, std::span<const Index>, Var<T>);                         \
  template PoolOutput<T> pool_by_score(Var<T>, const GraphBatch&, Var<T>, const SelectOptions&, \
                                       PoolNonlinearity);

GRAPHPOOL_INSTANTIATE_SELECT(float)
GRAPHPOOL_INSTANTIATE_SELECT(double)

}  // namespace graphpool
