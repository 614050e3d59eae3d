#pragma once
/// Dense tensors on Eigen, float or double, row-major and contiguous: [rows, cols] node features,
/// [N, C, H, W] images, [] scalars. Views of existing memory are Eigen::Map (MatrixMap) or spans.
///   Tensor<float> x({5, 3});               // zeros
///   x.matrix().row(0).setOnes();           // Eigen view, no copy
///   Tensor<float> img({2, 3, 8, 8}, 1.f);  // image batch filled with 1
#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <new>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/parallel.hpp"

namespace graphpool {

template <class T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/// A view of caller memory as a row-major matrix (what the free functions take).
template <class T>
using MatrixMap = Eigen::Map<RowMatrix<T>>;
template <class T>
using ConstMatrixMap = Eigen::Map<const RowMatrix<T>>;

/// Every tensor's storage starts on a boundary of this many bytes.
inline constexpr std::size_t kStorageAlignment = 64;
/// Tensors of this size and larger get huge pages.
inline constexpr std::size_t kHugePageMinBytes = std::size_t{8} << 20;
/// Tensor storage: `bytes` on a kStorageAlignment boundary; from kHugePageMinBytes on, the whole
/// 2 MiB pages inside it are marked for transparent huge pages (madvise: a hint, ignored where THP
/// is off): 512x fewer page faults and TLB entries. A/B on this machine: 2 x 2 max pooling over
/// [32, 64, 112, 112] 8.5-9.4 -> 7.3-7.8 ms; average pooling (already prefetching) unchanged.
void* allocate_storage(std::size_t bytes);
/// Frees what allocate_storage returned.
void free_storage(void* storage) noexcept;

/// Allocates on kStorageAlignment boundaries (allocate_storage). Every tensor starts on one, so
/// SIMD code sees the same alignment pattern in every run; Eigen's vectorised loops then split
/// their work identically and results are bitwise reproducible from run to run.
template <class T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) {}  // NOLINT(google-explicit-constructor)
  T* allocate(std::size_t n) { return static_cast<T*>(allocate_storage(n * sizeof(T))); }
  void deallocate(T* p, std::size_t) { free_storage(p); }
  /// Default-initialises: a vector grown by resize(n) leaves new floats/doubles unwritten (tensors
  /// that are about to be overwritten are not zero-filled first; Tensor(shape) still fills).
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <class U>
  bool operator==(const AlignedAllocator<U>&) const {
    return true;
  }
};

/// Up to 4 dimensions; rank 0 is a scalar with one element.
class Shape {
 public:
  static constexpr int kMaxRank = 4;
  Shape() = default;
  Shape(std::initializer_list<Index> dims);
  explicit Shape(std::span<const Index> dims);

  int rank() const { return rank_; }
  Index operator[](int axis) const { return dims_[static_cast<std::size_t>(axis)]; }
  Index numel() const;
  std::string str() const;  // "[2, 3]"
  bool operator==(const Shape& other) const;

 private:
  std::array<Index, kMaxRank> dims_{};
  int rank_ = 0;
};

/// Throws ShapeError "`what`: expected [..] but got [..]" unless the shapes are equal.
void check_same_shape(const char* what, const Shape& expected, const Shape& got);
/// Throws ShapeError unless `shape` has the given rank; `what` names the argument.
void check_rank(const char* what, const Shape& shape, int rank);

template <class T>
class Tensor {
 public:
  using Scalar = T;
  Tensor() : Tensor(Shape{0}) {}
  explicit Tensor(Shape shape, T fill = T(0)) : shape_(shape), data_(size(shape), fill) {}
  Tensor(Shape shape, const std::vector<T>& values);  // throws ShapeError if sizes differ
  /// A tensor of `shape` whose elements are NOT initialised, for outputs the caller overwrites
  /// completely (saves the zero-fill of Tensor(shape)).
  ///   Tensor<float> y = Tensor<float>::uninitialized({n, c});  y.matrix() = ...;
  static Tensor uninitialized(const Shape& shape) {
    Tensor t;
    t.resize(shape);
    return t;
  }
  /// A copy of a matrix expression as a [rows, cols] tensor.
  static Tensor from_matrix(const Eigen::Ref<const RowMatrix<T>>& m);

  const Shape& shape() const { return shape_; }
  Index dim(int axis) const { return shape_[axis]; }
  int rank() const { return shape_.rank(); }
  Index numel() const { return static_cast<Index>(data_.size()); }
  Index rows() const;  // rank 2 only
  Index cols() const;

  T* data() { return data_.data(); }
  const T* data() const { return data_.data(); }
  std::span<T> values() { return data_; }
  std::span<const T> values() const { return data_; }
  /// Rank-2 view as an Eigen matrix (ShapeError for other ranks).
  MatrixMap<T> matrix();
  ConstMatrixMap<T> matrix() const;
  /// Any rank as a flat column vector.
  Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>> flat() { return {data_.data(), numel()}; }
  Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>> flat() const {
    return {data_.data(), numel()};
  }

  T& operator[](Index i) { return data_[static_cast<std::size_t>(i)]; }
  const T& operator[](Index i) const { return data_[static_cast<std::size_t>(i)]; }
  T& operator()(Index r, Index c) { return data_[static_cast<std::size_t>(r * shape_[1] + c)]; }
  const T& operator()(Index r, Index c) const {
    return data_[static_cast<std::size_t>(r * shape_[1] + c)];
  }
  T& operator()(Index n, Index c, Index h, Index w) { return data_[offset4(n, c, h, w)]; }
  const T& operator()(Index n, Index c, Index h, Index w) const {
    return data_[offset4(n, c, h, w)];
  }
  T item() const;  // the single element of a one-element tensor

  /// Changes the shape; keeps the allocation when it is large enough (contents unspecified: a
  /// larger size allocates afresh without copying or zeroing anything).
  void resize(const Shape& shape) {
    shape_ = shape;
    const std::size_t n = size(shape);
    if (n > data_.capacity()) data_.clear();  // nothing to carry over into the new allocation
    data_.resize(n);
  }
  /// Same elements, new shape of equal numel.
  void reshape(const Shape& shape);
  void fill(T value) { std::fill(data_.begin(), data_.end(), value); }
  void set_zero() { fill(T(0)); }
  std::size_t capacity() const { return data_.capacity(); }

 private:
  static std::size_t size(const Shape& s) { return static_cast<std::size_t>(s.numel()); }
  std::size_t offset4(Index n, Index c, Index h, Index w) const {
    return static_cast<std::size_t>(((n * shape_[1] + c) * shape_[2] + h) * shape_[3] + w);
  }
  Shape shape_;
  std::vector<T, AlignedAllocator<T>> data_;
};

extern template class Tensor<float>;
extern template class Tensor<double>;

}  // namespace graphpool
