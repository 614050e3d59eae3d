#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/parallel.hpp"
#include "core/random.hpp"

namespace graphpool {

TEST(Parallel, ChunksCoverRangeExactlyOnce) {
  std::vector<int> hits(1003, 0);
  parallel_for(0, 1003, 17, [&](Index lo, Index hi) {
    EXPECT_EQ(lo % 17, 0);
    for (Index i = lo; i < hi; ++i) hits[static_cast<std::size_t>(i)]++;
  });
  for (int h : hits) EXPECT_EQ(h, 1);
  parallel_for(5, 5, 1, [&](Index, Index) { FAIL() << "empty range ran a chunk"; });
}

TEST(Parallel, TinyLoopsRunInlineWithTheSameChunks) {
  ThreadLimit limit(2);
  // 1000 items x cost 8 = 8000 < kMinParallelWork: every chunk on the calling thread, in order
  const auto caller = std::this_thread::get_id();
  std::vector<std::pair<Index, Index>> chunks;
  parallel_for(
      0, 1000, 100,
      [&](Index lo, Index hi) {
        EXPECT_EQ(std::this_thread::get_id(), caller);
        chunks.emplace_back(lo, hi);  // not synchronised: would race if chunks ran in parallel
      },
      8);
  ASSERT_EQ(chunks.size(), 10u);
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    EXPECT_EQ(chunks[c].first, static_cast<Index>(c) * 100);
    EXPECT_EQ(chunks[c].second, static_cast<Index>(c + 1) * 100);
  }
  // The threshold is exclusive: n * cost == kMinParallelWork is large enough to share, and the
  // chunk boundaries are the same fixed ones (each item hit once).
  std::vector<std::atomic<int>> hits(static_cast<std::size_t>(kMinParallelWork));
  parallel_for(
      0, kMinParallelWork, 1000,
      [&](Index lo, Index hi) {
        EXPECT_EQ(lo % 1000, 0);
        for (Index i = lo; i < hi; ++i) hits[static_cast<std::size_t>(i)]++;
      },
      1);
  for (const auto& h : hits) EXPECT_EQ(h.load(), 1);
  // Huge cost hints do not overflow into "tiny".
  std::atomic<Index> items{0};
  parallel_for(
      0, 4, 1, [&](Index lo, Index hi) { items += hi - lo; },
      std::numeric_limits<Index>::max() / 2);
  EXPECT_EQ(items.load(), 4);
}

