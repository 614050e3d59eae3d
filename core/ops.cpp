#include "core/ops.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/gemm.hpp"

namespace graphpool {

namespace {

template <class T>
using Flat = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using ConstFlat = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

template <class T>
Flat<T> flat(Tensor<T>& t) {
  return {t.data(), t.numel()};
}
template <class T>
ConstFlat<T> flat(const Tensor<T>& t) {
  return {t.data(), t.numel()};
}

template <class T>
Tape<T>& tape_of(const char* op, Var<T> a, Var<T> b) {
  if (a.tape == nullptr || a.tape != b.tape) {
    throw ValueError(std::string(op) + ": both operands must live on the same tape");
  }
  return *a.tape;
}

// Sum of p[0..n) left to right. Eigen's vectorised reductions start their packets at the first
// aligned address, so their summation order (and last bits) would depend on where the allocator
// put the data; this loop's order depends on nothing.
template <class T>
T ordered_sum(const T* p, Index n, Index stride = 1) {
  T s = 0;
  for (Index i = 0; i < n; ++i) s += p[i * stride];
  return s;
}

// The adjoint of `v` for a closure that writes all of it: adds `expr` into it, or assigns it when
// nothing was added yet in this backward pass (no zeroing, no re-read).
template <class T, class Expr>
void accumulate_flat(Tape<T>& t, Var<T> v, const Expr& expr) {
  bool fresh = false;
  Tensor<T>& g = t.grad_for_write(v, fresh);
  if (fresh) {
    flat(g) = expr;
  } else {
    flat(g) += expr;
  }
}

// Row blocks for parallel dense kernels: enough rows per chunk to amortise scheduling.
constexpr Index kRowGrain = 64;

// f(i) for i in [0, n): fixed chunks of kElementsPerChunk in parallel, inline when small.
template <class F>
void for_each_element(Index n, const F& f) {
  parallel_for_elements(n, [&](Index lo, Index hi) {
    for (Index i = lo; i < hi; ++i) f(i);
  });
}

// Elementwise op with one input: out = f(x); backward dx += g(x, out) * dout. Both passes are split
// into fixed chunks of kElementsPerChunk (inline when small).
template <class T, class Forward, class Derivative>
Var<T> unary(Var<T> x, Forward forward, Derivative derivative) {
  Tape<T>& tape = *x.tape;
  Var<T> out = tape.make(x.shape(), {x});
  {
    const T* __restrict xv = tape.value(x).data();
    T* __restrict yv = tape.mutable_value(out).data();
    for_each_element(x.value().numel(), [&](Index i) { yv[i] = forward(xv[i]); });
  }
  tape.on_backward(out, [x, out, derivative](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    bool fresh = false;
    T* __restrict dx = t.grad_for_write(x, fresh).data();
    const T* __restrict xv = t.value(x).data();
    const T* __restrict yv = t.value(out).data();
    const T* __restrict dy = t.grad(out).data();
    const Index n = t.value(x).numel();
    if (fresh) {
      for_each_element(n, [&](Index i) { dx[i] = derivative(xv[i], yv[i]) * dy[i]; });
    } else {
      for_each_element(n, [&](Index i) { dx[i] += derivative(xv[i], yv[i]) * dy[i]; });
    }
  });
  return out;
}

}  // namespace

template <class T>
Var<T> add(Var<T> a, Var<T> b) {
  Tape<T>& tape = tape_of("add", a, b);
  check_same_shape("add: b", a.shape(), b.shape());
  Var<T> out = tape.make(a.shape(), {a, b});
  flat(tape.mutable_value(out)) = flat(tape.value(a)) + flat(tape.value(b));
  // d(a + b)/da = 1, d(a + b)/db = 1
  tape.on_backward(out, [a, b, out](Tape<T>& t) {
    if (t.requires_grad(a)) accumulate_flat(t, a, flat(t.grad(out)));
    if (t.requires_grad(b)) accumulate_flat(t, b, flat(t.grad(out)));
  });
  return out;
}

template <class T>
Var<T> sub(Var<T> a, Var<T> b) {
  Tape<T>& tape = tape_of("sub", a, b);
  check_same_shape("sub: b", a.shape(), b.shape());
  Var<T> out = tape.make(a.shape(), {a, b});
  flat(tape.mutable_value(out)) = flat(tape.value(a)) - flat(tape.value(b));
  // d(a - b)/da = 1, d(a - b)/db = -1
  tape.on_backward(out, [a, b, out](Tape<T>& t) {
    if (t.requires_grad(a)) accumulate_flat(t, a, flat(t.grad(out)));
    if (t.requires_grad(b)) flat(t.grad(b)) -= flat(t.grad(out));
  });
  return out;
}

template <class T>
Var<T> mul(Var<T> a, Var<T> b) {
  Tape<T>& tape = tape_of("mul", a, b);
  check_same_shape("mul: b", a.shape(), b.shape());
  Var<T> out = tape.make(a.shape(), {a, b});
  flat(tape.mutable_value(out)) = flat(tape.value(a)) * flat(tape.value(b));
  // d(a b)/da = b, d(a b)/db = a
  tape.on_backward(out, [a, b, out](Tape<T>& t) {
    if (t.requires_grad(a)) accumulate_flat(t, a, flat(t.grad(out)) * flat(t.value(b)));
    if (t.requires_grad(b)) accumulate_flat(t, b, flat(t.grad(out)) * flat(t.value(a)));
  });
  return out;
}

template <class T>
Var<T> scale(Var<T> a, T s) {
  Tape<T>& tape = *a.tape;
  Var<T> out = tape.make(a.shape(), {a});
  flat(tape.mutable_value(out)) = flat(tape.value(a)) * s;
  // d(s a)/da = s
  tape.on_backward(out, [a, out, s](Tape<T>& t) {
    if (t.requires_grad(a)) accumulate_flat(t, a, flat(t.grad(out)) * s);
  });
  return out;
}

template <class T>
Var<T> add_bias(Var<T> x, Var<T> bias) {
  Tape<T>& tape = tape_of("add_bias", x, bias);
  check_rank("add_bias: x", x.shape(), 2);
  const Index cols = x.shape()[1];
  if (bias.value().numel() != cols) {
    throw ShapeError("add_bias: x is " + x.shape().str() + " so bias must have " +
                     std::to_string(cols) + " elements but has shape " + bias.shape().str());
  }
  Var<T> out = tape.make(x.shape(), {x, bias});
  {
    auto b = tape.value(bias).flat().transpose();
    auto xv = tape.value(x).matrix();
    auto y = tape.mutable_value(out).matrix();
    parallel_for(0, xv.rows(), 4 * kRowGrain, [&](Index lo, Index hi) {
      y.middleRows(lo, hi - lo) = xv.middleRows(lo, hi - lo).rowwise() + b;
    });
  }
  // d/dx = 1; d/dbias[c] = sum over rows of dout[:, c]
  tape.on_backward(out, [x, bias, out](Tape<T>& t) {
    if (t.requires_grad(x)) accumulate_flat(t, x, flat(t.grad(out)));
    if (t.requires_grad(bias)) {
      const Tensor<T>& dy = t.grad(out);
      T* db = t.grad(bias).data();
      const Index rows = dy.dim(0), cols = dy.dim(1);
      for (Index c = 0; c < cols; ++c) db[c] += ordered_sum(dy.data() + c, rows, cols);
    }
  });
  return out;
}

template <class T>
Var<T> scale_rows(Var<T> x, Var<T> s) {
  Tape<T>& tape = tape_of("scale_rows", x, s);
  check_rank("scale_rows: x", x.shape(), 2);
  const Index rows = x.shape()[0];
  if (s.value().numel() != rows) {
    throw ShapeError("scale_rows: x is " + x.shape().str() + " so s must have " +
                     std::to_string(rows) + " elements but has shape " + s.shape().str());
  }
  Var<T> out = tape.make(x.shape(), {x, s});
  tape.mutable_value(out).matrix() = tape.value(s).flat().asDiagonal() * tape.value(x).matrix();
  // d(s_r x_rc)/dx_rc = s_r; d/ds_r = sum_c dout_rc x_rc
  tape.on_backward(out, [x, s, out](Tape<T>& t) {
    const auto dy = t.grad(out).matrix();
    if (t.requires_grad(x)) t.grad(x).matrix() += t.value(s).flat().asDiagonal() * dy;
    if (t.requires_grad(s)) {
      const auto xv = t.value(x).matrix();
      T* ds = t.grad(s).data();
      for (Index r = 0; r < dy.rows(); ++r) {
        T acc = 0;
        for (Index c = 0; c < dy.cols(); ++c) acc += dy(r, c) * xv(r, c);
        ds[r] += acc;
      }
    }
  });
  return out;
}

template <class T>
Var<T> matmul(Var<T> a, Var<T> b) {
  Tape<T>& tape = tape_of("matmul", a, b);
  check_rank("matmul: a", a.shape(), 2);
  check_rank("matmul: b", b.shape(), 2);
  if (a.shape()[1] != b.shape()[0]) {
    throw ShapeError("matmul: a is " + a.shape().str() + " and b is " + b.shape().str() +
                     "; a's columns must equal b's rows");
  }
  Var<T> out = tape.make(Shape{a.shape()[0], b.shape()[1]}, {a, b});
  gemm_nn<T>(tape.value(a).matrix(), tape.value(b).matrix(), tape.mutable_value(out).matrix());
  // d(a b)/da = dout b^T; d(a b)/db = a^T dout
  tape.on_backward(out, [a, b, out](Tape<T>& t) {
    const auto dy = t.grad(out).matrix();
    bool fresh = false;
    if (t.requires_grad(a)) {
      Tensor<T>& da = t.grad_for_write(a, fresh);
      gemm_nt<T>(dy, t.value(b).matrix(), da.matrix(), write_mode(fresh));
    }
    if (t.requires_grad(b)) {
      Tensor<T>& db = t.grad_for_write(b, fresh);
      gemm_tn<T>(t.value(a).matrix(), dy, db.matrix(), write_mode(fresh));
    }
  });
  return out;
}

// relu(x) = max(x, 0); d/dx = [x > 0], which is [relu(x) > 0]: the derivative reads only the
// output, so relu_ can overwrite x.
template <class T>
T relu_value(T v) {
  return v > T(0) ? v : T(0);
}
template <class T>
T relu_derivative(T, T y) {
  return y > T(0) ? T(1) : T(0);
}

template <class T>
Var<T> relu(Var<T> x) {
  return unary<T>(
      x, [](T v) { return relu_value(v); }, [](T v, T y) { return relu_derivative(v, y); });
}

template <class T>
Var<T> relu_(Var<T> x) {
  Tape<T>& tape = *x.tape;
  T* __restrict v = tape.mutable_value(x).data();
  // x <- max(x, 0) in place
  for_each_element(x.value().numel(), [&](Index i) { v[i] = relu_value(v[i]); });
  // dx = [relu(x) > 0] dy, in place: runs after every consumer added into x's adjoint and before
  // x's producer reads it
  tape.on_backward(x, [x](Tape<T>& t) {
    const T* __restrict y = t.value(x).data();
    T* __restrict g = t.grad(x).data();
    for_each_element(t.value(x).numel(),
                     [&](Index i) { g[i] = relu_derivative(y[i], y[i]) * g[i]; });
  });
  return x;
}

template <class T>
Var<T> tanh(Var<T> x) {
  // d tanh(x)/dx = 1 - tanh(x)^2
  return unary<T>(
      x, [](T v) { return std::tanh(v); }, [](T, T y) { return T(1) - y * y; });
}

template <class T>
Var<T> sigmoid(Var<T> x) {
  // sigmoid(x) = 1 / (1 + e^-x); d/dx = s (1 - s)
  return unary<T>(
      x, [](T v) { return T(1) / (T(1) + std::exp(-v)); }, [](T, T y) { return y * (T(1) - y); });
}

template <class T>
Var<T> exp(Var<T> x) {
  // d e^x/dx = e^x
  return unary<T>(
      x, [](T v) { return std::exp(v); }, [](T, T y) { return y; });
}

template <class T>
Var<T> log(Var<T> x) {
  // d log(x)/dx = 1/x
  return unary<T>(
      x, [](T v) { return std::log(v); }, [](T v, T) { return T(1) / v; });
}

template <class T>
Var<T> sum(Var<T> x) {
  Tape<T>& tape = *x.tape;
  Var<T> out = tape.make(Shape{}, {x});
  tape.mutable_value(out)[0] = ordered_sum(tape.value(x).data(), tape.value(x).numel());
  // d sum(x)/dx_i = 1
  tape.on_backward(out, [x, out](Tape<T>& t) {
    if (t.requires_grad(x)) flat(t.grad(x)) += t.grad(out)[0];
  });
  return out;
}

template <class T>
Var<T> mean(Var<T> x) {
  Tape<T>& tape = *x.tape;
  const Index n = x.value().numel();
  Var<T> out = tape.make(Shape{}, {x});
  tape.mutable_value(out)[0] = n > 0 ? ordered_sum(tape.value(x).data(), n) / T(n) : T(0);
  // d mean(x)/dx_i = 1/n
  tape.on_backward(out, [x, out, n](Tape<T>& t) {
    if (t.requires_grad(x) && n > 0) flat(t.grad(x)) += t.grad(out)[0] / T(n);
  });
  return out;
}

template <class T>
Var<T> concat_cols(std::span<const Var<T>> parts) {
  if (parts.empty()) throw ValueError("concat_cols: needs at least one part");
  Tape<T>& tape = *parts[0].tape;
  Index rows = -1, cols = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].tape != &tape) throw ValueError("concat_cols: parts must live on the same tape");
    check_rank("concat_cols: part", parts[i].shape(), 2);
    if (rows < 0) rows = parts[i].shape()[0];
    if (parts[i].shape()[0] != rows) {
      throw ShapeError("concat_cols: part 0 has " + std::to_string(rows) + " rows but part " +
                       std::to_string(i) + " is " + parts[i].shape().str());
    }
    cols += parts[i].shape()[1];
  }
  std::vector<Var<T>> inputs(parts.begin(), parts.end());
  Var<T> out = tape.make(Shape{rows, cols}, std::span<const Var<T>>(inputs));
  {
    T* y = tape.mutable_value(out).data();
    std::vector<const T*> part_values;
    for (const Var<T>& p : inputs) part_values.push_back(tape.value(p).data());
    // y[r] = [part_0[r], part_1[r], ...]
    parallel_for(
        0, rows, rows_per_chunk(cols),
        [&](Index lo, Index hi) {
          for (Index r = lo; r < hi; ++r) {
            T* yr = y + r * cols;
            for (std::size_t i = 0; i < inputs.size(); ++i) {
              const Index c = inputs[i].shape()[1];
              yr = std::copy_n(part_values[i] + r * c, c, yr);
            }
          }
        },
        cols);
  }
  // d/dpart = the matching column block of dout
  tape.on_backward(out, [inputs = std::move(inputs), out, rows, cols](Tape<T>& t) {
    const T* dy = t.grad(out).data();
    Index col = 0;
    for (const Var<T>& p : inputs) {
      const Index c = t.value(p).shape()[1];
      if (t.requires_grad(p)) {
        bool fresh = false;
        T* dp = t.grad_for_write(p, fresh).data();
        // dpart[r] (=|+=) dout[r, col .. col + c)
        parallel_for(
            0, rows, rows_per_chunk(c),
            [&](Index lo, Index hi) {
              for (Index r = lo; r < hi; ++r) {
                const T* src = dy + r * cols + col;
                T* dst = dp + r * c;
                if (fresh) {
                  std::copy_n(src, c, dst);
                } else {
                  for (Index j = 0; j < c; ++j) dst[j] += src[j];
                }
              }
            },
            c);
      }
      col += c;
    }
  });
  return out;
}

