#pragma once
/// Checkpoints in HDF5: a module's parameters (by dotted name), optionally the Adam state (first
/// and second moments, step count), and metadata (model name, epoch, seed) as attributes.
/// Saving is atomic (temporary file + rename): a crash mid-save leaves the previous checkpoint.
/// Loading checks every name, shape and dtype before changing anything.
///   save_checkpoint("run/last.h5", model, &adam, CheckpointInfo().model("SAGPool_h").epoch(12));
///   CheckpointInfo info = load_checkpoint("run/last.h5", model, &adam);   // info.epoch_ == 12
/// Layout: /parameters/<name> [shape] (float32 or float64), /optimizer/{m,v}/<name>, attributes
/// format_version, kind = "graphpool checkpoint", dtype, model, epoch, seed; /optimizer has
/// type = "adam", step, lr, beta1, beta2, eps, weight_decay.
#include <cstdint>
#include <string>
#include <type_traits>

#include "core/module.hpp"
#include "core/optim.hpp"

namespace graphpool {

struct CheckpointInfo {
  CheckpointInfo& model(std::string name) {
    model_ = std::move(name);
    return *this;
  }
  CheckpointInfo& epoch(long long e) {
    epoch_ = e;
    return *this;
  }
  CheckpointInfo& seed(std::uint64_t s) {
    seed_ = s;
    return *this;
  }
  /// Free-form model configuration ("hidden=128 ratio=0.5 ..."), for rebuilding the model.
  CheckpointInfo& config(std::string text) {
    config_ = std::move(text);
    return *this;
  }
  std::string model_;       ///< model name ("SAGPool_h")
  std::string config_;      ///< empty when the checkpoint has none
  long long epoch_ = 0;     ///< epochs completed
  std::uint64_t seed_ = 0;  ///< the run's seed
};

/// Writes `module`'s parameters and, when `optimizer` is given, its state to `path` (atomically).
template <class T>
void save_checkpoint(const std::string& path, Module<T>& module,
                     std::type_identity_t<const Adam<T>*> optimizer = nullptr,
                     const CheckpointInfo& info = {});

/// The metadata of a checkpoint (model, config, epoch, seed) without loading anything else.
CheckpointInfo read_checkpoint_info(const std::string& path);

/// Restores parameters (and the optimizer state when `optimizer` is given: the checkpoint must
/// then hold one). IoError naming the parameter for a missing or extra name or a wrong dtype,
/// ShapeError naming it for a wrong shape; nothing is changed unless everything fits.
template <class T>
CheckpointInfo load_checkpoint(const std::string& path, Module<T>& module,
                               std::type_identity_t<Adam<T>*> optimizer = nullptr);

}  // namespace graphpool
