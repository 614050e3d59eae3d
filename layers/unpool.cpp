#include "layers/unpool.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "core/errors.hpp"

namespace graphpool {

namespace {
constexpr Index kRowGrain = 128;
std::string str(Index v) {
  return std::to_string(v);
}
}  // namespace

template <class T>
Var<T> unpool(Var<T> x, std::span<const Index> kept, Index num_nodes) {
  Tape<T>& tape = *x.tape;
  check_rank("unpool: x", x.shape(), 2);
  const Index K = x.shape()[0], F = x.shape()[1];
  if (static_cast<Index>(kept.size()) != K) {
    throw ShapeError("unpool: x is " + x.shape().str() + " but " +
                     str(static_cast<Index>(kept.size())) + " positions were given");
  }
  if (num_nodes < 0) throw ValueError("unpool: num_nodes must be >= 0, got " + str(num_nodes));
  // source[r] = the pooled row that goes to row r, or -1 (zero row)
  std::vector<Index> source(static_cast<std::size_t>(num_nodes), -1);
  for (Index i = 0; i < K; ++i) {
    const Index r = kept[i];
    if (r < 0 || r >= num_nodes) {
      throw IndexError("unpool: kept[" + str(i) + "] = " + str(r) + " is outside [0, " +
                       str(num_nodes) + ")");
    }
    if (source[r] >= 0) {
      throw ValueError("unpool: position " + str(r) + " appears twice (kept[" + str(source[r]) +
                       "] and kept[" + str(i) + "])");
    }
    source[r] = i;
  }
  Var<T> out = tape.make(Shape{num_nodes, F}, {x});
  {
    const T* xv = tape.value(x).data();
    T* y = tape.mutable_value(out).data();
    // out[r] = x[source[r]] or 0: a gather over output rows, each written once
    parallel_for(0, num_nodes, kRowGrain, [&](Index lo, Index hi) {
      for (Index r = lo; r < hi; ++r) {
        if (source[r] < 0) {
          std::fill_n(y + r * F, F, T(0));
        } else {
          std::copy_n(xv + source[r] * F, F, y + r * F);
        }
      }
    });
  }
  std::vector<Index> index(kept.begin(), kept.end());
  // dx[i] += dout[kept[i]]
  tape.on_backward(out, [x, out, index = std::move(index), F](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    T* dx = t.grad(x).data();
    const T* dy = t.grad(out).data();
    parallel_for(0, static_cast<Index>(index.size()), kRowGrain, [&](Index lo, Index hi) {
      for (Index i = lo; i < hi; ++i) {
        for (Index c = 0; c < F; ++c) dx[i * F + c] += dy[index[i] * F + c];
      }
    });
  });
  return out;
}

template <class T>
Var<T> unpool(Var<T> x, const SelectOutput<T>& selection) {
  return unpool(x, selection.kept(), selection.num_nodes());
}

#define GRAPHPOOL_INSTANTIATE_UNPOOL(T)                          \
  template Var<T> unpool(Var<T>, std::span<const Index>, Index); \
  template Var<T> unpool(Var<T>, const SelectOutput<T>&);

GRAPHPOOL_INSTANTIATE_UNPOOL(float)
GRAPHPOOL_INSTANTIATE_UNPOOL(double)

}  // namespace graphpool
