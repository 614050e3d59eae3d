#pragma once
/// The per-window (per-cluster) reductions shared by the cluster path (cluster_pool) and the grid
/// kernels, so both compute each output with the same operations in the same member order.
/// `get(j)` reads member j of the window (j < n); `add(j, v)` adds v to member j's gradient.
///   T y = pool_reduce::lp<T>(n, p, [&](Index j) { return x[members[j]]; });
/// Internal header: inline on purpose (the kernels inline the accessors).
#include <cmath>
#include <limits>

#include "core/parallel.hpp"

namespace graphpool::pool_reduce {

/// First arg-max in member order (strict >), -1 when n == 0. NaN wins, as torch's
/// `val > maxval || isnan(val)`.
template <class T, class Get>
inline Index argmax(Index n, Get get) {
  if (n == 0) return -1;
  Index arg = 0;
  T best = get(0);
  for (Index j = 1; j < n; ++j) {
    const T v = get(j);
    if (v > best || std::isnan(v)) {
      best = v;
      arg = j;
    }
  }
  return arg;
}

/// sum_j a_j in member order.
template <class T, class Get>
inline T sum(Index n, Get get) {
  T s = T(0);
  for (Index j = 0; j < n; ++j) s += get(j);
  return s;
}

/// |a|^p with exact shortcuts for p = 1 and p = 2.
template <class T>
inline T abs_pow(T a, T p) {
  if (p == T(1)) return std::abs(a);
  if (p == T(2)) return a * a;
  return std::pow(std::abs(a), p);
}

/// s^(1/p), sqrt for p = 2.
template <class T>
inline T root(T s, T p) {
  if (p == T(1)) return s;
  if (p == T(2)) return std::sqrt(s);
  return std::pow(s, T(1) / p);
}

/// (sum_j |a_j|^p)^(1/p).
template <class T, class Get>
inline T lp(Index n, T p, Get get) {
  T s = T(0);
  for (Index j = 0; j < n; ++j) s += abs_pow(get(j), p);
  return root(s, p);
}

/// d out / d a_j = sign(a_j) |a_j|^(p-1) / out^(p-1); 0 when out == 0.
template <class T, class Get, class Add>
inline void lp_backward(Index n, T p, T out, T g, Get get, Add add) {
  if (out == T(0) || g == T(0)) return;
  const T scale = g / (p == T(2) ? out : std::pow(out, p - T(1)));
  for (Index j = 0; j < n; ++j) {
    const T a = get(j);
    const T mag = p == T(2) ? std::abs(a) : std::pow(std::abs(a), p - T(1));
    add(j, (a > T(0) ? scale : a < T(0) ? -scale : T(0)) * mag);
  }
}

/// Softmax weights w_j = exp(beta a_j - m) / Z with m = max_j beta a_j (stable). Returns
/// out = sum_j w_j a_j and sets m and Z for the backward. 0 when n == 0.
template <class T, class Get>
inline T softmax(Index n, T beta, Get get, T& m, T& Z) {
  if (n == 0) {
    m = T(0);
    Z = T(1);
    return T(0);
  }
  m = -std::numeric_limits<T>::infinity();
  for (Index j = 0; j < n; ++j) m = std::max(m, beta * get(j));
  Z = T(0);
  T s = T(0);
  for (Index j = 0; j < n; ++j) {
    const T a = get(j);
    const T e = std::exp(beta * a - m);
    Z += e;
    s += e * a;
  }
  return s / Z;
}

/// d out / d a_j = w_j (1 + beta (a_j - out)).
template <class T, class Get, class Add>
inline void softmax_backward(Index n, T beta, T out, T m, T Z, T g, Get get, Add add) {
  for (Index j = 0; j < n; ++j) {
    const T a = get(j);
    const T w = std::exp(beta * a - m) / Z;
    add(j, g * w * (T(1) + beta * (a - out)));
  }
}

/// Stochastic pooling draw: the first j whose running sum of a exceeds u * sum(a) (a >= 0), so
/// P(j) = a_j / sum(a); -1 for an all-zero (or empty) window.
template <class T, class Get>
inline Index stochastic_pick(Index n, double u, Get get) {
  const T s = sum<T>(n, get);
  if (!(s > T(0))) return -1;
  const T target = static_cast<T>(u) * s;
  T run = T(0);
  Index last_positive = -1;
  for (Index j = 0; j < n; ++j) {
    const T a = get(j);
    if (a > T(0)) last_positive = j;
    run += a;
    if (run > target && a > T(0)) return j;
  }
  return last_positive;  // rounding: u * s may exceed the final running sum
}

/// Stochastic pooling in eval: sum_j (a_j / S) a_j with S = sum(a); 0 when S == 0.
template <class T, class Get>
inline T stochastic_expectation(Index n, Get get, T& S) {
  S = sum<T>(n, get);
  if (!(S > T(0))) return T(0);
  T q = T(0);
  for (Index j = 0; j < n; ++j) {
    const T a = get(j);
    q += a * a;
  }
  return q / S;
}

/// d out / d a_j = (2 a_j - out) / S; 0 for an all-zero window (documented choice).
template <class T, class Get, class Add>
inline void stochastic_expectation_backward(Index n, T out, T S, T g, Get get, Add add) {
  if (!(S > T(0))) return;
  for (Index j = 0; j < n; ++j) add(j, g * (T(2) * get(j) - out) / S);
}

}  // namespace graphpool::pool_reduce
