#include "graph/csr_transpose.hpp"

#include <algorithm>
#include <string>

#include "core/errors.hpp"
#include "graph/csr_util.hpp"

namespace graphpool {
namespace {

using detail::kOperationsPerEdge;

constexpr Index kTargetsPerPart = 512;  // targets per part (fixed: parts never depend on threads)
// The parts' source ranges may add up to this many times (N + E) before one part (the serial
// counting sort, same result) is cheaper than the per-part counts.
constexpr Index kMaxRangeFactor = 2;

// The targets [first, last) of the input, the sources their edges come from ([lo, lo +
// slot.size())), and per source first its count in the part, then the next slot it fills.
struct Part {
  Index first = 0, last = 0;
  Index lo = 0;
  std::vector<Index> slot;
};

}  // namespace

CsrTranspose transpose_csr(std::span<const Index> edge_ptr, std::span<const Index> sources) {
  if (edge_ptr.empty()) throw ShapeError("transpose_csr: edge_ptr needs N + 1 >= 1 entries, got 0");
  const Index N = static_cast<Index>(edge_ptr.size()) - 1;
  const Index E = static_cast<Index>(sources.size());
  if (edge_ptr.front() != 0 || edge_ptr.back() != E) {
    throw ShapeError("transpose_csr: edge_ptr runs from " + std::to_string(edge_ptr.front()) +
                     " to " + std::to_string(edge_ptr.back()) + " but there are " +
                     std::to_string(E) + " edges");
  }
  CsrTranspose out;
  out.ptr.assign(static_cast<std::size_t>(N) + 1, 0);
  out.targets.resize(static_cast<std::size_t>(E));
  out.edge_ids.resize(static_cast<std::size_t>(E));
  if (N == 0) return out;
  const Index cost_per_part = kOperationsPerEdge * std::max<Index>(1, E / N) * kTargetsPerPart;

  // 1. Fixed parts of targets, and the range of sources each part's edges come from.
  std::vector<Part> parts(static_cast<std::size_t>((N + kTargetsPerPart - 1) / kTargetsPerPart));
  const Index P = static_cast<Index>(parts.size());
  parallel_for(
      0, P, 1,
      [&](Index p_lo, Index p_hi) {
        for (Index p = p_lo; p < p_hi; ++p) {
          Part& part = parts[p];
          part.first = p * kTargetsPerPart;
          part.last = std::min(N, part.first + kTargetsPerPart);
          for (Index t = part.first; t < part.last; ++t) {
            if (edge_ptr[t + 1] < edge_ptr[t] || edge_ptr[t + 1] > E) {
              throw ValueError("transpose_csr: edge_ptr[" + std::to_string(t + 1) +
                               "] = " + std::to_string(edge_ptr[t + 1]) + " is outside [edge_ptr[" +
                               std::to_string(t) + "] = " + std::to_string(edge_ptr[t]) + ", " +
                               std::to_string(E) + "]");
            }
          }
          Index lo = N, hi = -1;
          for (Index e = edge_ptr[part.first]; e < edge_ptr[part.last]; ++e) {
            const Index s = sources[e];
            if (s < 0 || s >= N) {
              throw IndexError("transpose_csr: sources[" + std::to_string(e) +
                               "] = " + std::to_string(s) + " but there are " + std::to_string(N) +
                               " nodes");
            }
            lo = std::min(lo, s);
            hi = std::max(hi, s);
          }
          part.lo = hi < lo ? 0 : lo;
          part.slot.resize(static_cast<std::size_t>(hi < lo ? 0 : hi - lo + 1));
        }
      },
      cost_per_part);
  Index ranges = 0;
  for (const Part& part : parts) ranges += static_cast<Index>(part.slot.size());
  if (P > 1 && ranges > kMaxRangeFactor * (N + E)) {
    // scattered sources (not a batch of small graphs): one part, the serial counting sort
    Part all{0, N, 0, std::vector<Index>(static_cast<std::size_t>(N))};
    parts.assign(1, std::move(all));
  }

  // 2. Per part: how many of its edges leave each source.
  parallel_for(
      0, static_cast<Index>(parts.size()), 1,
      [&](Index p_lo, Index p_hi) {
        for (Index p = p_lo; p < p_hi; ++p) {
          Part& part = parts[p];  // slot[] starts at zero (value-initialised above)
          for (Index e = edge_ptr[part.first]; e < edge_ptr[part.last]; ++e)
            ++part.slot[sources[e] - part.lo];
        }
      },
      cost_per_part);

  // 3. ptr[s + 1] = out-degree of s, summed into ptr; then each part's first slot per source:
  // the slots of s after those of the parts before it (targets in ascending order).
  for (const Part& part : parts) {
    for (std::size_t j = 0; j < part.slot.size(); ++j) out.ptr[part.lo + 1 + j] += part.slot[j];
  }
  detail::prefix_sum_in_place(out.ptr);
  std::vector<Index> next(out.ptr.begin(), out.ptr.end() - 1);
  for (Part& part : parts) {
    for (std::size_t j = 0; j < part.slot.size(); ++j) {
      const Index count = part.slot[j];
      part.slot[j] = next[part.lo + j];
      next[part.lo + j] += count;
    }
  }

  // 4. Fill: each part visits its targets in order and appends to its own slots.
  parallel_for(
      0, static_cast<Index>(parts.size()), 1,
      [&](Index p_lo, Index p_hi) {
        for (Index p = p_lo; p < p_hi; ++p) {
          Part& part = parts[p];
          for (Index t = part.first; t < part.last; ++t) {
            for (Index e = edge_ptr[t]; e < edge_ptr[t + 1]; ++e) {
              const Index slot = part.slot[sources[e] - part.lo]++;
              out.targets[slot] = t;
              out.edge_ids[slot] = e;
            }
          }
        }
      },
      cost_per_part);
  return out;
}

}  // namespace graphpool
