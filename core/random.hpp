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

/// Stateless generator keyed by (seed, stream); draws by element index.
class CounterRng {
 public:
  CounterRng(std::uint64_t seed, std::uint64_t stream) : seed_(seed), stream_(stream) {}
  /// 64 random bits for element `index` (splitmix64-style mixing of seed, stream and index).
  std::uint64_t bits(std::uint64_t index) const;
  /// Uniform in [0, 1) with 53 random bits.
  double uniform(std::uint64_t index) const;
  /// Standard normal (Box-Muller on two uniforms drawn from 2 * index and 2 * index + 1).
  double normal(std::uint64_t index) const;
  /// Uniform integer in [0, n) (n > 0), unbiased by rejection on a sub-counter.
  std::uint64_t below(std::uint64_t index, std::uint64_t n) const;
  std::uint64_t seed() const { return seed_; }
  std::uint64_t stream() const { return stream_; }

 private:
  std::uint64_t seed_;
  std::uint64_t stream_;
};

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