TEST(Parallel, ReduceWithCostHintIsBitwiseEqualForOneAndTwoThreads) {
  std::vector<double> values(5000);
  CounterRng rng(2, 0);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = rng.normal(i);
  auto reduce = [&](int threads, Index cost) {
    ThreadLimit limit(threads);
    return parallel_reduce(
        Index{0}, static_cast<Index>(values.size()), 64, 0.0,
        [&](Index lo, Index hi) {
          double s = 0;
          for (Index i = lo; i < hi; ++i) s += values[static_cast<std::size_t>(i)];
          return s;
        },
        [](double a, double b) { return a + b; }, cost);
  };
  const double inline_one = reduce(1, 1), inline_two = reduce(2, 1), shared = reduce(2, 1000);
  EXPECT_EQ(std::memcmp(&inline_one, &inline_two, sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(&inline_one, &shared, sizeof(double)), 0);
}

TEST(Parallel, FloatReductionIsBitwiseEqualForOneAndTwoThreads) {
  std::vector<float> values(1 << 20);
  CounterRng rng(1, 0);
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = static_cast<float>(rng.normal(i) * 1e3);
  auto reduce = [&](int threads) {
    ThreadLimit limit(threads);
    EXPECT_EQ(max_threads(), threads);
    return parallel_reduce(
        Index{0}, static_cast<Index>(values.size()), 4096, 0.0f,
        [&](Index lo, Index hi) {
          float s = 0;
          for (Index i = lo; i < hi; ++i) s += values[static_cast<std::size_t>(i)];
          return s;
        },
        [](float a, float b) { return a + b; });
  };
  const float one = reduce(1), two = reduce(2), again = reduce(2);
  EXPECT_EQ(std::memcmp(&one, &two, sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(&two, &again, sizeof(float)), 0);
  EXPECT_THROW(ThreadLimit(0), ValueError);
}

TEST(Random, CounterRngIsAPureFunctionOfSeedStreamIndex) {
  CounterRng a(42, 7), b(42, 7), c(42, 8), d(43, 7);
  EXPECT_EQ(a.bits(123), b.bits(123));
  EXPECT_NE(a.bits(123), c.bits(123));
  EXPECT_NE(a.bits(123), d.bits(123));
  EXPECT_NE(a.bits(123), a.bits(124));
  double total = 0, squares = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double u = a.uniform(static_cast<std::uint64_t>(i));
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    total += u;
    const double z = a.normal(static_cast<std::uint64_t>(i));
    squares += z * z;
  }
  EXPECT_NEAR(total / n, 0.5, 0.005);
  EXPECT_NEAR(squares / n, 1.0, 0.02);
  std::vector<int> counts(6, 0);
  for (int i = 0; i < 60000; ++i) counts[a.below(static_cast<std::uint64_t>(i), 6)]++;
  for (int k : counts) EXPECT_NEAR(k, 10000, 500);
}

// The documented construction, written out in the test: three splitmix64 finaliser rounds keyed
// by seed, stream and index. Pins the bits (trainings and checkpoints repeat across versions).
std::uint64_t splitmix_finaliser(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

TEST(Random, BitsAreThreeMixingRoundsOfSeedStreamAndIndex) {
  for (std::uint64_t seed : {0ULL, 1ULL, 42ULL, ~0ULL}) {
    for (std::uint64_t stream : {0ULL, 3ULL, 1000003ULL}) {
      const CounterRng rng(seed, stream);
      for (std::uint64_t index : {0ULL, 1ULL, 77ULL, 1ULL << 40, ~0ULL}) {
        std::uint64_t z = splitmix_finaliser(seed + 0x9e3779b97f4a7c15ULL);
        z = splitmix_finaliser(z ^ (stream * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL));
        z = splitmix_finaliser(z ^ (index * 0x9e3779b97f4a7c15ULL + 0x243f6a8885a308d3ULL));
        ASSERT_EQ(rng.bits(index), z) << seed << " " << stream << " " << index;
        ASSERT_EQ(rng.uniform(index), static_cast<double>(z >> 11) * 0x1.0p-53);
      }
    }
  }
}

TEST(Random, UniformThresholdIsTheIntegerFormOfUniformAtLeastP) {
  // p on 53-bit steps (exact ties), between them, and at the ends of [0, 1)
  std::vector<double> ps = {0.0,
                            0.1,
                            0.3,
                            1.0 / 3,
                            0.4,
                            0.5,
                            0.9,
                            1e-17,
                            0x1.0p-53,
                            3 * 0x1.0p-54,
                            1.0 - 0x1.0p-53,
                            std::nextafter(1.0, 0.0)};
  const CounterRng rng(9, 4);
  for (double p : ps) {
    const std::uint64_t threshold = uniform_threshold(p);
    for (std::uint64_t i = 0; i < 20000; ++i) {
      ASSERT_EQ((rng.bits(i) >> 11) >= threshold, rng.uniform(i) >= p) << p << " at " << i;
    }
    // the boundary itself: the 53-bit values just below and at the threshold
    if (threshold > 0) {
      EXPECT_LT(static_cast<double>(threshold - 1) * 0x1.0p-53, p) << p;
    }
    EXPECT_GE(static_cast<double>(threshold) * 0x1.0p-53, p) << p;
  }
}

TEST(Random, GeneratorStreamsAndPermutation) {
  Generator gen(5);
  CounterRng first = gen.next_stream(), second = gen.next_stream();
  EXPECT_EQ(first.stream(), 0u);
  EXPECT_EQ(second.stream(), 1u);
  EXPECT_EQ(gen.streams_used(), 2u);
  std::vector<Index> perm = random_permutation(1000, first);
  std::set<Index> distinct(perm.begin(), perm.end());
  EXPECT_EQ(distinct.size(), 1000u);
  EXPECT_EQ(*distinct.begin(), 0);
  EXPECT_EQ(*distinct.rbegin(), 999);
  EXPECT_EQ(perm, random_permutation(1000, CounterRng(5, 0)));
  EXPECT_NE(perm, random_permutation(1000, second));
}

}  // namespace graphpool
