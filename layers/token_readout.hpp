#pragma once
/// The two simple Vision Transformer readouts of a token set [N, L, D] -> [N, D]: the CLS token
/// (one fixed position, usually 0, the ViT paper's class token) and the mean over tokens (global
/// average pooling, as in "Scaling Vision Transformers" and timm's global_pool='avg'). The learned
/// alternative, multi-head attention pooling, is layers/attention_pool.hpp.
///   Var<float> cls = cls_token_readout(tokens);     // tokens[:, 0]
///   Var<float> avg = mean_token_readout(tokens);    // tokens.mean(1)
/// The mean sums tokens in order per (set, feature): bitwise identical for any thread count. An
/// empty set (L = 0) gives 0 for the mean; the CLS readout needs position < L (IndexError).
#include "core/module.hpp"
#include "core/tape.hpp"

namespace graphpool {

/// tokens [N, L, D] -> tokens[:, position] [N, D]; gradient flows to that position only.
template <class T>
Var<T> cls_token_readout(Var<T> tokens, Index position = 0);

/// tokens [N, L, D] -> mean over L [N, D] (0 when L = 0); gradient g / L to every token.
template <class T>
Var<T> mean_token_readout(Var<T> tokens);

/// Which readout TokenReadout applies.
enum class TokenReduce { kCls, kMean };

/// Options of TokenReadout (default: CLS token at position 0).
///   TokenReadoutOptions().reduce(TokenReduce::kMean)
struct TokenReadoutOptions {
  TokenReadoutOptions() = default;
  /// CLS token or mean over tokens.
  TokenReadoutOptions& reduce(TokenReduce r) {
    reduce_ = r;
    return *this;
  }
  /// Position of the class token (kCls only; default 0).
  TokenReadoutOptions& position(Index p) {
    position_ = p;
    return *this;
  }
  TokenReduce reduce_ = TokenReduce::kCls;
  Index position_ = 0;
};

/// A token readout as a module (no parameters).
///   TokenReadout<float> head(TokenReadoutOptions().reduce(TokenReduce::kMean));
///   Var<float> h = head.forward(tokens);   // [N, D]
template <class T>
class TokenReadout : public Module<T> {
 public:
  explicit TokenReadout(const TokenReadoutOptions& options = {}) : options_(options) {}
  Var<T> forward(Var<T> tokens) {
    return options_.reduce_ == TokenReduce::kCls ? cls_token_readout(tokens, options_.position_)
                                                 : mean_token_readout(tokens);
  }
  const TokenReadoutOptions& options() const { return options_; }

 private:
  TokenReadoutOptions options_;
};

}  // namespace graphpool
