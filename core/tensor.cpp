#include "core/tensor.hpp"

#include <sys/mman.h>

#include <sstream>

#include "core/errors.hpp"

namespace graphpool {

namespace {
constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
constexpr std::align_val_t kAlignment{kStorageAlignment};
}  // namespace

void* allocate_storage(std::size_t bytes) {
  void* storage = ::operator new(bytes, kAlignment);
  if (bytes >= kHugePageMinBytes) {
    // the whole 2 MiB pages inside [storage, storage + bytes) may become huge pages: a hint,
    // ignored where the kernel has no transparent huge pages
    const auto begin = reinterpret_cast<std::uintptr_t>(storage);
    const std::uintptr_t first = (begin + kHugePage - 1) / kHugePage * kHugePage;
    const std::uintptr_t last = (begin + bytes) / kHugePage * kHugePage;
    if (last > first) (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  }
  return storage;
}

void free_storage(void* storage) noexcept {
  ::operator delete(storage, kAlignment);
}

Shape::Shape(std::initializer_list<Index> dims)
    : Shape(std::span<const Index>(dims.begin(), dims.size())) {}

Shape::Shape(std::span<const Index> dims) {
  if (dims.size() > kMaxRank) {
    throw ShapeError("Shape: at most " + std::to_string(kMaxRank) + " dimensions, got " +
                     std::to_string(dims.size()));
  }
  rank_ = static_cast<int>(dims.size());
  for (int i = 0; i < rank_; ++i) {
    if (dims[static_cast<std::size_t>(i)] < 0) {
      throw ShapeError("Shape: dimension " + std::to_string(i) + " is negative (" +
                       std::to_string(dims[static_cast<std::size_t>(i)]) + ")");
    }
    dims_[static_cast<std::size_t>(i)] = dims[static_cast<std::size_t>(i)];
  }
}

Index Shape::numel() const {
  Index n = 1;
  for (int i = 0; i < rank_; ++i) n *= dims_[static_cast<std::size_t>(i)];
  return n;
}

std::string Shape::str() const {
  std::ostringstream out;
  out << '[';
  for (int i = 0; i < rank_; ++i) out << (i ? ", " : "") << dims_[static_cast<std::size_t>(i)];
  out << ']';
  return out.str();
}

bool Shape::operator==(const Shape& other) const {
  if (rank_ != other.rank_) return false;
  for (int i = 0; i < rank_; ++i) {
    if (dims_[static_cast<std::size_t>(i)] != other.dims_[static_cast<std::size_t>(i)])
      return false;
  }
  return true;
}

void check_same_shape(const char* what, const Shape& expected, const Shape& got) {
  if (!(expected == got)) {
    throw ShapeError(std::string(what) + ": expected shape " + expected.str() + " but got " +
                     got.str());
  }
}

void check_rank(const char* what, const Shape& shape, int rank) {
  if (shape.rank() != rank) {
    throw ShapeError(std::string(what) + ": expected a rank-" + std::to_string(rank) +
                     " tensor but got shape " + shape.str());
  }
}

template <class T>
Tensor<T>::Tensor(Shape shape, const std::vector<T>& values)
    : shape_(shape), data_(values.begin(), values.end()) {
  if (static_cast<Index>(data_.size()) != shape.numel()) {
    throw ShapeError("Tensor: shape " + shape.str() + " holds " + std::to_string(shape.numel()) +
                     " elements but " + std::to_string(data_.size()) + " values were given");
  }
}

template <class T>
Tensor<T> Tensor<T>::from_matrix(const Eigen::Ref<const RowMatrix<T>>& m) {
  Tensor out(Shape{m.rows(), m.cols()});
  out.matrix() = m;
  return out;
}

template <class T>
Index Tensor<T>::rows() const {
  check_rank("Tensor::rows", shape_, 2);
  return shape_[0];
}

template <class T>
Index Tensor<T>::cols() const {
  check_rank("Tensor::cols", shape_, 2);
  return shape_[1];
}

template <class T>
MatrixMap<T> Tensor<T>::matrix() {
  check_rank("Tensor::matrix", shape_, 2);
  return {data_.data(), shape_[0], shape_[1]};
}

template <class T>
ConstMatrixMap<T> Tensor<T>::matrix() const {
  check_rank("Tensor::matrix", shape_, 2);
  return {data_.data(), shape_[0], shape_[1]};
}

template <class T>
T Tensor<T>::item() const {
  if (numel() != 1) {
    throw ShapeError("Tensor::item: expected one element but shape is " + shape_.str());
  }
  return data_[0];
}

template <class T>
void Tensor<T>::reshape(const Shape& shape) {
  if (shape.numel() != numel()) {
    throw ShapeError("Tensor::reshape: cannot view " + shape_.str() + " as " + shape.str());
  }
  shape_ = shape;
}

template class Tensor<float>;
template class Tensor<double>;

}  // namespace graphpool
