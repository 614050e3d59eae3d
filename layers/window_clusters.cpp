#include "layers/window_clusters.hpp"

#include "core/errors.hpp"

namespace graphpool {

ClusterMembership window_clusters(const PoolGrid& g) {
  const Index OH = g.out_h(), OW = g.out_w(), W = g.in_w();
  // count -> prefix sum -> fill
  std::vector<Index> ptr(static_cast<std::size_t>(OH * OW + 1), 0);
  std::vector<Index> nominal(static_cast<std::size_t>(OH * OW));
  for (Index oh = 0; oh < OH; ++oh)
    for (Index ow = 0; ow < OW; ++ow) {
      const auto c = static_cast<std::size_t>(oh * OW + ow);
      ptr[c + 1] = ptr[c] + g.rows.count[oh] * g.cols.count[ow];
      nominal[c] = g.rows.nominal[oh] * g.cols.nominal[ow];
    }
  std::vector<Index> members(static_cast<std::size_t>(ptr.back()));
  for (Index oh = 0; oh < OH; ++oh)
    for (Index ow = 0; ow < OW; ++ow) {
      Index pos = ptr[static_cast<std::size_t>(oh * OW + ow)];
      // members: rows first[oh] + kh step, cols first[ow] + kw step, row-major
      for (Index kh = 0; kh < g.rows.count[oh]; ++kh) {
        const Index h = g.rows.first[oh] + kh * g.rows.step;
        for (Index kw = 0; kw < g.cols.count[ow]; ++kw)
          members[static_cast<std::size_t>(pos++)] = h * W + g.cols.first[ow] + kw * g.cols.step;
      }
    }
  return ClusterMembership(g.in_h() * W, std::move(ptr), std::move(members), std::move(nominal));
}

template <class T>
Tensor<T> image_to_nodes(const Tensor<T>& image) {
  if (image.rank() != 4 || image.dim(0) != 1) {
    throw ShapeError("image_to_nodes: expected [1, C, H, W], got " + image.shape().str());
  }
  const Index C = image.dim(1), HW = image.dim(2) * image.dim(3);
  Tensor<T> nodes(Shape{HW, C});
  for (Index c = 0; c < C; ++c)
    for (Index i = 0; i < HW; ++i) nodes[i * C + c] = image[c * HW + i];
  return nodes;
}

template <class T>
Tensor<T> nodes_to_image(const Tensor<T>& nodes, Index H, Index W) {
  if (nodes.rank() != 2 || nodes.dim(0) != H * W) {
    throw ShapeError("nodes_to_image: expected [" + std::to_string(H * W) + ", C], got " +
                     nodes.shape().str());
  }
  const Index C = nodes.dim(1), HW = H * W;
  Tensor<T> image(Shape{1, C, H, W});
  for (Index c = 0; c < C; ++c)
    for (Index i = 0; i < HW; ++i) image[c * HW + i] = nodes[i * C + c];
  return image;
}

template Tensor<float> image_to_nodes<float>(const Tensor<float>&);
template Tensor<double> image_to_nodes<double>(const Tensor<double>&);
template Tensor<float> nodes_to_image<float>(const Tensor<float>&, Index, Index);
template Tensor<double> nodes_to_image<double>(const Tensor<double>&, Index, Index);

}  // namespace graphpool
