#include "layers/attention_pool.hpp"

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/init.hpp"
#include "core/ops.hpp"
#include "core/parallel.hpp"

namespace graphpool {

namespace {

template <class T>
void require_tape(const char* what, Var<T> x) {
  if (x.tape == nullptr) throw ValueError(std::string(what) + ": input is not on a tape");
}

void check_heads(const char* what, Index dim, Index heads) {
  if (heads < 1 || dim % heads != 0) {
    throw ValueError(std::string(what) + ": the dimension " + std::to_string(dim) +
                     " must be divisible by the number of heads, got " + std::to_string(heads));
  }
}

// x [R, C] + b [C]. Like core add_bias, but d b sums the rows in order with scalar adds: core's
// Eigen colwise().sum() gave run-to-run different roundoff (alignment-dependent), which broke the
// bitwise determinism of the probe/key bias gradients.
template <class T>
Var<T> bias_add(Var<T> x, Var<T> bias) {
  const Index R = x.shape()[0], C = x.shape()[1];
  Tape<T>& tape = *x.tape;
  Var<T> out = tape.make(x.shape(), {x, bias});
  const T* xd = tape.value(x).data();
  const T* bd = tape.value(bias).data();
  T* od = tape.mutable_value(out).data();
  parallel_for(0, R, 256, [&](Index lo, Index hi) {
    for (Index r = lo; r < hi; ++r)
      for (Index c = 0; c < C; ++c) od[r * C + c] = xd[r * C + c] + bd[c];
  });
  // d x = g; d b[c] = sum_r g[r, c], rows in order
  tape.on_backward(out, [x, bias, out, R, C](Tape<T>& t) {
    const T* g = t.grad(out).data();
    if (t.requires_grad(x)) {
      T* dx = t.grad(x).data();
      for (Index e = 0; e < R * C; ++e) dx[e] += g[e];
    }
    if (t.requires_grad(bias)) {
      T* db = t.grad(bias).data();
      for (Index r = 0; r < R; ++r)
        for (Index c = 0; c < C; ++c) db[c] += g[r * C + c];
    }
  });
  return out;
}

}  // namespace

template <class T>
Var<T> multi_head_attention(Var<T> q, Var<T> k, Var<T> v, Index sets, Index heads,
                            bool shared_queries) {
  const char* what = "multi_head_attention";
  require_tape(what, q);
  check_rank("multi_head_attention: q", q.shape(), 2);
  check_rank("multi_head_attention: k", k.shape(), 2);
  check_same_shape("multi_head_attention: v (must equal k)", k.shape(), v.shape());
  const Index D = q.shape()[1];
  check_heads(what, D, heads);
  const bool shared = shared_queries;
  if (sets < 1 || k.shape()[1] != D || k.shape()[0] % sets != 0 || k.shape()[0] == 0 ||
      (!shared && q.shape()[0] % sets != 0)) {
    throw ShapeError("multi_head_attention: q " + q.shape().str() + ", k " + k.shape().str() +
                     " for " + std::to_string(sets) +
                     " sets: expected k [sets * L, D] with L >= 1" +
                     (shared ? " and q [Q, D]" : " and q [sets * Q, D]"));
  }
  const Index N = sets, L = k.shape()[0] / N, H = heads, dh = D / H;
  const Index Q = shared ? q.shape()[0] : q.shape()[0] / N;
  Tape<T>& tape = *q.tape;
  Var<T> out = tape.make(Shape{N * Q, D}, {q, k, v});
  const T s = T(1) / std::sqrt(static_cast<T>(dh));
  // probabilities P[n, h, i, l], kept for backward
  auto prob = std::make_shared<std::vector<T>>(static_cast<std::size_t>(N * H * Q * L));
  const T* qd = tape.value(q).data();
  const T* kd = tape.value(k).data();
  const T* vd = tape.value(v).data();
  T* od = tape.mutable_value(out).data();
  T* pd = prob->data();
  parallel_for(0, N, 1, [&](Index lo, Index hi) {
    for (Index n = lo; n < hi; ++n) {
      for (Index h = 0; h < H; ++h) {
        for (Index i = 0; i < Q; ++i) {
          const T* qi = qd + (shared ? i : n * Q + i) * D + h * dh;
          T* p = pd + ((n * H + h) * Q + i) * L;
          // p_l = softmax_l(s * q_i . k_l), max subtracted
          T m = -std::numeric_limits<T>::infinity();
          for (Index l = 0; l < L; ++l) {
            const T* kl = kd + (n * L + l) * D + h * dh;
            T dot = 0;
            for (Index c = 0; c < dh; ++c) dot += qi[c] * kl[c];
            p[l] = s * dot;
            m = std::max(m, p[l]);
          }
          T total = 0;
          for (Index l = 0; l < L; ++l) total += (p[l] = std::exp(p[l] - m));
          for (Index l = 0; l < L; ++l) p[l] /= total;
          // out_i = sum_l p_l v_l
          T* o = od + (n * Q + i) * D + h * dh;
          for (Index c = 0; c < dh; ++c) o[c] = 0;
          for (Index l = 0; l < L; ++l) {
            const T* vl = vd + (n * L + l) * D + h * dh;
            for (Index c = 0; c < dh; ++c) o[c] += p[l] * vl[c];
          }
        }
      }
    }
  });
  tape.on_backward(out, [q, k, v, out, prob, N, L, Q, H, dh, D, s, shared](Tape<T>& t) {
    const T* g = t.grad(out).data();
    const T* qd = t.value(q).data();
    const T* kd = t.value(k).data();
    const T* vd = t.value(v).data();
    const T* pd = prob->data();
    const bool need_q = t.requires_grad(q), need_k = t.requires_grad(k);
    const bool need_v = t.requires_grad(v);
    T* dk = need_k ? t.grad(k).data() : nullptr;
    T* dv = need_v ? t.grad(v).data() : nullptr;
    // shared queries: per-set partial dq, summed in set order afterwards (deterministic)
    std::vector<T> dq_sets(need_q && shared ? static_cast<std::size_t>(N * Q * D) : 0);
    T* dq_direct = need_q && !shared ? t.grad(q).data() : nullptr;
    parallel_for(0, N, 1, [&](Index lo, Index hi) {
      std::vector<T> ds(static_cast<std::size_t>(L));
      for (Index n = lo; n < hi; ++n) {
        T* dq_n = shared ? dq_sets.data() + n * Q * D : dq_direct + n * Q * D;
        for (Index h = 0; h < H; ++h) {
          for (Index i = 0; i < Q; ++i) {
            const T* gi = g + (n * Q + i) * D + h * dh;
            const T* qi = qd + (shared ? i : n * Q + i) * D + h * dh;
            const T* p = pd + ((n * H + h) * Q + i) * L;
            // dp_l = g_i . v_l;  ds_l = p_l (dp_l - sum_j p_j dp_j)
            T weighted = 0;
            for (Index l = 0; l < L; ++l) {
              const T* vl = vd + (n * L + l) * D + h * dh;
              T dot = 0;
              for (Index c = 0; c < dh; ++c) dot += gi[c] * vl[c];
              ds[static_cast<std::size_t>(l)] = dot;
              weighted += p[l] * dot;
            }
            for (Index l = 0; l < L; ++l) {
              T& d = ds[static_cast<std::size_t>(l)];
              d = p[l] * (d - weighted);
            }
            // dq_i += s sum_l ds_l k_l;  dk_l += s ds_l q_i;  dv_l += p_l g_i
            for (Index l = 0; l < L; ++l) {
              const T dsl = s * ds[static_cast<std::size_t>(l)];
              const T* kl = kd + (n * L + l) * D + h * dh;
              if (need_q) {
                T* dqi = dq_n + i * D + h * dh;
                for (Index c = 0; c < dh; ++c) dqi[c] += dsl * kl[c];
              }
              if (need_k) {
                T* dkl = dk + (n * L + l) * D + h * dh;
                for (Index c = 0; c < dh; ++c) dkl[c] += dsl * qi[c];
              }
              if (need_v) {
                T* dvl = dv + (n * L + l) * D + h * dh;
                for (Index c = 0; c < dh; ++c) dvl[c] += p[l] * gi[c];
              }
            }
          }
        }
      }
    });
    if (need_q && shared) {
      T* dq = t.grad(q).data();
      for (Index n = 0; n < N; ++n) {
        for (Index e = 0; e < Q * D; ++e) dq[e] += dq_sets[static_cast<std::size_t>(n * Q * D + e)];
      }
    }
  });
  return out;
}

template <class T>
Var<T> layer_norm(Var<T> x, Var<T> gain, Var<T> bias, T eps) {
  require_tape("layer_norm", x);
  check_rank("layer_norm: x [R, D]", x.shape(), 2);
  const Index R = x.shape()[0], D = x.shape()[1];
  check_same_shape("layer_norm: gain", Shape{D}, gain.shape());
  check_same_shape("layer_norm: bias", Shape{D}, bias.shape());
  if (!(eps >= 0)) throw ValueError("layer_norm: eps must be >= 0, got " + std::to_string(eps));
  Tape<T>& tape = *x.tape;
  Var<T> out = tape.make(x.shape(), {x, gain, bias});
  // xhat [R, D] and 1 / sigma [R], kept for backward
  auto xhat = std::make_shared<std::vector<T>>(static_cast<std::size_t>(R * D));
  auto inv_sigma = std::make_shared<std::vector<T>>(static_cast<std::size_t>(R));
  const T* xd = tape.value(x).data();
  const T* gd = tape.value(gain).data();
  const T* bd = tape.value(bias).data();
  T* od = tape.mutable_value(out).data();
  parallel_for(0, R, 64, [&](Index lo, Index hi) {
    for (Index r = lo; r < hi; ++r) {
      const T* xr = xd + r * D;
      // mu = mean(x_r), var = mean((x_r - mu)^2), xhat = (x_r - mu) / sqrt(var + eps)
      T mu = 0, var = 0;
      for (Index c = 0; c < D; ++c) mu += xr[c];
      mu /= static_cast<T>(D);
      for (Index c = 0; c < D; ++c) var += (xr[c] - mu) * (xr[c] - mu);
      var /= static_cast<T>(D);
      const T is = T(1) / std::sqrt(var + eps);
      (*inv_sigma)[static_cast<std::size_t>(r)] = is;
      T* xh = xhat->data() + r * D;
      for (Index c = 0; c < D; ++c) {
        xh[c] = (xr[c] - mu) * is;
        od[r * D + c] = xh[c] * gd[c] + bd[c];
      }
    }
  });
  tape.on_backward(out, [x, gain, bias, out, xhat, inv_sigma, R, D](Tape<T>& t) {
    const T* g = t.grad(out).data();
    const T* xh = xhat->data();
    // d gain = sum_r g * xhat, d bias = sum_r g (rows in order)
    if (t.requires_grad(gain) || t.requires_grad(bias)) {
      T* dg = t.requires_grad(gain) ? t.grad(gain).data() : nullptr;
      T* db = t.requires_grad(bias) ? t.grad(bias).data() : nullptr;
      for (Index r = 0; r < R; ++r) {
        for (Index c = 0; c < D; ++c) {
          if (dg) dg[c] += g[r * D + c] * xh[r * D + c];
          if (db) db[c] += g[r * D + c];
        }
      }
    }
    if (!t.requires_grad(x)) return;
    const T* gd = t.value(gain).data();
    T* dx = t.grad(x).data();
    // dx = (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) / sigma, dxhat = g * gain
    parallel_for(0, R, 64, [&](Index lo, Index hi) {
      for (Index r = lo; r < hi; ++r) {
        T m1 = 0, m2 = 0;
        for (Index c = 0; c < D; ++c) {
          const T dxh = g[r * D + c] * gd[c];
          m1 += dxh;
          m2 += dxh * xh[r * D + c];
        }
        m1 /= static_cast<T>(D);
        m2 /= static_cast<T>(D);
        const T is = (*inv_sigma)[static_cast<std::size_t>(r)];
        for (Index c = 0; c < D; ++c) {
          dx[r * D + c] += (g[r * D + c] * gd[c] - m1 - xh[r * D + c] * m2) * is;
        }
      }
    });
  });
  return out;
}

template <class T>
Var<T> activation(Var<T> x, Activation kind) {
  require_tape("activation", x);
  if (kind == Activation::kRelu) return relu(x);
  Tape<T>& tape = *x.tape;
  Var<T> out = tape.make(x.shape(), {x});
  const Index n = x.shape().numel();
  const T* xd = tape.value(x).data();
  T* od = tape.mutable_value(out).data();
  const bool exact = kind == Activation::kGelu;
  const T k0 = static_cast<T>(std::sqrt(2.0 / M_PI)), k1 = T(0.044715);
  const T inv_sqrt2 = static_cast<T>(M_SQRT1_2),
          inv_sqrt_2pi = static_cast<T>(0.5 * M_2_SQRTPI * M_SQRT1_2);
  parallel_for(0, n, 4096, [&](Index lo, Index hi) {
    for (Index i = lo; i < hi; ++i) {
      const T v = xd[i];
      // exact: x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)); tanh: 0.5 x (1 + tanh(k0 (x + k1 x^3)))
      od[i] = exact ? T(0.5) * v * (T(1) + std::erf(v * inv_sqrt2))
                    : T(0.5) * v * (T(1) + std::tanh(k0 * (v + k1 * v * v * v)));
    }
  });
  tape.on_backward(out, [x, out, exact, k0, k1, inv_sqrt2, inv_sqrt_2pi, n](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const T* xd = t.value(x).data();
    const T* g = t.grad(out).data();
    T* dx = t.grad(x).data();
    parallel_for(0, n, 4096, [&](Index lo, Index hi) {
      for (Index i = lo; i < hi; ++i) {
        const T v = xd[i];
        T d;
        if (exact) {
          // d/dx x Phi(x) = Phi(x) + x phi(x)
          d = T(0.5) * (T(1) + std::erf(v * inv_sqrt2)) +
              v * inv_sqrt_2pi * std::exp(T(-0.5) * v * v);
        } else {
          // 0.5 (1 + th) + 0.5 x (1 - th^2) k0 (1 + 3 k1 x^2)
          const T th = std::tanh(k0 * (v + k1 * v * v * v));
          d = T(0.5) * (T(1) + th) +
              T(0.5) * v * (T(1) - th * th) * k0 * (T(1) + T(3) * k1 * v * v);
        }
        dx[i] += g[i] * d;
      }
    });
  });
  return out;
}

namespace {

const AttentionPoolOptions& validated(const AttentionPoolOptions& o) {
  if (o.dim_ < 1) {
    throw ValueError("AttentionPool: dim must be >= 1, got " + std::to_string(o.dim_));
  }
  check_heads("AttentionPool", o.dim_, o.heads_);
  if (o.queries_ < 1) {
    throw ValueError("AttentionPool: queries must be >= 1, got " + std::to_string(o.queries_));
  }
  if (o.mlp_dim_ < 0) {
    throw ValueError("AttentionPool: mlp_dim must be >= 0 (0 = 4 * dim), got " +
                     std::to_string(o.mlp_dim_));
  }
  if (!(o.layer_norm_eps_ >= 0)) {
    throw ValueError("AttentionPool: layer_norm_eps must be >= 0, got " +
                     std::to_string(o.layer_norm_eps_));
  }
  return o;
}

Index hidden(const AttentionPoolOptions& o) {
  return o.mlp_dim_ > 0 ? o.mlp_dim_ : 4 * o.dim_;
}

}  // namespace

template <class T>
AttentionPool<T>::AttentionPool(const AttentionPoolOptions& options, Generator& gen)
    : options_(validated(options)) {
  const Index Q = options_.queries_, D = options_.dim_, M = hidden(options_);
  const Index sizes[6][2] = {{D, D}, {D, D}, {D, D}, {D, D}, {D, M}, {M, D}};
  const char* names[6] = {"q_proj", "k_proj", "v_proj", "out_proj", "mlp.fc1", "mlp.fc2"};
  for (int i = 0; i < 6; ++i) {
    // torch nn.Linear initialisation: kaiming-uniform weight [in, out], U(+-1/sqrt(in)) bias
    Tensor<T> w(Shape{sizes[i][0], sizes[i][1]});
    kaiming_uniform(w, sizes[i][0], gen.next_stream());
    Tensor<T> b(Shape{sizes[i][1]});
    linear_bias_uniform(b, sizes[i][0], gen.next_stream());
    weights_[i] = &this->register_parameter(std::string(names[i]) + ".weight", std::move(w));
    biases_[i] = &this->register_parameter(std::string(names[i]) + ".bias", std::move(b));
  }
  Tensor<T> probe(Shape{Q, D});
  glorot_uniform(probe, Q, D, gen.next_stream());
  probe_ = &this->register_parameter("probe", std::move(probe));
  norm_gain_ = &this->register_parameter("norm.weight", Tensor<T>(Shape{D}, T(1)));
  norm_bias_ = &this->register_parameter("norm.bias", Tensor<T>(Shape{D}, T(0)));
}

template <class T>
Var<T> AttentionPool<T>::linear(int i, Var<T> x) {
  Tape<T>& tape = *x.tape;
  // y = x W + b
  return bias_add(matmul(x, tape.parameter(*weights_[i])), tape.parameter(*biases_[i]));
}

template <class T>
Var<T> AttentionPool<T>::forward(Var<T> tokens) {
  require_tape("AttentionPool", tokens);
  check_rank("AttentionPool: tokens [N, L, D]", tokens.shape(), 3);
  const Index N = tokens.shape()[0], L = tokens.shape()[1], D = options_.dim_;
  const Index Q = options_.queries_;
  if (tokens.shape()[2] != D || L < 1 || N < 1) {
    throw ShapeError("AttentionPool: tokens must be [N >= 1, L >= 1, " + std::to_string(D) +
                     "], got " + tokens.shape().str());
  }
  Tape<T>& tape = *tokens.tape;
  Var<T> x = reshape(tokens, Shape{N * L, D});
  Var<T> q = linear(kQ, tape.parameter(*probe_));  // [Q, D], shared by the N sets
  Var<T> a = multi_head_attention(q, linear(kK, x), linear(kV, x), N, options_.heads_,
                                  /*shared_queries=*/true);
  a = linear(kOut, a);  // [N * Q, D]
  Var<T> y = layer_norm(a, tape.parameter(*norm_gain_), tape.parameter(*norm_bias_),
                        static_cast<T>(options_.layer_norm_eps_));
  Var<T> h = linear(kFc2, activation(linear(kFc1, y), options_.activation_));
  return reshape(add(a, h), Shape{N, Q, D});
}

template Var<float> multi_head_attention<float>(Var<float>, Var<float>, Var<float>, Index, Index,
                                                bool);
template Var<double> multi_head_attention<double>(Var<double>, Var<double>, Var<double>, Index,
                                                  Index, bool);
template Var<float> layer_norm<float>(Var<float>, Var<float>, Var<float>, float);
template Var<double> layer_norm<double>(Var<double>, Var<double>, Var<double>, double);
template Var<float> activation<float>(Var<float>, Activation);
template Var<double> activation<double>(Var<double>, Activation);
template class AttentionPool<float>;
template class AttentionPool<double>;

}  // namespace graphpool