template <class T>
Var<T> gather_rows(Var<T> x, std::span<const Index> rows) {
  Tape<T>& tape = *x.tape;
  check_rank("gather_rows: x", x.shape(), 2);
  const Index n = x.shape()[0], cols = x.shape()[1];
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] < 0 || rows[i] >= n) {
      throw IndexError("gather_rows: rows[" + std::to_string(i) + "] = " + std::to_string(rows[i]) +
                       " is outside [0, " + std::to_string(n) + ")");
    }
  }
  std::vector<Index> index(rows.begin(), rows.end());
  Var<T> out = tape.make(Shape{static_cast<Index>(index.size()), cols}, {x});
  {
    const T* src = tape.value(x).data();
    T* dst = tape.mutable_value(out).data();
    // out[i] = x[rows[i]]
    parallel_for(0, static_cast<Index>(index.size()), 256, [&](Index lo, Index hi) {
      for (Index i = lo; i < hi; ++i) std::copy_n(src + index[i] * cols, cols, dst + i * cols);
    });
  }
  // dx[rows[i]] += dout[i] (sequential: rows may repeat)
  tape.on_backward(out, [x, out, index = std::move(index), cols](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    T* dx = t.grad(x).data();
    const T* dy = t.grad(out).data();
    for (std::size_t i = 0; i < index.size(); ++i) {
      for (Index c = 0; c < cols; ++c)
        dx[index[i] * cols + c] += dy[static_cast<Index>(i) * cols + c];
    }
  });
  return out;
}

