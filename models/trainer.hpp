#pragma once
/// Training and evaluating graph classifiers on an in-memory dataset, with the peer's protocol:
/// random 80/10/10 split by seed, Adam, mini-batches of shuffled graphs, early stopping on the
/// validation loss (patience), test accuracy of the best-validation weights.
///   GraphCollection data = read_tu("data/MUTAG", "MUTAG");
///   Split split = random_split(data.num_graphs(), /*seed=*/0);
///   SagPoolH<float> model(SagPoolHOptions(data.num_features(), data.num_classes), gen);
///   TrainResult r = train_classifier(model, data, split, TrainOptions());
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "core/optim.hpp"
#include "core/tensor.hpp"
#include "graph/graph_batch.hpp"
#include "io/graph_collection.hpp"
#include "models/graph_classifier.hpp"

namespace graphpool {

/// Graph ids of the three parts of a split.
struct Split {
  std::vector<Index> train, val, test;
};

/// A random permutation of 0..n-1 by `seed`, cut into int(train * n), int(val * n) and the rest.
Split random_split(Index num_graphs, std::uint64_t seed, double train_fraction = 0.8,
                   double val_fraction = 0.1);

/// The graphs `graph_ids` of `data` as one block-diagonal batch with their features and labels.
struct MiniBatch {
  GraphBatch batch;
  Tensor<float> x;
  std::vector<Index> y;
};
MiniBatch collate(const GraphCollection& data, std::span<const Index> graph_ids);

struct TrainOptions {
  /// Upper bound on epochs (default 100, as the peer).
  TrainOptions& max_epochs(int e) { max_epochs_ = e; return *this; }
  /// Stop when the validation loss has not improved for this many epochs (default 20).
  TrainOptions& patience(int p) { patience_ = p; return *this; }
  TrainOptions& batch_size(Index b) { batch_size_ = b; return *this; }
  TrainOptions& lr(double v) { lr_ = v; return *this; }
  TrainOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  /// Seeds the per-epoch shuffles (model initialisation and dropout use the model's Generator).
  TrainOptions& seed(std::uint64_t s) { seed_ = s; return *this; }
  int max_epochs_ = 100;
  int patience_ = 20;
  Index batch_size_ = 128;
  double lr_ = 5e-4;
  double weight_decay_ = 1e-4;
  std::uint64_t seed_ = 0;
};

struct EpochMetrics {
  int epoch = 0;  ///< 1-based
  double train_loss = 0;
  double val_loss = 0;
  double val_accuracy = 0;
  double seconds = 0;  ///< wall time of the training pass (collate, forward, backward, Adam)
};

struct Evaluation {
  double loss = 0;  ///< mean NLL
  double accuracy = 0;
};

/// Where a run stands between epochs. Together with the model's parameters, the optimizer's
/// moments and step count, and the model Generator's position (dropout), it is everything
/// train_classifier needs to continue a run bitwise-identically (a resumable checkpoint).
///   TrainProgress progress;   // empty: a fresh start
///   train_classifier(model, adam, data, split, options, progress, {}, save_last_checkpoint);
struct TrainProgress {
  std::vector<EpochMetrics> history;  ///< the completed epochs
  int best_epoch = 0;                 ///< 1-based; 0 while no epoch has improved on +inf
  Evaluation best_val{std::numeric_limits<double>::infinity(), 0.0};
  std::vector<Tensor<float>> best_weights;  ///< model.parameters() order; set by the first epoch
  /// The patience ran out or max_epochs was reached: only the test evaluation is left. (The
  /// patience counter itself is epochs since best_epoch: history.size() - best_epoch.)
  bool stopped = false;
};

struct TrainResult {
  std::vector<EpochMetrics> history;
  int best_epoch = 0;  ///< 1-based epoch of the lowest validation loss
  Evaluation best_val;
  Evaluation test;  ///< of the best-validation weights, which the model holds on return
};

/// Mean NLL and accuracy of `model` (eval mode) over `graph_ids`.
Evaluation evaluate(GraphClassifier<float>& model, const GraphCollection& data,
                    std::span<const Index> graph_ids, Index batch_size = 128);

/// One pass over `graph_ids` in an order shuffled by `shuffle_seed`; returns the mean training loss.
double train_epoch(GraphClassifier<float>& model, Adam<float>& optimizer,
                   const GraphCollection& data, std::span<const Index> graph_ids,
                   Index batch_size, std::uint64_t shuffle_seed);
/// The same on a caller-owned tape whose storage is reused from epoch to epoch (no fresh
/// allocations, no page faults after the first epoch); the results are identical.
///   Tape<float> workspace;
///   for (int e = 1; e <= 100; ++e) train_epoch(model, adam, data, train, 128, e, workspace);
double train_epoch(GraphClassifier<float>& model, Adam<float>& optimizer,
                   const GraphCollection& data, std::span<const Index> graph_ids, Index batch_size,
                   std::uint64_t shuffle_seed, Tape<float>& workspace);

/// The whole protocol; `on_epoch` (optional) sees each epoch's metrics as they happen.
TrainResult train_classifier(GraphClassifier<float>& model, const GraphCollection& data,
                             const Split& split, const TrainOptions& options,
                             const std::function<void(const EpochMetrics&)>& on_epoch = {});

/// The protocol from `progress` on (empty: from the start; or as restored from a checkpoint,
/// with the model, `optimizer` and the model's Generator restored to the same point).
/// `optimizer` is Adam over model.parameters() with adam_options(options). After each epoch
/// `on_epoch` sees its metrics, then `on_progress` the updated progress (with the model and
/// optimizer at the same point): the moment to write a resumable checkpoint.
TrainResult train_classifier(GraphClassifier<float>& model, Adam<float>& optimizer,
                             const GraphCollection& data, const Split& split,
                             const TrainOptions& options, TrainProgress& progress,
                             const std::function<void(const EpochMetrics&)>& on_epoch,
                             const std::function<void(const TrainProgress&)>& on_progress);

/// The optimizer options train_classifier uses: Adam(lr).weight_decay(weight_decay).
AdamOptions adam_options(const TrainOptions& options);

/// Every training option that affects the result, and the random-number scheme of the split and
/// the shuffles, as "key=value ..." text (stored in resumable checkpoints and compared on resume):
///   "max_epochs=100 patience=20 batch_size=128 lr=5e-04 weight_decay=1e-04 seed=0 split=..."
std::string describe(const TrainOptions& options);

/// The dataset's counts and a 64-bit FNV-1a hash of its contents (features, labels, graph
/// boundaries, edges) as "key=value ..." text; two collections with the same text hold the same
/// graphs (up to hash collisions).
std::string dataset_fingerprint(const GraphCollection& data);

}  // namespace graphpool
