#include "core/dot.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

// The order dot8 documents, written out lane by lane in scalar code.
template <class T>
T documented_order(const std::vector<T>& x, const std::vector<T>& y) {
  const Index n = static_cast<Index>(x.size());
  T lane[8] = {};
  Index c = 0;
  for (; c + 8 <= n; c += 8) {
    for (int l = 0; l < 8; ++l) lane[l] = lane[l] + x[c + l] * y[c + l];
  }
  T tail = T(0);
  for (; c < n; ++c) tail = tail + x[c] * y[c];
  const T low = (lane[0] + lane[1]) + (lane[2] + lane[3]);
  const T high = (lane[4] + lane[5]) + (lane[6] + lane[7]);
  return (low + high) + tail;
}

template <class T>
void check_bitwise(std::uint64_t seed) {
  for (Index n = 0; n <= 140; ++n) {
    const Tensor<double> xs = testing::random_tensor({n + 1}, seed + 2 * n, -10, 10);
    const Tensor<double> ys = testing::random_tensor({n + 1}, seed + 2 * n + 1, -10, 10);
    std::vector<T> x(n), y(n);
    for (Index i = 0; i < n; ++i) {
      x[i] = static_cast<T>(xs[i]);
      y[i] = static_cast<T>(ys[i]);
    }
    const T got = dot8(x.data(), y.data(), n);
    const T want = documented_order(x, y);
    ASSERT_EQ(got, want) << "n " << n;  // the same bits, not merely close
  }
}

TEST(Dot8, SumsInTheDocumentedOrderFloat) {
  check_bitwise<float>(1);
}

TEST(Dot8, SumsInTheDocumentedOrderDouble) {
  check_bitwise<double>(1000);
}

}  // namespace
}  // namespace graphpool
