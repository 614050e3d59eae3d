#pragma once
/// Set2Set readout (Vinyals et al. 2016), PyG's `Set2Set(in_channels, processing_steps)`: an LSTM
/// reads the graph's nodes by attention for `processing_steps` steps; per graph g:
///   q*_0 = 0 [2F], (h, c) = 0 [F]
///   step: (h, c) = LSTMCell(q*, (h, c));  q = h
///         e_i = x_i . q_g,  a = softmax of e within the graph (PyG's softmax, + 1e-16)
///         r_g = sum_{i in g} a_i x_i;       q* = [q, r]
///   out = q* [G, 2F]
/// LSTM cell as torch.nn.LSTM (gate order i, f, g, o):
///   gates = q* W_ih + b_ih + h W_hh + b_hh        [G, 4F]
///   i, f, o = sigmoid(..), g = tanh(..),  c = f c + i g,  h = o tanh(c)
/// Parameters "weight_ih" [2F, 4F], "weight_hh" [F, 4F], "bias_ih", "bias_hh" [4F]: the
/// TRANSPOSES of torch's weight_ih_l0 [4F, 2F] / weight_hh_l0 [4F, F] (biases as they are), all
/// initialised U(-1/sqrt(F), 1/sqrt(F)) as torch. The LSTM cell is composed of tape ops (matmul,
/// add_bias, sigmoid, tanh, mul and a column slice), so backward goes through them. An empty graph
/// gets r = 0 (its LSTM state still evolves from q* = [q, 0]).
///   Set2Set<float> s2s(Set2SetOptions(64, 3), gen);
///   Var<float> h = s2s.forward(x, batch.node_ptr());   // [num_graphs, 128]
#include <span>

#include "core/module.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"

namespace graphpool {

/// Columns [begin, end) of x [R, C] -> [R, end - begin]; backward adds into those columns.
///   Var<float> i = slice_cols(gates, 0, F);
template <class T>
Var<T> slice_cols(Var<T> x, Index begin, Index end);

/// Options of Set2Set: feature size F and the number of processing steps (both required).
///   Set2SetOptions(64, 3)
struct Set2SetOptions {
  Set2SetOptions(Index in_channels, Index processing_steps)
      : in_channels_(in_channels), processing_steps_(processing_steps) {}
  Index in_channels_;
  Index processing_steps_;
};

/// PyG's Set2Set: x [N, F] -> [G, 2F] (see the top of the file).
///   Set2Set<float> s2s(Set2SetOptions(64, 3), gen);
template <class T>
class Set2Set : public Module<T> {
 public:
  /// ValueError if in_channels < 1 or processing_steps < 0.
  Set2Set(const Set2SetOptions& options, Generator& gen);
  /// x [N, F] -> [G, 2F]. node_ptr is not copied (keep it alive until backward).
  Var<T> forward(Var<T> x, std::span<const Index> node_ptr);
  const Set2SetOptions& options() const { return options_; }
  Parameter<T>& weight_ih() { return *weight_ih_; }
  Parameter<T>& weight_hh() { return *weight_hh_; }
  Parameter<T>& bias_ih() { return *bias_ih_; }
  Parameter<T>& bias_hh() { return *bias_hh_; }

 private:
  Set2SetOptions options_;
  Parameter<T>* weight_ih_;
  Parameter<T>* weight_hh_;
  Parameter<T>* bias_ih_;
  Parameter<T>* bias_hh_;
};

extern template class Set2Set<float>;
extern template class Set2Set<double>;

}  // namespace graphpool