template <class T>
Var<T> scatter_rows(Var<T> x, std::span<const Index> rows, Index total_rows) {
  Tape<T>& tape = *x.tape;
  check_rank("scatter_rows: x", x.shape(), 2);
  const Index cols = x.shape()[1];
  if (static_cast<Index>(rows.size()) != x.shape()[0]) {
    throw ShapeError("scatter_rows: x is " + x.shape().str() + " but " +
                     std::to_string(rows.size()) + " row indices were given");
  }
  std::vector<char> seen(static_cast<std::size_t>(std::max<Index>(total_rows, 0)), 0);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] < 0 || rows[i] >= total_rows) {
      throw IndexError("scatter_rows: rows[" + std::to_string(i) +
                       "] = " + std::to_string(rows[i]) + " is outside [0, " +
                       std::to_string(total_rows) + ")");
    }
    if (seen[static_cast<std::size_t>(rows[i])]++) {
      throw IndexError("scatter_rows: row " + std::to_string(rows[i]) + " appears twice (at " +
                       std::to_string(i) + ")");
    }
  }
  std::vector<Index> index(rows.begin(), rows.end());
  Var<T> out = tape.make(Shape{total_rows, cols}, {x});
  Tensor<T>& y = tape.mutable_value(out);
  y.set_zero();
  // out[rows[i]] = x[i]
  for (std::size_t i = 0; i < index.size(); ++i) {
    std::copy_n(tape.value(x).data() + static_cast<Index>(i) * cols, cols,
                y.data() + index[i] * cols);
  }
  // dx[i] += dout[rows[i]]
  tape.on_backward(out, [x, out, index = std::move(index), cols](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    T* dx = t.grad(x).data();
    const T* dy = t.grad(out).data();
    for (std::size_t i = 0; i < index.size(); ++i) {
      for (Index c = 0; c < cols; ++c)
        dx[static_cast<Index>(i) * cols + c] += dy[index[i] * cols + c];
    }
  });
  return out;
}

