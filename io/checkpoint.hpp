#pragma once
/// Checkpoints in HDF5: a module's parameters (by dotted name), optionally the Adam state (first
/// and second moments, step count), optionally a training run's progress (TrainingState: what a
/// resumable checkpoint such as `graphpool train`'s last.h5 holds), and metadata (model name,
/// epoch, seed) as attributes. Saving is atomic (temporary file + rename): a crash mid-save leaves
/// the previous checkpoint. Loading checks every name, shape and dtype before changing anything.
///   save_checkpoint("run/last.h5", model, &adam, CheckpointInfo().model("SAGPool_h").epoch(12));
///   CheckpointInfo info = load_checkpoint("run/last.h5", model, &adam);   // info.epoch_ == 12
/// Layout (docs/checkpoints.md): /parameters/<name> [shape] (float32 or float64),
/// /optimizer/{m,v}/<name>, /training/...; attributes format_version, kind = "graphpool
/// checkpoint", dtype, model, epoch, seed; /optimizer has type = "adam", step, lr, beta1, beta2,
/// eps, weight_decay.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

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
  std::string model_;           ///< model name ("SAGPool_h")
  std::string config_;          ///< empty when the checkpoint has none
  long long epoch_ = 0;         ///< epochs completed
  std::uint64_t seed_ = 0;      ///< the run's seed
  bool has_optimizer_ = false;  ///< set by the readers: the file holds an Adam state
  bool has_training_ = false;   ///< set by the readers: the file holds a TrainingState
  /// Set by the readers when has_training_: TrainingState::options and ::dataset, so a resume can
  /// compare them with the command line before loading anything.
  std::string training_options_, training_dataset_;
};

/// A training run's progress between epochs (the /training group). With the parameters, the
/// Adam state and the model Generator's position it is all a trainer needs to continue a run
/// bitwise-identically; `options` and `dataset` describe the run so a resume can refuse another.
///   TrainingState<float> s;  s.train_loss = {0.69, 0.61};  ...  s.best_parameters = ...;
///   save_checkpoint("run/last.h5", model, &adam, info, &s);
template <class T>
struct TrainingState {
  /// One entry per completed epoch (epoch i + 1 at index i).
  std::vector<double> train_loss, val_loss, val_accuracy, seconds;
  long long best_epoch = 0;  ///< 1-based; 0 while no epoch has improved on +inf
  double best_val_loss = std::numeric_limits<double>::infinity();
  double best_val_accuracy = 0;
  /// The best-validation weights, in module.named_parameters() order.
  std::vector<Tensor<T>> best_parameters;
  bool stopped = false;   ///< early-stopped or out of epochs: only the test evaluation is left
  bool finished = false;  ///< test evaluated (test_loss, test_accuracy) and outputs written
  double test_loss = 0, test_accuracy = 0;
  std::uint64_t generator_seed = 0, generator_streams = 0;  ///< the model Generator's position
  std::string options;  ///< training options as "key=value ..." text
  std::string dataset;  ///< dataset fingerprint as "key=value ..." text
  long long epochs() const { return static_cast<long long>(train_loss.size()); }
};

/// Writes `module`'s parameters and, when given, the optimizer state and the training state to
/// `path` (atomically).
template <class T>
void save_checkpoint(const std::string& path, Module<T>& module,
                     std::type_identity_t<const Adam<T>*> optimizer = nullptr,
                     const CheckpointInfo& info = {},
                     std::type_identity_t<const TrainingState<T>*> training = nullptr);

/// The metadata of a checkpoint (model, config, epoch, seed, which sections it holds) without
/// loading anything else.
CheckpointInfo read_checkpoint_info(const std::string& path);
/// read_checkpoint_info of a checkpoint's bytes in memory (`label` names them in errors).
CheckpointInfo read_checkpoint_info_image(std::span<const std::byte> image,
                                          const std::string& label);

/// Restores parameters (and the optimizer state / the training state when `optimizer` /
/// `training` is given: the checkpoint must then hold one). IoError naming the parameter for a
/// missing or extra name or a wrong dtype, ShapeError naming it for a wrong shape, IoError for an
/// inconsistent training state; nothing is changed unless everything fits.
template <class T>
CheckpointInfo load_checkpoint(const std::string& path, Module<T>& module,
                               std::type_identity_t<Adam<T>*> optimizer = nullptr,
                               std::type_identity_t<TrainingState<T>*> training = nullptr);
/// load_checkpoint of a checkpoint's bytes in memory: the same checks, `label` in errors where the
/// path would be.
///   load_checkpoint_image(std::as_bytes(std::span(bytes)), "upload.h5", model, &adam);
template <class T>
CheckpointInfo load_checkpoint_image(std::span<const std::byte> image, const std::string& label,
                                     Module<T>& module,
                                     std::type_identity_t<Adam<T>*> optimizer = nullptr,
                                     std::type_identity_t<TrainingState<T>*> training = nullptr);

// Test hook (crash-safety tests only): when the environment variable
// GRAPHPOOL_TEST_CHECKPOINT_DELAY_MS is a positive number, save_checkpoint sleeps that long after
// writing everything and before closing and renaming the temporary file, widening the window in
// which a kill leaves a partial temporary file. Unset in normal use (docs/checkpoints.md).

}  // namespace graphpool
