#pragma once
/// Multi-head attention pooling (MAP), the readout of "Scaling Vision Transformers" (Zhai et al.
/// 2022; big_vision's MAPHead, timm's AttentionPoolLatent): Q learnable probes attend over the L
/// tokens of each set, then a LayerNorm + MLP residual block.
///   AttentionPool<float> map(AttentionPoolOptions(768).heads(12), gen);
///   Var<float> pooled = map.forward(tokens);   // tokens [N, L, 768] -> [N, 1, 768]
///
/// What is computed, for tokens X_n [L, D] of set n and probes P [Q, D] (a parameter):
///   q = P Wq + bq,  k = X_n Wk + bk,  v = X_n Wv + bv           (Linear D -> D each)
///   head h (columns h*dh .. (h+1)*dh, dh = D / heads):
///     A_h = softmax_over_tokens(q_h k_h^T / sqrt(dh)) v_h       [Q, dh]
///   a = concat_h(A_h) Wo + bo                                   [Q, D]
///   out_n = a + W2 act(W1 LayerNorm(a) + b1) + b2               [Q, D] (MLP D -> mlp_dim -> D)
/// i.e. big_vision's MAPHead without its final `[:, 0]` (we return all Q probes: [N, Q, D]; take
/// row 0 for the paper's single-probe readout) and timm's AttentionPoolLatent with pool_type=''.
/// Simplifications and choices: no dropout; no q/k normalisation; the Linear layers use torch's
/// nn.Linear initialisation (big_vision uses xavier); probes are glorot-uniform (fan_in Q, fan_out
/// D, = big_vision's xavier on [1, 1, D] when Q = 1); LayerNorm eps 1e-6 as big_vision (torch's
/// default is 1e-5); activation exact (erf) GELU as torch's nn.GELU and timm (flax's nn.gelu is the
/// tanh approximation: Activation::kGeluTanh); mlp_dim defaults to 4 D. The result does not
/// depend on the order of the tokens (no positional information enters here).
#include <span>

#include "core/module.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"

namespace graphpool {

/// The nonlinearity of the MAP feed-forward block.
enum class Activation {
  kGelu,      ///< x Phi(x) with the exact normal CDF (torch nn.GELU(), timm)
  kGeluTanh,  ///< 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (flax nn.gelu, big_vision)
  kRelu,      ///< max(x, 0)
};

// --- tape ops (building blocks) ----------------------------------------------------------------

/// Multi-head scaled dot-product attention of queries over N sets of keys/values:
/// k, v [N * L, D] (set n = rows n * L .. (n + 1) * L); q [Q, D], the same queries for every set
/// (shared_queries, e.g. learnable probes; their gradient sums over sets in set order), or
/// [N * Q, D] (set n's queries = rows n * Q .. (n + 1) * Q). -> [N * Q, D], head h on columns
/// h * dh .. (h + 1) * dh, dh = D / heads:
///   out[n, i, h] = sum_l softmax_l(q[i, h] . k[n, l, h] / sqrt(dh)) v[n, l, h].
/// Softmax with the max subtracted; P [N, heads, Q, L] is kept for backward. ValueError if
/// heads < 1 or D % heads != 0; ShapeError if L = 0 or the shapes do not fit.
///   Var<float> a = multi_head_attention(probes, k, v, /*sets=*/N, /*heads=*/8, true);
template <class T>
Var<T> multi_head_attention(Var<T> q, Var<T> k, Var<T> v, Index sets, Index heads,
                            bool shared_queries);

/// Row-wise LayerNorm of x [R, D] with gain and bias [D]: (x - mean) / sqrt(var + eps) * g + b,
/// var the biased variance (as torch.nn.LayerNorm).
template <class T>
Var<T> layer_norm(Var<T> x, Var<T> gain, Var<T> bias, T eps);

/// Elementwise GELU (exact or tanh approximation) or ReLU.
template <class T>
Var<T> activation(Var<T> x, Activation kind);

// --- module -----------------------------------------------------------------------------------

/// Options of AttentionPool: the token dimension D is required.
///   AttentionPoolOptions(256).heads(8).queries(4).activation(Activation::kGeluTanh)
struct AttentionPoolOptions {
  explicit AttentionPoolOptions(Index dim) : dim_(dim) {}
  /// Number of attention heads; D must be divisible by it (default 1).
  AttentionPoolOptions& heads(Index h) {
    heads_ = h;
    return *this;
  }
  /// Number of learnable probes (queries) Q (default 1, as the paper).
  AttentionPoolOptions& queries(Index q) {
    queries_ = q;
    return *this;
  }
  /// Hidden width of the MLP; 0 means 4 * D (default).
  AttentionPoolOptions& mlp_dim(Index m) {
    mlp_dim_ = m;
    return *this;
  }
  /// Nonlinearity of the MLP (default exact GELU).
  AttentionPoolOptions& activation(Activation a) {
    activation_ = a;
    return *this;
  }
  /// LayerNorm epsilon (default 1e-6, as big_vision).
  AttentionPoolOptions& layer_norm_eps(double eps) {
    layer_norm_eps_ = eps;
    return *this;
  }
  Index dim_;
  Index heads_ = 1;
  Index queries_ = 1;
  Index mlp_dim_ = 0;
  Activation activation_ = Activation::kGelu;
  double layer_norm_eps_ = 1e-6;
};

/// MAP readout: tokens [N, L, D] -> [N, Q, D] (see the top of the file for the exact formula).
/// Parameters (named as torch modules would be, weights stored [in, out] like core Linear):
/// {q,k,v,out}_proj.{weight,bias}, mlp.fc{1,2}.{weight,bias}, probe [Q, D], norm.{weight,bias}.
///   AttentionPool<float> map(AttentionPoolOptions(64).heads(4), gen);
///   Var<float> y = map.forward(tokens);
template <class T>
class AttentionPool : public Module<T> {
 public:
  AttentionPool(const AttentionPoolOptions& options, Generator& gen);
  /// tokens [N, L, D] (rank 3, L >= 1) -> [N, Q, D].
  Var<T> forward(Var<T> tokens);
  const AttentionPoolOptions& options() const { return options_; }
  Parameter<T>& probe() { return *probe_; }

 private:
  enum { kQ, kK, kV, kOut, kFc1, kFc2 };
  Var<T> linear(int i, Var<T> x);  // x W_i + b_i
  AttentionPoolOptions options_;
  Parameter<T>* weights_[6];
  Parameter<T>* biases_[6];
  Parameter<T>* probe_;
  Parameter<T>* norm_gain_;
  Parameter<T>* norm_bias_;
};

extern template class AttentionPool<float>;
extern template class AttentionPool<double>;

}  // namespace graphpool
