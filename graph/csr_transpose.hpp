#pragma once
/// The transpose of a CSR by target: the same edges as a CSR by source, as the backward of a CSR
/// gather needs (GCN's A_hat^T g). Each source's list is sorted by target, and by CSR position
/// within one target, whatever the thread count: exactly the order of a serial counting sort.
///   CsrTranspose out = transpose_csr(graph.edge_ptr(), graph.sources());
///   // edges leaving s: out.targets[out.ptr[s] .. out.ptr[s + 1]), CSR edges out.edge_ids[...]
#include <span>
#include <vector>

#include "core/parallel.hpp"

namespace graphpool {

struct CsrTranspose {
  std::vector<Index> ptr{0};    ///< [N + 1] edges leaving source s: ptr[s] .. ptr[s + 1]
  std::vector<Index> targets;   ///< [E] target of each outgoing edge
  std::vector<Index> edge_ids;  ///< [E] position of the edge in the input CSR
};

/// edge_ptr [N + 1] and sources [E] (values in [0, N)) of a CSR by target; throws IndexError
/// naming the edge when a source is out of range.
CsrTranspose transpose_csr(std::span<const Index> edge_ptr, std::span<const Index> sources);

}  // namespace graphpool
