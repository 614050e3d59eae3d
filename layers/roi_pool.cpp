#include "layers/roi_pool.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "core/errors.hpp"
#include "core/parallel.hpp"

namespace graphpool {

namespace {

constexpr double kMaxCorner = 1073741824.0;  // 2^30: scaled corners beyond this are rejected

std::string box_name(Index k) {
  return "roi_max_pool2d: box " + std::to_string(k);
}

// The rows or columns of every bin of one box along one axis, clipped to [0, extent).
struct BinRanges {
  std::vector<Index> begin, end;
};

// One box resolved to its batch image and bin ranges (torchvision's arithmetic, in T).
struct BoxBins {
  Index batch = 0;
  BinRanges rows, cols;
};

// bin i of a roi starting at `start` of `size` cells cut into `bins`:
// [floor(i * size / bins), ceil((i + 1) * size / bins)) + start, clipped to [0, extent]
template <class T>
BinRanges bin_ranges(Index start, Index size, Index bins, Index extent) {
  BinRanges r;
  r.begin.resize(static_cast<std::size_t>(bins));
  r.end.resize(static_cast<std::size_t>(bins));
  const T bin_size = static_cast<T>(size) / static_cast<T>(bins);
  for (Index i = 0; i < bins; ++i) {
    const Index lo = static_cast<Index>(std::floor(static_cast<T>(i) * bin_size)) + start;
    const Index hi = static_cast<Index>(std::ceil(static_cast<T>(i + 1) * bin_size)) + start;
    r.begin[static_cast<std::size_t>(i)] = std::min(std::max(lo, Index{0}), extent);
    r.end[static_cast<std::size_t>(i)] = std::min(std::max(hi, Index{0}), extent);
  }
  return r;
}

// round(v * scale) half away from zero, in T as torchvision; ValueError for NaN / inf / huge.
template <class T>
Index scaled_corner(T v, T scale, Index k) {
  if (!std::isfinite(v)) {
    throw ValueError(box_name(k) + ": coordinates must be finite, got " + std::to_string(v));
  }
  const T r = std::round(v * scale);
  if (!(std::abs(static_cast<double>(r)) <= kMaxCorner)) {
    throw ValueError(box_name(k) + ": scaled corner " + std::to_string(r) +
                     " is beyond +-2^30 cells");
  }
  return static_cast<Index>(r);
}

template <class T>
std::vector<BoxBins> resolve_boxes(const Shape& x, const Tensor<T>& boxes,
                                   const RoiPoolOptions& options) {
  check_roi_pool_args(x, boxes, options);
  const Index K = boxes.dim(0), H = x[2], W = x[3];
  const T scale = static_cast<T>(options.spatial_scale_);
  std::vector<BoxBins> out(static_cast<std::size_t>(K));
  for (Index k = 0; k < K; ++k) {
    BoxBins& box = out[static_cast<std::size_t>(k)];
    box.batch = static_cast<Index>(boxes(k, 0));
    const Index x1 = scaled_corner(boxes(k, 1), scale, k);
    const Index y1 = scaled_corner(boxes(k, 2), scale, k);
    const Index x2 = scaled_corner(boxes(k, 3), scale, k);
    const Index y2 = scaled_corner(boxes(k, 4), scale, k);
    // malformed boxes (x2 < x1) are forced to one cell, as torchvision
    const Index roi_w = std::max(x2 - x1 + 1, Index{1});
    const Index roi_h = std::max(y2 - y1 + 1, Index{1});
    box.rows = bin_ranges<T>(y1, roi_h, options.output_h_, H);
    box.cols = bin_ranges<T>(x1, roi_w, options.output_w_, W);
  }
  return out;
}

}  // namespace

template <class T>
void check_roi_pool_args(const Shape& x, const Tensor<T>& boxes, const RoiPoolOptions& options) {
  check_rank("roi_max_pool2d: x [N, C, H, W]", x, 4);
  if (boxes.rank() != 2 || boxes.dim(1) != 5) {
    throw ShapeError("roi_max_pool2d: boxes must be [K, 5] (batch index, x1, y1, x2, y2), got " +
                     boxes.shape().str());
  }
  if (options.output_h_ < 1 || options.output_w_ < 1) {
    throw ValueError("roi_max_pool2d: output size must be positive, got [" +
                     std::to_string(options.output_h_) + ", " + std::to_string(options.output_w_) +
                     "]");
  }
  if (!(std::isfinite(options.spatial_scale_) && options.spatial_scale_ > 0)) {
    throw ValueError("roi_max_pool2d: spatial_scale must be finite and > 0, got " +
                     std::to_string(options.spatial_scale_));
  }
  if (x[2] * x[3] > std::numeric_limits<std::int32_t>::max()) {
    throw ShapeError("roi_max_pool2d: a feature map of H * W = " + std::to_string(x[2] * x[3]) +
                     " cells exceeds the int32 arg index");
  }
  const Index N = x[0];
  for (Index k = 0; k < boxes.dim(0); ++k) {
    const T b = boxes(k, 0);
    if (!(b >= 0 && b < static_cast<T>(N) && b == std::floor(b))) {
      throw IndexError(box_name(k) + ": batch index must be an integer in [0, " +
                       std::to_string(N) + "), got " + std::to_string(b));
    }
    for (int j = 1; j < 5; ++j) {
      if (std::isnan(boxes(k, j))) {
        throw ValueError(box_name(k) + ": coordinate " + std::to_string(j) + " is NaN");
      }
    }
  }
}

template <class T>
void roi_max_pool2d_forward(const Tensor<T>& x, const Tensor<T>& boxes,
                            const RoiPoolOptions& options, Tensor<T>& out,
                            std::vector<std::int32_t>& argmax) {
  const std::vector<BoxBins> bins = resolve_boxes(x.shape(), boxes, options);
  const Index K = boxes.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  const Index PH = options.output_h_, PW = options.output_w_;
  out.resize(Shape{K, C, PH, PW});
  argmax.resize(static_cast<std::size_t>(K * C * PH * PW));
  const Index N = x.dim(0), HW = H * W, bins_per_box = PH * PW;
  // x as channels-last [N, H * W, C], so each cell's C values are one contiguous vector
  std::vector<T> xt(static_cast<std::size_t>(N * HW * C));
  const T* xd = x.data();
  parallel_for(0, N * HW, 64, [&](Index lo, Index hi) {
    for (Index nq = lo; nq < hi; ++nq) {
      const Index n = nq / HW, q = nq % HW;
      for (Index c = 0; c < C; ++c)
        xt[static_cast<std::size_t>(nq * C + c)] = xd[(n * C + c) * HW + q];
    }
  });
  T* od = out.data();
  std::int32_t* ad = argmax.data();
  // one box per item, all channels at once: out[k, c, i, j] = max over bin (i, j) of x[b, c, h, w]
  // (torchvision: empty bin -> 0; else start at -FLT_MAX and keep the first strict max, in
  // row-major order, so NaN never wins and ties go to the first cell)
  parallel_for(0, K, 1, [&](Index lo, Index hi) {
    std::vector<T> m(static_cast<std::size_t>(bins_per_box * C));
    std::vector<std::int32_t> a(static_cast<std::size_t>(bins_per_box * C));
    for (Index k = lo; k < hi; ++k) {
      const BoxBins& box = bins[static_cast<std::size_t>(k)];
      const T* image = xt.data() + box.batch * HW * C;
      for (Index i = 0; i < PH; ++i) {
        const Index h0 = box.rows.begin[static_cast<std::size_t>(i)];
        const Index h1 = box.rows.end[static_cast<std::size_t>(i)];
        for (Index j = 0; j < PW; ++j) {
          const Index w0 = box.cols.begin[static_cast<std::size_t>(j)];
          const Index w1 = box.cols.end[static_cast<std::size_t>(j)];
          T* mb = m.data() + (i * PW + j) * C;
          std::int32_t* ab = a.data() + (i * PW + j) * C;
          const T start = (h1 <= h0 || w1 <= w0) ? T(0) : static_cast<T>(-FLT_MAX);
          std::fill_n(mb, C, start);
          std::fill_n(ab, C, std::int32_t{-1});
          for (Index h = h0; h < h1; ++h) {
            for (Index w = w0; w < w1; ++w) {
              const T* v = image + (h * W + w) * C;
              const std::int32_t cell = static_cast<std::int32_t>(h * W + w);
              for (Index c = 0; c < C; ++c) {
                const bool greater = v[c] > mb[c];
                mb[c] = greater ? v[c] : mb[c];
                ab[c] = greater ? cell : ab[c];
              }
            }
          }
        }
      }
      // [bins, C] -> out[k] [C, bins]
      T* o = od + k * C * bins_per_box;
      std::int32_t* oa = ad + k * C * bins_per_box;
      for (Index c = 0; c < C; ++c) {
        for (Index e = 0; e < bins_per_box; ++e) {
          o[c * bins_per_box + e] = m[static_cast<std::size_t>(e * C + c)];
          oa[c * bins_per_box + e] = a[static_cast<std::size_t>(e * C + c)];
        }
      }
    }
  });
}

template <class T>
void roi_max_pool2d_backward(const Tensor<T>& grad_out, std::span<const std::int32_t> argmax,
                             const Tensor<T>& boxes, Tensor<T>& grad_x) {
  check_rank("roi_max_pool2d backward: grad_out [K, C, h, w]", grad_out.shape(), 4);
  check_rank("roi_max_pool2d backward: grad_x [N, C, H, W]", grad_x.shape(), 4);
  const Index K = grad_out.dim(0), C = grad_out.dim(1);
  const Index bins = grad_out.dim(2) * grad_out.dim(3);
  const Index plane = grad_x.dim(2) * grad_x.dim(3);
  if (boxes.rank() != 2 || boxes.dim(0) != K || grad_x.dim(1) != C ||
      static_cast<Index>(argmax.size()) != grad_out.numel()) {
    throw ShapeError("roi_max_pool2d backward: grad_out " + grad_out.shape().str() + ", boxes " +
                     boxes.shape().str() + ", grad_x " + grad_x.shape().str() + " and " +
                     std::to_string(argmax.size()) + " arg indices do not fit together");
  }
  for (Index k = 0; k < K; ++k) {
    const T b = boxes(k, 0);
    if (!(b >= 0 && b < static_cast<T>(grad_x.dim(0)) && b == std::floor(b))) {
      throw IndexError(box_name(k) + ": batch index must be an integer in [0, " +
                       std::to_string(grad_x.dim(0)) + "), got " + std::to_string(b));
    }
  }
  const T* g = grad_out.data();
  T* gx = grad_x.data();
  // grad_x[b, c, arg] += grad_out[k, c, bin]: channels in parallel, boxes in order inside
  parallel_for(0, C, 4, [&](Index lo, Index hi) {
    for (Index c = lo; c < hi; ++c) {
      for (Index k = 0; k < K; ++k) {
        T* target = gx + (static_cast<Index>(boxes(k, 0)) * C + c) * plane;
        const Index base = (k * C + c) * bins;
        for (Index e = base; e < base + bins; ++e) {
          const std::int32_t arg = argmax[static_cast<std::size_t>(e)];
          if (arg >= 0) target[arg] += g[e];  // empty bins (-1) pass no gradient
        }
      }
    }
  });
}

template <class T>
Var<T> roi_max_pool2d(Var<T> x, const Tensor<T>& boxes, const RoiPoolOptions& options) {
  if (x.tape == nullptr) throw ValueError("roi_max_pool2d: x is not on a tape");
  check_roi_pool_args(x.shape(), boxes, options);
  Tape<T>& tape = *x.tape;
  Var<T> out =
      tape.make(Shape{boxes.dim(0), x.shape()[1], options.output_h_, options.output_w_}, {x});
  auto arg = std::make_shared<std::vector<std::int32_t>>();
  roi_max_pool2d_forward(tape.value(x), boxes, options, tape.mutable_value(out), *arg);
  tape.on_backward(out, [x, out, arg = std::move(arg), boxes](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    roi_max_pool2d_backward<T>(t.grad(out), *arg, boxes, t.grad(x));
  });
  return out;
}

template void check_roi_pool_args<float>(const Shape&, const Tensor<float>&, const RoiPoolOptions&);
template void check_roi_pool_args<double>(const Shape&, const Tensor<double>&,
                                          const RoiPoolOptions&);
template void roi_max_pool2d_forward<float>(const Tensor<float>&, const Tensor<float>&,
                                            const RoiPoolOptions&, Tensor<float>&,
                                            std::vector<std::int32_t>&);
template void roi_max_pool2d_forward<double>(const Tensor<double>&, const Tensor<double>&,
                                             const RoiPoolOptions&, Tensor<double>&,
                                             std::vector<std::int32_t>&);
template void roi_max_pool2d_backward<float>(const Tensor<float>&, std::span<const std::int32_t>,
                                             const Tensor<float>&, Tensor<float>&);
template void roi_max_pool2d_backward<double>(const Tensor<double>&, std::span<const std::int32_t>,
                                              const Tensor<double>&, Tensor<double>&);
template Var<float> roi_max_pool2d<float>(Var<float>, const Tensor<float>&, const RoiPoolOptions&);
template Var<double> roi_max_pool2d<double>(Var<double>, const Tensor<double>&,
                                            const RoiPoolOptions&);

}  // namespace graphpool
