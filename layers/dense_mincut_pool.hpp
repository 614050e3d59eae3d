#pragma once
/// MinCut pooling on padded dense batches (PyG `dense_mincut_pool`, Bianchi et al. 2020):
///   s   = softmax(s / temp) over the C clusters, then x * mask and s * mask;
///   x'  = s^T x                                                         [B, C, F]
///   A'  = s^T A s, then its diagonal set to 0 and A' <- D'^-1/2 A' D'^-1/2 with
///         D'^-1/2 = 1 / (sqrt(rowsum A') + 1e-15)                        [B, C, C]
///   mincut loss = mean_b -tr(s^T A s) / tr(s^T D s),  D = diag(rowsum A)
///   ortho loss  = mean_b || s^T s / ||s^T s||_F - I_C / sqrt(C) ||_F
///   MinCutPoolOutput<float> out = dense_mincut_pool(d.x, adj, assign_logits, d.mask);
///   Var<float> loss = add(task_loss, add(out.mincut_loss, out.ortho_loss));
#include <cstdint>
#include <span>

#include "core/tape.hpp"

namespace graphpool {

/// What dense_mincut_pool returns (PyG's tuple, plus the assignment actually used).
template <class T>
struct MinCutPoolOutput {
  Var<T> x;            ///< [B, C, F] pooled features s^T x
  Var<T> adj;          ///< [B, C, C] coarsened adjacency, zero diagonal, symmetrically normalised
  Var<T> mincut_loss;  ///< [] mean_b -tr(s^T A s) / tr(s^T D s)
  Var<T> ortho_loss;   ///< [] mean_b ||s^T s / ||s^T s|| - I / sqrt(C)||
  Var<T> s;            ///< [B, N, C] softmax(s / temp) * mask
};

/// PyG's keyword arguments.
///   DenseMinCutPoolOptions().temp(0.5)
struct DenseMinCutPoolOptions {
  /// Softmax temperature (> 0; default 1, as PyG).
  DenseMinCutPoolOptions& temp(double t) {
    temp_ = t;
    return *this;
  }
  double temp_ = 1.0;
};

/// x [B, N, F], adj [B, N, N], s [B, N, C] logits (rank-2 inputs count as B = 1); mask empty or
/// [B * N] (1 = real node).
template <class T>
MinCutPoolOutput<T> dense_mincut_pool(Var<T> x, Var<T> adj, Var<T> s,
                                      std::span<const std::uint8_t> mask = {},
                                      const DenseMinCutPoolOptions& options = {});

/// mean_b -num_b / den_b with num_b = tr(S^T A S) = sum_ij A_ij s_i.s_j and
/// den_b = tr(S^T D S) = sum_i d_i |s_i|^2, d_i = sum_j A_ij. s [B, N, C] (soft-maxed).
/// Backward: dS = k (A S + A^T S) / den - k num / den^2 2 D S, dA_ij = k s_i.s_j / den -
/// k num / den^2 |s_i|^2, k = -g / B.
template <class T>
Var<T> mincut_loss(Var<T> adj, Var<T> s);

/// mean_b ||M_b||_F, M = SS / ||SS||_F - I / sqrt(C), SS = S^T S. Backward: G = (g / B) M / ||M||,
/// H = G / ||SS|| - SS (SS . G) / ||SS||^3, dS = S (H + H^T).
template <class T>
Var<T> mincut_ortho_loss(Var<T> s);

/// PyG's post-processing of A' [B, C, C]: a = A' with a zero diagonal, d_i = sum_j a_ij,
/// r_i = sqrt(d_i) + 1e-15, out_ij = a_ij / r_j / r_i. Backward through r (a row with d_i = 0
/// passes no gradient through r_i, where torch would produce NaN).
template <class T>
Var<T> mincut_normalize_adj(Var<T> adj);

}  // namespace graphpool
