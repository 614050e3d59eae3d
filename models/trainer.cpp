#include "models/trainer.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <string>

#include "core/errors.hpp"
#include "core/loss.hpp"
#include "core/parallel.hpp"
#include "core/random.hpp"

namespace graphpool {

namespace {

// Stream numbers of the trainer's counter generator, one per purpose.
constexpr std::uint64_t kSplitStream = 500;
constexpr std::uint64_t kShuffleStream = 1000;

constexpr Index kCollateGraphs = 16;  // graphs per parallel chunk of collate

// The shortest text that reads back as the same double ("0.1", not "0.10000000000000001").
std::string shortest(double v) {
  char buffer[32];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
  return std::string(buffer, end);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<Tensor<float>> snapshot(GraphClassifier<float>& model) {
  std::vector<Tensor<float>> values;
  for (Parameter<float>* p : model.parameters()) values.push_back(p->value);
  return values;
}

void restore(GraphClassifier<float>& model, const std::vector<Tensor<float>>& values) {
  auto parameters = model.parameters();
  for (std::size_t i = 0; i < parameters.size(); ++i) parameters[i]->value = values[i];
}

}  // namespace

Split random_split(Index num_graphs, std::uint64_t seed, double train_fraction,
                   double val_fraction) {
  if (num_graphs < 3) {
    throw ValueError("random_split: need at least 3 graphs for train/val/test, got " +
                     std::to_string(num_graphs));
  }
  if (!(train_fraction > 0 && val_fraction > 0 && train_fraction + val_fraction < 1)) {
    throw ValueError("random_split: fractions must be positive with train + val < 1, got " +
                     std::to_string(train_fraction) + " and " + std::to_string(val_fraction));
  }
  std::vector<Index> order = random_permutation(num_graphs, CounterRng(seed, kSplitStream));
  // int() truncation as the peer: n_train = int(0.8 n), n_val = int(0.1 n)
  const auto n_train =
      std::max<Index>(1, static_cast<Index>(train_fraction * static_cast<double>(num_graphs)));
  const auto n_val =
      std::max<Index>(1, static_cast<Index>(val_fraction * static_cast<double>(num_graphs)));
  if (n_train + n_val >= num_graphs) {  // an empty test set would report accuracy 0 silently
    throw ValueError("random_split: " + std::to_string(num_graphs) +
                     " graphs leave the test set empty (train " + std::to_string(n_train) +
                     ", validation " + std::to_string(n_val) + ")");
  }
  Split split;
  split.train.assign(order.begin(), order.begin() + n_train);
  split.val.assign(order.begin() + n_train, order.begin() + n_train + n_val);
  split.test.assign(order.begin() + n_train + n_val, order.end());
  return split;
}

MiniBatch collate(const GraphCollection& data, std::span<const Index> graph_ids) {
  const Index features = data.num_features();
  const Index G = static_cast<Index>(graph_ids.size());
  // Graph i of the batch takes nodes node_ptr[i] .. node_ptr[i + 1] and CSR edges edge_start[i]
  // .. edge_start[i + 1], after those of graphs 0 .. i - 1.
  std::vector<Index> node_ptr(static_cast<std::size_t>(G) + 1, 0);
  std::vector<Index> edge_start(static_cast<std::size_t>(G) + 1, 0);
  for (Index i = 0; i < G; ++i) {
    const Index g = graph_ids[i];
    if (g < 0 || g >= data.num_graphs()) {
      throw IndexError("collate: graph_ids[" + std::to_string(i) + "] = " + std::to_string(g) +
                       " is outside [0, " + std::to_string(data.num_graphs()) + ")");
    }
    node_ptr[i + 1] = node_ptr[i] + data.node_ptr[g + 1] - data.node_ptr[g];
    edge_start[i + 1] = edge_start[i] + data.edge_ptr[g + 1] - data.edge_ptr[g];
  }
  const Index nodes = node_ptr.back(), edges = edge_start.back();
  MiniBatch out;
  out.x = Tensor<float>::uninitialized(Shape{nodes, features});  // every row is copied below
  out.y.resize(static_cast<std::size_t>(G));
  std::vector<Index> edge_ptr(static_cast<std::size_t>(nodes) + 1, 0);
  std::vector<Index> sources(static_cast<std::size_t>(edges));
  // Per graph (graphs never share nodes, so the batch's CSR is their CSRs one after another, the
  // same as Graph::from_edges on the whole edge list): copy its rows of x, then sort its edges by
  // target, stable, into its part of the CSR, ids shifted to its place in the batch.
  const Index per_graph = 1 + (nodes * features + 4 * edges) / std::max<Index>(G, 1);
  // 1. Per graph: its rows of x, its label, and the in-degree of each local target in
  // edge_ptr[offset + 1 + t]. An edge outside its graph's nodes is not counted; the first graph
  // with one, in batch order whatever the thread count, is reported before anything else.
  auto outside = [&](Index e, Index count) {
    return data.sources[e] < 0 || data.sources[e] >= count || data.targets[e] < 0 ||
           data.targets[e] >= count;
  };
  const Index bad = parallel_reduce(
      Index{0}, G, kCollateGraphs, Index{-1},
      [&](Index lo, Index hi) {
        Index first_bad = -1;
        for (Index i = lo; i < hi; ++i) {
          const Index g = graph_ids[i];
          const Index first = data.node_ptr[g], count = data.node_ptr[g + 1] - first;
          std::copy_n(data.x.data() + first * features, count * features,
                      out.x.data() + node_ptr[i] * features);
          out.y[static_cast<std::size_t>(i)] = data.y[g];
          Index* degree = edge_ptr.data() + node_ptr[i] + 1;
          for (Index e = data.edge_ptr[g]; e < data.edge_ptr[g + 1]; ++e) {
            if (outside(e, count)) {
              if (first_bad < 0) first_bad = i;
              continue;
            }
            ++degree[data.targets[e]];
          }
        }
        return first_bad;
      },
      [](Index acc, Index chunk) { return acc >= 0 ? acc : chunk; }, per_graph);
  if (bad >= 0) {
    const Index g = graph_ids[bad], count = data.node_ptr[g + 1] - data.node_ptr[g];
    Index e = data.edge_ptr[g];
    while (!outside(e, count)) ++e;
    throw IndexError("collate: edge " + std::to_string(e) + " (" + std::to_string(data.sources[e]) +
                     " -> " + std::to_string(data.targets[e]) + ") of graph " + std::to_string(g) +
                     " is outside its " + std::to_string(count) + " nodes");
  }
  // 2. Per graph: edge_ptr[offset + 1 + t] = edge_start[i] + sum_{u <= t} degree[u], then its
  // edges by target, stable, ids shifted by the graph's offset.
  parallel_for(
      0, G, kCollateGraphs,
      [&](Index lo, Index hi) {
        std::vector<Index> cursor;  // cursor[t]: the next slot of local target t
        for (Index i = lo; i < hi; ++i) {
          const Index g = graph_ids[i];
          const Index count = data.node_ptr[g + 1] - data.node_ptr[g], offset = node_ptr[i];
          Index* degree = edge_ptr.data() + offset + 1;
          cursor.resize(static_cast<std::size_t>(count));
          Index running = edge_start[i];
          for (Index t = 0; t < count; ++t) {
            cursor[static_cast<std::size_t>(t)] = running;
            running += degree[t];
            degree[t] = running;
          }
          for (Index e = data.edge_ptr[g]; e < data.edge_ptr[g + 1]; ++e) {
            sources[cursor[static_cast<std::size_t>(data.targets[e])]++] = data.sources[e] + offset;
          }
        }
      },
      per_graph);
  out.batch =
      GraphBatch(Graph::from_csr(std::move(edge_ptr), std::move(sources)), std::move(node_ptr));
  return out;
}

Evaluation evaluate(GraphClassifier<float>& model, const GraphCollection& data,
                    std::span<const Index> graph_ids, Index batch_size) {
  const bool was_training = model.is_training();
  model.eval();
  Tape<float> tape;
  double total_loss = 0;
  Index correct = 0;
  for (std::size_t start = 0; start < graph_ids.size();
       start += static_cast<std::size_t>(batch_size)) {
    const std::size_t count =
        std::min<std::size_t>(static_cast<std::size_t>(batch_size), graph_ids.size() - start);
    MiniBatch mb = collate(data, graph_ids.subspan(start, count));
    tape.clear();
    Var<float> log_probs = model.forward(tape.constant(mb.x), mb.batch);
    const auto lp = log_probs.value().matrix();
    for (Index r = 0; r < lp.rows(); ++r) {
      // loss_r = -log p[r, y_r]; prediction = arg-max (first on ties, as torch.argmax)
      total_loss -= lp(r, mb.y[static_cast<std::size_t>(r)]);
      Index best = 0;
      for (Index c = 1; c < lp.cols(); ++c)
        if (lp(r, c) > lp(r, best)) best = c;
      correct += best == mb.y[static_cast<std::size_t>(r)];
    }
  }
  model.train(was_training);
  const double n = static_cast<double>(graph_ids.size());
  return {n > 0 ? total_loss / n : 0.0, n > 0 ? static_cast<double>(correct) / n : 0.0};
}

double train_epoch(GraphClassifier<float>& model, Adam<float>& optimizer,
                   const GraphCollection& data, std::span<const Index> graph_ids, Index batch_size,
                   std::uint64_t shuffle_seed) {
  Tape<float> tape;
  return train_epoch(model, optimizer, data, graph_ids, batch_size, shuffle_seed, tape);
}

double train_epoch(GraphClassifier<float>& model, Adam<float>& optimizer,
                   const GraphCollection& data, std::span<const Index> graph_ids, Index batch_size,
                   std::uint64_t shuffle_seed, Tape<float>& tape) {
  model.train();
  const std::vector<Index> order_positions = random_permutation(
      static_cast<Index>(graph_ids.size()), CounterRng(shuffle_seed, kShuffleStream));
  std::vector<Index> order(graph_ids.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = graph_ids[static_cast<std::size_t>(order_positions[i])];
  double total_loss = 0;
  for (std::size_t start = 0; start < order.size(); start += static_cast<std::size_t>(batch_size)) {
    const std::size_t count =
        std::min<std::size_t>(static_cast<std::size_t>(batch_size), order.size() - start);
    MiniBatch mb = collate(data, std::span<const Index>(order).subspan(start, count));
    tape.clear();
    optimizer.zero_grad();
    Var<float> loss = nll_loss(model.forward(tape.constant(mb.x), mb.batch), mb.y);
    tape.backward(loss);
    optimizer.step();
    total_loss += static_cast<double>(loss.value().item()) * static_cast<double>(count);
  }
  return order.empty() ? 0.0 : total_loss / static_cast<double>(order.size());
}

TrainResult train_classifier(GraphClassifier<float>& model, const GraphCollection& data,
                             const Split& split, const TrainOptions& options,
                             const std::function<void(const EpochMetrics&)>& on_epoch) {
  Adam<float> optimizer(model.parameters(), adam_options(options));
  TrainProgress progress;
  return train_classifier(model, optimizer, data, split, options, progress, on_epoch, {});
}

TrainResult train_classifier(GraphClassifier<float>& model, Adam<float>& optimizer,
                             const GraphCollection& data, const Split& split,
                             const TrainOptions& options, TrainProgress& progress,
                             const std::function<void(const EpochMetrics&)>& on_epoch,
                             const std::function<void(const TrainProgress&)>& on_progress) {
  if (split.train.empty() || split.val.empty()) {
    throw ValueError("train_classifier: the training and validation sets must not be empty");
  }
  const std::size_t num_parameters = model.parameters().size();
  if (progress.history.empty() && progress.best_weights.empty()) {
    progress.best_weights = snapshot(model);  // the initial weights, if no epoch ever improves
  }
  if (progress.best_weights.size() != num_parameters) {
    throw ValueError(
        "train_classifier: progress holds " + std::to_string(progress.best_weights.size()) +
        " best weights, the model has " + std::to_string(num_parameters) + " parameters");
  }
  const int first = static_cast<int>(progress.history.size()) + 1;
  Tape<float> workspace;  // storage reused by every epoch
  for (int epoch = first; !progress.stopped && epoch <= options.max_epochs_; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    EpochMetrics m;
    m.epoch = epoch;
    m.train_loss =
        train_epoch(model, optimizer, data, split.train, options.batch_size_,
                    options.seed_ * 1000003ULL + static_cast<std::uint64_t>(epoch), workspace);
    m.seconds = seconds_since(start);
    const Evaluation val = evaluate(model, data, split.val, options.batch_size_);
    m.val_loss = val.loss;
    m.val_accuracy = val.accuracy;
    progress.history.push_back(m);
    if (on_epoch) on_epoch(m);
    if (val.loss < progress.best_val.loss) {
      progress.best_val = val;
      progress.best_epoch = epoch;
      progress.best_weights = snapshot(model);
    } else if (epoch - progress.best_epoch >= options.patience_) {
      progress.stopped = true;
    }
    if (epoch == options.max_epochs_) progress.stopped = true;
    if (on_progress) on_progress(progress);
  }
  progress.stopped = true;
  TrainResult result;
  result.history = progress.history;
  result.best_epoch = progress.best_epoch;
  result.best_val = progress.best_val;
  restore(model, progress.best_weights);
  result.test = evaluate(model, data, split.test, options.batch_size_);
  return result;
}

AdamOptions adam_options(const TrainOptions& options) {
  return AdamOptions(options.lr_).weight_decay(options.weight_decay_);
}

std::string describe(const TrainOptions& options) {
  std::ostringstream text;
  text << "max_epochs=" << options.max_epochs_ << " patience=" << options.patience_
       << " batch_size=" << options.batch_size_ << " lr=" << shortest(options.lr_)
       << " weight_decay=" << shortest(options.weight_decay_) << " seed=" << options.seed_
       << " split=perm(seed,stream" << kSplitStream
       << ")/0.8/0.1 shuffle=perm(seed*1000003+epoch,stream" << kShuffleStream << ")";
  return text.str();
}

std::string dataset_fingerprint(const GraphCollection& data) {
  // FNV-1a over the bytes of every array, in a fixed order
  std::uint64_t hash = 14695981039346656037ULL;
  auto add = [&](const void* bytes, std::size_t count) {
    const auto* b = static_cast<const unsigned char*>(bytes);
    for (std::size_t i = 0; i < count; ++i) hash = (hash ^ b[i]) * 1099511628211ULL;
  };
  auto add_vector = [&](const auto& v) {
    const std::uint64_t n = v.size();
    add(&n, sizeof n);
    add(v.data(), v.size() * sizeof(v[0]));
  };
  const std::int64_t classes = data.num_classes;
  add(&classes, sizeof classes);
  add_vector(data.node_ptr);
  add_vector(data.edge_ptr);
  add_vector(data.sources);
  add_vector(data.targets);
  add_vector(data.y);
  add_vector(data.x.values());
  std::ostringstream text;
  text << "name=" << data.name << " graphs=" << data.num_graphs() << " nodes=" << data.num_nodes()
       << " edges=" << data.num_edges() << " features=" << data.num_features()
       << " classes=" << data.num_classes << " fnv1a=" << std::hex << std::setw(16)
       << std::setfill('0') << hash;
  return text.str();
}

}  // namespace graphpool
