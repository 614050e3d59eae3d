#include "layers/token_readout.hpp"

#include <algorithm>
#include <string>

#include "core/errors.hpp"
#include "core/parallel.hpp"

namespace graphpool {

namespace {

template <class T>
void check_tokens(const char* what, Var<T> tokens) {
  if (tokens.tape == nullptr) throw ValueError(std::string(what) + ": tokens are not on a tape");
  check_rank(what, tokens.shape(), 3);
}

}  // namespace

template <class T>
Var<T> cls_token_readout(Var<T> tokens, Index position) {
  check_tokens("cls_token_readout: tokens [N, L, D]", tokens);
  const Index N = tokens.shape()[0], L = tokens.shape()[1], D = tokens.shape()[2];
  if (position < 0 || position >= L) {
    throw IndexError("cls_token_readout: position must be in [0, " + std::to_string(L) + ") for " +
                     std::to_string(L) + " tokens, got " + std::to_string(position));
  }
  Tape<T>& tape = *tokens.tape;
  Var<T> out = tape.make(Shape{N, D}, {tokens});
  const T* x = tape.value(tokens).data();
  T* o = tape.mutable_value(out).data();
  // out[n] = x[n, position]
  for (Index n = 0; n < N; ++n) std::copy_n(x + (n * L + position) * D, D, o + n * D);
  tape.on_backward(out, [tokens, out, N, L, D, position](Tape<T>& t) {
    if (!t.requires_grad(tokens)) return;
    const T* g = t.grad(out).data();
    T* dx = t.grad(tokens).data();
    for (Index n = 0; n < N; ++n) {
      for (Index c = 0; c < D; ++c) dx[(n * L + position) * D + c] += g[n * D + c];
    }
  });
  return out;
}

template <class T>
Var<T> mean_token_readout(Var<T> tokens) {
  check_tokens("mean_token_readout: tokens [N, L, D]", tokens);
  const Index N = tokens.shape()[0], L = tokens.shape()[1], D = tokens.shape()[2];
  Tape<T>& tape = *tokens.tape;
  Var<T> out = tape.make(Shape{N, D}, {tokens});
  const T* x = tape.value(tokens).data();
  T* o = tape.mutable_value(out).data();
  const T inv = L > 0 ? T(1) / static_cast<T>(L) : T(0);
  // out[n] = (1 / L) sum_l x[n, l], tokens in order
  parallel_for(0, N, 8, [&](Index lo, Index hi) {
    for (Index n = lo; n < hi; ++n) {
      T* on = o + n * D;
      std::fill_n(on, D, T(0));
      for (Index l = 0; l < L; ++l) {
        const T* xl = x + (n * L + l) * D;
        for (Index c = 0; c < D; ++c) on[c] += xl[c];
      }
      for (Index c = 0; c < D; ++c) on[c] *= inv;
    }
  });
  tape.on_backward(out, [tokens, out, N, L, D, inv](Tape<T>& t) {
    if (!t.requires_grad(tokens)) return;
    const T* g = t.grad(out).data();
    T* dx = t.grad(tokens).data();
    // d x[n, l] += g[n] / L
    parallel_for(0, N, 8, [&](Index lo, Index hi) {
      for (Index n = lo; n < hi; ++n) {
        for (Index l = 0; l < L; ++l) {
          for (Index c = 0; c < D; ++c) dx[(n * L + l) * D + c] += g[n * D + c] * inv;
        }
      }
    });
  });
  return out;
}

template Var<float> cls_token_readout<float>(Var<float>, Index);
template Var<double> cls_token_readout<double>(Var<double>, Index);
template Var<float> mean_token_readout<float>(Var<float>);
template Var<double> mean_token_readout<double>(Var<double>);

}  // namespace graphpool
