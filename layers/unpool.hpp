#pragma once
/// Unpooling (Graph U-Nets gUnpool): the pooled rows go back to the positions they were kept
/// from; every other row is zero. The inverse of the gather in top-k / SAGPool.
///   PoolOutput<float> p = pool.forward(x, batch);
///   Var<float> back = unpool(p.x, p.kept(), batch.num_nodes());   // [N, F], zeros elsewhere
#include <span>

#include "core/tape.hpp"
#include "layers/select.hpp"

namespace graphpool {

/// out [num_nodes, F]: out[kept[i]] = x[i], zero elsewhere; backward dx[i] += dout[kept[i]].
/// IndexError for an id outside [0, num_nodes), ValueError for an id kept twice, ShapeError when
/// x does not have kept.size() rows.
template <class T>
Var<T> unpool(Var<T> x, std::span<const Index> kept, Index num_nodes);

/// Same, with the positions and size recorded by a pooling step.
template <class T>
Var<T> unpool(Var<T> x, const SelectOutput<T>& selection);

}  // namespace graphpool
