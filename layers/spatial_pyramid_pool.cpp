#include "layers/spatial_pyramid_pool.hpp"

#include <memory>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "layers/avg_pool2d.hpp"
#include "layers/max_pool2d.hpp"

namespace graphpool {

namespace {

struct Pyramid {
  std::vector<PoolGrid> grids;
  std::vector<Index> offset;  // column offset of each level in a row of the output, / C
  Index bins = 0;             // sum l^2
};

Pyramid make_pyramid(const SpatialPyramidPoolOptions& o, Index H, Index W) {
  if (o.levels_.empty()) throw ValueError("spatial_pyramid_pool: levels must not be empty");
  Pyramid p;
  for (Index l : o.levels_) {
    if (l < 1) {
      throw ValueError("spatial_pyramid_pool: every level must be >= 1, got " + std::to_string(l));
    }
    p.grids.push_back(adaptive_grid("spatial_pyramid_pool", H, W, {l, l}));
    p.offset.push_back(p.bins);
    p.bins += l * l;
  }
  return p;
}

// Level results [N, C, l, l] <-> their block of the output row: out[n, C off + c l^2 + i].
template <class T>
void copy_level_to_output(const T* level, Index N, Index C, Index ll, Index off, Index bins,
                          T* out) {
  for (Index n = 0; n < N; ++n)
    std::copy(level + n * C * ll, level + (n + 1) * C * ll, out + n * C * bins + C * off);
}

template <class T>
void pyramid_forward(const T* x, Index N, Index C, const Pyramid& p, PoolReduce reduce, T* out,
                     std::vector<std::vector<std::int32_t>>* indices) {
  std::vector<T> level;
  for (std::size_t k = 0; k < p.grids.size(); ++k) {
    const PoolGrid& g = p.grids[k];
    const Index ll = g.out_h() * g.out_w();
    level.resize(static_cast<std::size_t>(N * C * ll));
    if (reduce == PoolReduce::kMax) {
      std::int32_t* idx = nullptr;
      if (indices) {
        (*indices)[k].resize(level.size());
        idx = (*indices)[k].data();
      }
      max_pool2d_planes(x, N * C, g, level.data(), idx);
    } else {
      avg_pool2d_planes(x, N * C, g, false, level.data());
    }
    copy_level_to_output(level.data(), N, C, ll, p.offset[k], p.bins, out);
  }
}

}  // namespace

template <class T>
void spatial_pyramid_pool(const Tensor<T>& x, const SpatialPyramidPoolOptions& options,
                          Tensor<T>& out) {
  check_pool_input("spatial_pyramid_pool", x.shape());
  const Pyramid p = make_pyramid(options, x.dim(2), x.dim(3));
  out.resize(Shape{x.dim(0), x.dim(1) * p.bins});
  pyramid_forward(x.data(), x.dim(0), x.dim(1), p, options.reduce_, out.data(), nullptr);
}

template <class T>
Var<T> spatial_pyramid_pool(Var<T> x, const SpatialPyramidPoolOptions& options) {
  check_pool_input("spatial_pyramid_pool", x.shape());
  Tape<T>& tape = *x.tape;
  const Shape in = x.shape();
  const Index N = in[0], C = in[1];
  auto p = std::make_shared<const Pyramid>(make_pyramid(options, in[2], in[3]));
  Var<T> out = tape.make(Shape{N, C * p->bins}, {x});
  const PoolReduce reduce = options.reduce_;
  auto indices = std::make_shared<std::vector<std::vector<std::int32_t>>>(p->grids.size());
  const bool grad = tape.requires_grad(out);
  pyramid_forward(tape.value(x).data(), N, C, *p, reduce, tape.mutable_value(out).data(),
                  grad ? indices.get() : nullptr);
  tape.on_backward(out, [x, out, p, reduce, indices, N, C](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const T* g = t.grad(out).data();
    T* gx = t.grad(x).data();
    std::vector<T> level;
    for (std::size_t k = 0; k < p->grids.size(); ++k) {
      const PoolGrid& grid = p->grids[k];
      const Index ll = grid.out_h() * grid.out_w();
      level.resize(static_cast<std::size_t>(N * C * ll));
      // this level's block of the output gradient, back in [N, C, l, l] order
      for (Index n = 0; n < N; ++n)
        std::copy(g + n * C * p->bins + C * p->offset[k],
                  g + n * C * p->bins + C * p->offset[k] + C * ll, level.data() + n * C * ll);
      if (reduce == PoolReduce::kMax) {
        max_pool2d_planes_backward(level.data(), (*indices)[k].data(), N * C, grid, gx);
      } else {
        avg_pool2d_planes_backward(level.data(), N * C, grid, false, gx);
      }
    }
  });
  return out;
}

#define GRAPHPOOL_INSTANTIATE(T)                                                            \
  template Var<T> spatial_pyramid_pool<T>(Var<T>, const SpatialPyramidPoolOptions&);        \
  template void spatial_pyramid_pool<T>(const Tensor<T>&, const SpatialPyramidPoolOptions&, \
                                        Tensor<T>&);
GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
