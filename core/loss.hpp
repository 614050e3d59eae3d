#pragma once
/// Classification losses on the tape, as torch.nn.functional.
///   Var<float> loss = nll_loss(log_softmax(logits), labels);
#include <span>

#include "core/tape.hpp"

namespace graphpool {

/// Row-wise log(softmax(x)), numerically stable (max subtracted).
template <class T> Var<T> log_softmax(Var<T> x);
/// mean over rows of -log_probs[r, targets[r]] -> scalar; IndexError names a bad target.
template <class T> Var<T> nll_loss(Var<T> log_probs, std::span<const Index> targets);
/// nll_loss(log_softmax(logits), targets).
template <class T> Var<T> cross_entropy(Var<T> logits, std::span<const Index> targets);

}  // namespace graphpool
