#pragma once
/// Seeded, counter-based randomness: the value at (seed, stream, index) is a pure function of the
/// three, so a parallel loop that draws element i from index i gives the same bits for any number
/// of threads.
///   Generator gen(42);
///   CounterRng rng = gen.next_stream();       // a fresh stream per random op call
///   double u = rng.uniform(i);                // in [0, 1)
#include <cstdint>
#include <vector>

#include "core/parallel.hpp"

namespace graphpool {

namespace detail {
// splitmix64 finaliser: a bijective mix with full avalanche.
constexpr std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace detail

/// Stateless generator keyed by (seed, stream); draws by element index. The draws are inline, so
/// a loop over indices vectorises.
class CounterRng {
 public:
  CounterRng(std::uint64_t seed, std::uint64_t stream)
      : seed_(seed),
        stream_(stream),
        // the first two of three splitmix64-style rounds: seed, then stream
        key_(detail::mix(detail::mix(seed + 0x9e3779b97f4a7c15ULL) ^
                         (stream * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL))) {}
  /// 64 random bits for element `index`: the third round mixes the index into the key.
  std::uint64_t bits(std::uint64_t index) const {
    return detail::mix(key_ ^ (index * 0x9e3779b97f4a7c15ULL + 0x243f6a8885a308d3ULL));
  }
  /// Uniform in [0, 1) with 53 random bits: (bits(index) >> 11) * 2^-53.
  double uniform(std::uint64_t index) const {
    return static_cast<double>(bits(index) >> 11) * 0x1.0p-53;
  }
  /// Standard normal (Box-Muller on two uniforms drawn from 2 * index and 2 * index + 1).
  double normal(std::uint64_t index) const;
  /// Uniform integer in [0, n) (n > 0), unbiased by rejection on a sub-counter.
  std::uint64_t below(std::uint64_t index, std::uint64_t n) const;
  std::uint64_t seed() const { return seed_; }
  std::uint64_t stream() const { return stream_; }

 private:
  std::uint64_t seed_;
  std::uint64_t stream_;
  std::uint64_t key_;
};

/// The integer form of `uniform(i) >= p` for p in [0, 1): (bits(i) >> 11) >= uniform_threshold(p)
/// exactly (p * 2^53 is exact in double, so its ceiling is the least 53-bit value at or above p).
std::uint64_t uniform_threshold(double p);

/// A seed plus a stream counter: each call of a random op takes the next stream, so repeated
/// forward calls differ but a rerun with the same seed repeats them exactly.
class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) : seed_(seed) {}
  CounterRng next_stream() { return CounterRng(seed_, stream_++); }
  std::uint64_t seed() const { return seed_; }
  std::uint64_t streams_used() const { return stream_; }
  /// Restores a saved position (for checkpoints and resume).
  void set_state(std::uint64_t seed, std::uint64_t streams_used) {
    seed_ = seed;
    stream_ = streams_used;
  }

 private:
  std::uint64_t seed_;
  std::uint64_t stream_ = 0;
};

/// A random permutation of 0..n-1 (Fisher-Yates driven by rng; sequential, deterministic).
std::vector<Index> random_permutation(Index n, const CounterRng& rng);

}  // namespace graphpool
