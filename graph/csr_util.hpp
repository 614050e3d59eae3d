#pragma once
/// Small helpers shared by the CSR builders of graph/ (internal; not part of the public API).
#include <algorithm>
#include <iterator>
#include <numeric>
#include <vector>

#include "core/parallel.hpp"

namespace graphpool::detail {

/// Cost-model operations per edge of a CSR builder loop (parallel_for's item_cost): a load and an
/// increment or store at a random place.
inline constexpr Index kOperationsPerEdge = 4;

/// counts[i + 1] = count of item i on entry; ptr[i] = sum_{j < i} count[j] on exit.
inline void prefix_sum_in_place(std::vector<Index>& counts) {
  std::partial_sum(counts.begin(), counts.end(), counts.begin());
}

/// Stable sort of [first, last) by key(x): insertion sort for the short runs of one target (no
/// allocation), std::stable_sort above 32 elements.
template <class It, class Key>
void stable_sort_by(It first, It last, Key key) {
  if (last - first > 32) {
    std::stable_sort(first, last, [&](const auto& a, const auto& b) { return key(a) < key(b); });
    return;
  }
  for (It i = first + (first != last); i < last; ++i) {
    auto x = std::move(*i);
    It j = i;
    for (; j != first && key(x) < key(*(j - 1)); --j) *j = std::move(*(j - 1));
    *j = std::move(x);
  }
}

}  // namespace graphpool::detail