template <class T>
Var<T> reshape(Var<T> x, const Shape& shape) {
  Tape<T>& tape = *x.tape;
  if (shape.numel() != x.value().numel()) {
    throw ShapeError("reshape: cannot view " + x.shape().str() + " as " + shape.str());
  }
  Var<T> out = tape.make(shape, {x});
  flat(tape.mutable_value(out)) = flat(tape.value(x));
  tape.on_backward(out, [x, out](Tape<T>& t) {
    if (t.requires_grad(x)) accumulate_flat(t, x, flat(t.grad(out)));
  });
  return out;
}

#define GRAPHPOOL_INSTANTIATE_OPS(T)                                   \
  template Var<T> add(Var<T>, Var<T>);                                 \
  template Var<T> sub(Var<T>, Var<T>);                                 \
  template Var<T> mul(Var<T>, Var<T>);                                 \
  template Var<T> scale(Var<T>, T);                                    \
  template Var<T> add_bias(Var<T>, Var<T>);                            \
  template Var<T> scale_rows(Var<T>, Var<T>);                          \
  template Var<T> matmul(Var<T>, Var<T>);                              \
  template Var<T> relu(Var<T>);                                        \
  template Var<T> relu_(Var<T>);                                       \
  template Var<T> tanh(Var<T>);                                        \
  template Var<T> sigmoid(Var<T>);                                     \
  template Var<T> exp(Var<T>);                                         \
  template Var<T> log(Var<T>);                                         \
  template Var<T> sum(Var<T>);                                         \
  template Var<T> mean(Var<T>);                                        \
  template Var<T> concat_cols(std::span<const Var<T>>);                \
  template Var<T> gather_rows(Var<T>, std::span<const Index>);         \
  template Var<T> scatter_rows(Var<T>, std::span<const Index>, Index); \
  template Var<T> reshape(Var<T>, const Shape&);

GRAPHPOOL_INSTANTIATE_OPS(float)
GRAPHPOOL_INSTANTIATE_OPS(double)

}  // namespace graphpool
