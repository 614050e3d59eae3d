#pragma once
/// Graph convolution with PyG `GCNConv` semantics: out = A_hat (X W) + b, A_hat from GcnNorm.
///   GcnNorm<float> norm(batch.graph());               // once per graph structure
///   GcnConv<float> conv(GcnConvOptions(128, 128), gen);
///   Var<float> h = relu(conv.forward(x, norm));        // x [N, 128] -> [N, 128]
#include "core/module.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"
#include "layers/gcn_norm.hpp"

namespace graphpool {

/// A_hat x on the tape; backward A_hat^T dout. x is [N, C] with N = norm.num_nodes(). The norm is
/// copied (shared) into the backward closure.
template <class T>
Var<T> gcn_propagate(Var<T> x, const GcnNorm<T>& norm);

/// out = A_hat (x W) + b (functional form): x [N, in], weight [in, out], bias [out].
template <class T>
Var<T> gcn_conv(Var<T> x, const GcnNorm<T>& norm, Var<T> weight, Var<T> bias);
/// out = A_hat (x W), without bias.
template <class T>
Var<T> gcn_conv(Var<T> x, const GcnNorm<T>& norm, Var<T> weight);

struct GcnConvOptions {
  GcnConvOptions(Index in_channels, Index out_channels)
      : in_channels_(in_channels), out_channels_(out_channels) {}
  /// Adds a learnable bias, initialised to zero as PyG (default true).
  GcnConvOptions& bias(bool on) {
    bias_ = on;
    return *this;
  }
  Index in_channels_;
  Index out_channels_;
  bool bias_ = true;
};

/// A GCN layer: Glorot-uniform weight [in, out], zero bias (PyG GCNConv defaults).
///   GcnConv<double> conv(GcnConvOptions(5, 3), gen);  Var<double> y = conv.forward(x, norm);
template <class T>
class GcnConv : public Module<T> {
 public:
  GcnConv(const GcnConvOptions& options, Generator& gen);
  /// x [N, in] on a graph with normalisation `norm` -> [N, out].
  Var<T> forward(Var<T> x, const GcnNorm<T>& norm);
  Parameter<T>& weight() { return *weight_; }
  Parameter<T>* bias() { return bias_; }
  const GcnConvOptions& options() const { return options_; }

 private:
  GcnConvOptions options_;
  Parameter<T>* weight_;
  Parameter<T>* bias_ = nullptr;
};

extern template class GcnConv<float>;
extern template class GcnConv<double>;

}  // namespace graphpool
