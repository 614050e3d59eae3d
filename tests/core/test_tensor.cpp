#include <gtest/gtest.h>

#include <cstdint>

#include "core/errors.hpp"
#include "core/tensor.hpp"

namespace graphpool {

TEST(Tensor, ZeroFilledWithShapeAndRank) {
  Tensor<float> x({2, 3});
  EXPECT_EQ(x.rank(), 2);
  EXPECT_EQ(x.numel(), 6);
  EXPECT_EQ(x.shape().str(), "[2, 3]");
  for (float v : x.values()) EXPECT_EQ(v, 0.0f);
  Tensor<double> img({2, 3, 4, 5}, 1.5);
  EXPECT_EQ(img.numel(), 120);
  EXPECT_EQ(img(1, 2, 3, 4), 1.5);
  img(1, 2, 3, 4) = 7;
  EXPECT_EQ(img[119], 7);
}

TEST(Tensor, MatrixViewSharesMemoryRowMajor) {
  Tensor<double> x({2, 3});
  x.matrix()(1, 2) = 5;
  EXPECT_EQ(x[5], 5);
  EXPECT_EQ(x(1, 2), 5);
  EXPECT_EQ(x.matrix().data(), x.data());
}

TEST(Tensor, ShapeMismatchNamesBothShapes) {
  try {
    check_same_shape("add: b", Shape{2, 3}, Shape{3, 2});
    FAIL() << "no exception";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[3, 2]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("add: b"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Tensor<float>({2, 2}, std::vector<float>(3)), ShapeError);
  Tensor<float> img({1, 1, 2, 2});
  EXPECT_THROW(img.matrix(), ShapeError);
  EXPECT_THROW(Shape({1, 2, 3, 4, 5}), ShapeError);
  EXPECT_THROW(Shape({2, -1}), ShapeError);
}

TEST(Tensor, ResizeKeepsAllocationWhenSmallerOrEqual) {
  Tensor<float> x({100, 10});
  const float* before = x.data();
  x.resize(Shape{50, 10});
  EXPECT_EQ(x.data(), before);
  x.resize(Shape{100, 10});
  EXPECT_EQ(x.data(), before);
  x.reshape(Shape{10, 100});
  EXPECT_EQ(x.shape(), (Shape{10, 100}));
  EXPECT_THROW(x.reshape(Shape{7, 7}), ShapeError);
}

TEST(Tensor, UninitializedHasTheShapeAndFilledConstructorsStillFill) {
  // Dirty the heap so that a non-filling constructor would be caught reading old values.
  for (int round = 0; round < 4; ++round) {
    Tensor<double> dirty({64, 64}, 7.0);
    Tensor<double> u = Tensor<double>::uninitialized({64, 64});
    EXPECT_EQ(u.shape(), (Shape{64, 64}));
    EXPECT_EQ(u.numel(), 64 * 64);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(u.data()) % 64, 0u);
  }
  for (int round = 0; round < 4; ++round) {
    { Tensor<float> dirty({128, 32}, 3.f); }
    Tensor<float> zeros({128, 32});
    for (float v : zeros.values()) ASSERT_EQ(v, 0.f);
    Tensor<float> fives({128, 32}, 5.f);
    for (float v : fives.values()) ASSERT_EQ(v, 5.f);
  }
}

TEST(Tensor, ResizeToALargerSizeReallocatesToExactlyThatSize) {
  Tensor<float> x({10, 10}, 1.f);
  x.resize(Shape{40, 50});
  EXPECT_EQ(x.shape(), (Shape{40, 50}));
  EXPECT_EQ(x.numel(), 2000);
  EXPECT_EQ(x.capacity(), 2000u);
  x.fill(2.f);  // the whole new range is writable
  EXPECT_EQ(x(39, 49), 2.f);
}

TEST(Tensor, StorageIsSixtyFourByteAligned) {
  // Same SIMD alignment in every run is what keeps vectorised kernels bitwise reproducible.
  for (Index n : {1, 3, 17, 1000}) {
    Tensor<float> f({n});
    Tensor<double> d({n, 3});
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(f.data()) % 64, 0u);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(d.data()) % 64, 0u);
  }
}

TEST(Tensor, LargeStorageIsAlignedAndHoldsItsValues) {
  // From kHugePageMinBytes on, storage is marked for huge pages (allocate_storage); it stays
  // 64-byte aligned, keeps its values and reallocates like any other.
  const Index large = static_cast<Index>(kHugePageMinBytes / sizeof(float)) + 12345;
  Tensor<float> big({large}, 2.5f);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(big.data()) % 64, 0u);
  EXPECT_EQ(big.data()[0], 2.5f);
  EXPECT_EQ(big.data()[large - 1], 2.5f);
  Tensor<float> small({3}, 1.0f);
  small.resize(Shape{large});
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(small.data()) % 64, 0u);
  small.data()[large - 1] = 7.0f;
  EXPECT_EQ(small.data()[large - 1], 7.0f);
  Tensor<double> moved = Tensor<double>({large / 2}, 1.0);
  EXPECT_EQ(moved.data()[large / 2 - 1], 1.0);
  const Tensor<double> copy = moved;
  EXPECT_EQ(copy.data()[0], 1.0);
}

TEST(Tensor, ScalarHasOneElement) {
  Tensor<double> s{Shape{}};
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.shape().str(), "[]");
  s[0] = 3;
  EXPECT_EQ(s.item(), 3);
  EXPECT_THROW(Tensor<double>({2}).item(), ShapeError);
}

}  // namespace graphpool
