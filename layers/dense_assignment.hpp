#pragma once
/// The soft cluster assignment of the dense pooling layers: s = softmax(s / temp) over the clusters
/// (the last axis), then s * mask (padded nodes get an all-zero row), as PyG's dense_diff_pool and
/// dense_mincut_pool do before pooling.
///   Var<float> s = dense_assignment(logits, d.mask);      // [B, N, C], rows sum to 1 (or 0)
#include <cstdint>
#include <span>

#include "core/tape.hpp"

namespace graphpool {

/// s [B, N, C] (or [N, C]) -> softmax_c(s / temp) * mask[b, n]; mask empty means no mask, else it
/// has B * N entries. Max-shifted; backward ds = mask * y (g - sum_c g y) / temp.
template <class T>
Var<T> dense_assignment(Var<T> s, std::span<const std::uint8_t> mask = {}, double temp = 1.0);

}  // namespace graphpool
