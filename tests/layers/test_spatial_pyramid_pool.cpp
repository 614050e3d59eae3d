#include "layers/spatial_pyramid_pool.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "layers/adaptive_pool2d.hpp"
#include "tests/layers/pool2d_test_util.hpp"

namespace graphpool {
namespace {

TEST(SpatialPyramidPool, MatchesGoldenCase) {
  testing::expect_golden("spatial_pyramid_pool2d_1_2_4",
                         [](Var<double> x) { return spatial_pyramid_pool(x); });
}

TEST(SpatialPyramidPool, IsAdaptivePoolingPerLevelInChannelRowColOrder) {
  const Tensor<double> x = testing::random_tensor({2, 3, 13, 11}, 91);
  for (PoolReduce r : {PoolReduce::kMax, PoolReduce::kAvg}) {
    Tape<double> tape;
    Var<double> xv = tape.constant(x);
    const std::vector<Index> levels{1, 3, 2};
    Var<double> v = spatial_pyramid_pool(xv, SpatialPyramidPoolOptions().levels(levels).reduce(r));
    ASSERT_EQ(v.shape(), (Shape{2, 3 * 14}));
    Index col = 0;
    for (Index l : levels) {
      Var<double> a =
          r == PoolReduce::kMax ? adaptive_max_pool2d(xv, {l, l}) : adaptive_avg_pool2d(xv, {l, l});
      for (Index n = 0; n < 2; ++n)
        for (Index k = 0; k < 3 * l * l; ++k)  // (channel, row, col) flattened
          EXPECT_EQ(v.value()[n * 42 + col + k], a.value()[n * 3 * l * l + k]);
      col += 3 * l * l;
    }
  }
}

TEST(SpatialPyramidPool, GradcheckAndInvalidLevels) {
  for (PoolReduce r : {PoolReduce::kMax, PoolReduce::kAvg}) {
    auto result = testing::gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) {
          return spatial_pyramid_pool(in[0], SpatialPyramidPoolOptions().reduce(r));
        },
        {testing::random_tensor({2, 2, 7, 6}, 20)});
    EXPECT_TRUE(result.ok) << result.report;
  }
  Tensor<float> x(Shape{1, 1, 4, 4}), y;
  EXPECT_THROW(spatial_pyramid_pool(x, SpatialPyramidPoolOptions().levels({1, 0}), y), ValueError);
  EXPECT_THROW(spatial_pyramid_pool(x, SpatialPyramidPoolOptions().levels({}), y), ValueError);
}

}  // namespace
}  // namespace graphpool
