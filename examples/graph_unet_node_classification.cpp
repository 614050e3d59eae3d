// Node classification with a Graph U-Net (Gao & Ji 2019; PyG's GraphUNet) on one graph: a seeded
// stochastic block model whose node features are only weakly correlated with the block, so the
// graph structure is needed to classify well. Prints loss and train / test accuracy per epoch.
//   ./graph_unet_node_classification [epochs] [seed]
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/loss.hpp"
#include "core/ops.hpp"
#include "core/optim.hpp"
#include "core/random.hpp"
#include "graph/graph_batch.hpp"
#include "layers/graph_unet.hpp"

using namespace graphpool;

namespace {

struct Dataset {
  GraphBatch batch;
  Tensor<float> x;
  std::vector<Index> label, train, test;
};

// SBM: `blocks` blocks of `size` nodes, undirected edges with probability p_in inside a block and
// p_out across; features x_i = signal * onehot(block_i) (first `blocks` dims) + N(0, 1) noise.
Dataset make_sbm(Index blocks, Index size, double p_in, double p_out, Index features, double signal,
                 double train_fraction, std::uint64_t seed) {
  const Index N = blocks * size;
  const CounterRng edges(seed, 0), noise(seed, 1), split(seed, 2);
  std::vector<Index> src, dst;
  for (Index i = 0; i < N; ++i) {
    for (Index j = i + 1; j < N; ++j) {
      const double p = i / size == j / size ? p_in : p_out;
      if (edges.uniform(static_cast<std::uint64_t>(i * N + j)) < p) {
        src.push_back(i), dst.push_back(j);
        src.push_back(j), dst.push_back(i);
      }
    }
  }
  Dataset d;
  d.batch = GraphBatch(Graph::from_edges(N, src, dst), {0, N});
  d.x = Tensor<float>(Shape{N, features});
  for (Index i = 0; i < N; ++i) {
    d.label.push_back(i / size);
    for (Index f = 0; f < features; ++f) {
      const double mean = f == i / size ? signal : 0.0;
      d.x(i, f) =
          static_cast<float>(mean + noise.normal(static_cast<std::uint64_t>(i * features + f)));
    }
    (split.uniform(static_cast<std::uint64_t>(i)) < train_fraction ? d.train : d.test).push_back(i);
  }
  return d;
}

double accuracy(const Tensor<float>& logits, const std::vector<Index>& label,
                const std::vector<Index>& nodes) {
  Index correct = 0;
  for (Index i : nodes) {
    Index best = 0;
    for (Index c = 1; c < logits.dim(1); ++c) {
      if (logits(i, c) > logits(i, best)) best = c;
    }
    correct += best == label[i];
  }
  return nodes.empty() ? 0.0 : static_cast<double>(correct) / static_cast<double>(nodes.size());
}

}  // namespace

int main(int argc, char** argv) {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 60;
  const std::uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;
  const Index blocks = 4;
  Dataset data = make_sbm(blocks, 75, 0.08, 0.008, 16, 0.6, 0.3, seed);
  std::printf("SBM: %lld nodes, %lld edges, %d classes (chance %.2f), %zu train / %zu test\n",
              static_cast<long long>(data.batch.num_nodes()),
              static_cast<long long>(data.batch.num_edges()), static_cast<int>(blocks),
              1.0 / blocks, data.train.size(), data.test.size());

  Generator gen(seed);
  GraphUNet<float> net(GraphUNetOptions(16, 32, blocks, 3).pool_ratio(0.5), gen);
  Adam<float> opt(net.parameters(), AdamOptions(0.01).weight_decay(5e-4));
  std::vector<Index> train_labels;
  for (Index i : data.train) train_labels.push_back(data.label[i]);

  Tape<float> tape;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    tape.clear();
    net.zero_grad();
    Var<float> logits = net.forward(tape.constant(data.x), data.batch);
    Var<float> loss = cross_entropy(gather_rows(logits, data.train), train_labels);
    tape.backward(loss);
    opt.step();
    std::printf("epoch %3d  loss %.4f  train acc %.3f  test acc %.3f\n", epoch,
                static_cast<double>(loss.value().item()),
                accuracy(logits.value(), data.label, data.train),
                accuracy(logits.value(), data.label, data.test));
  }
  return 0;
}
