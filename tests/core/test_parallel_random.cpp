#include <gtest/gtest.h>

#include <cstring>
#include <set>

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

TEST(Parallel, FloatReductionIsBitwiseEqualForOneAndTwoThreads) {
  std::vector<float> values(1 << 20);
  CounterRng rng(1, 0);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(rng.normal(i) * 1e3);
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
