#include "core/random.hpp"

#include <cmath>
#include <numbers>

#include "core/errors.hpp"

namespace graphpool {

std::uint64_t uniform_threshold(double p) {
  return static_cast<std::uint64_t>(std::ceil(p * 0x1.0p53));
}

double CounterRng::normal(std::uint64_t index) const {
  // Box-Muller: sqrt(-2 ln u1) cos(2 pi u2), u1 in (0, 1]
  const double u1 = 1.0 - uniform(2 * index);
  const double u2 = uniform(2 * index + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

std::uint64_t CounterRng::below(std::uint64_t index, std::uint64_t n) const {
  if (n == 0) throw ValueError("CounterRng::below: n must be > 0");
  // Rejection on the top of the range; retries draw from a sub-stream of this index.
  const std::uint64_t limit = ~0ULL - (~0ULL % n);
  CounterRng retry(seed_ ^ 0x5851f42d4c957f2dULL, stream_ * 0x9e3779b97f4a7c15ULL + index);
  std::uint64_t value = bits(index);
  for (std::uint64_t k = 0; value >= limit; ++k) value = retry.bits(k);
  return value % n;
}

std::vector<Index> random_permutation(Index n, const CounterRng& rng) {
  std::vector<Index> order(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  // Fisher-Yates: swap position i with a uniform position in [0, i]
  for (Index i = n - 1; i > 0; --i) {
    const auto j = static_cast<Index>(
        rng.below(static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(i + 1)));
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
  }
  return order;
}

}  // namespace graphpool
