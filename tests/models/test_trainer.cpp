#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <set>
#include <utility>

#include "core/errors.hpp"
#include "core/parallel.hpp"
#include "core/random.hpp"
#include "models/hierarchical_pool_net.hpp"
#include "models/model_factory.hpp"
#include "models/trainer.hpp"
#include "tests/support/compare.hpp"
#include "tests/support/gradcheck.hpp"
#include "tests/support/random_graph.hpp"

namespace graphpool {
namespace {

// Two classes told apart by structure and features: class 0 graphs are cycles (every node has
// features [1, 0, 1]), class 1 graphs are stars (hub [0, 1, 1], leaves [0, 0, 1]); 4..9 nodes.
GraphCollection two_class_graphs(Index count, std::uint64_t seed) {
  GraphCollection data;
  data.name = "cycles_and_stars";
  data.num_classes = 2;
  CounterRng rng(seed, 0);
  std::vector<float> features;
  for (Index g = 0; g < count; ++g) {
    const Index label = g % 2;
    const Index n = 4 + static_cast<Index>(rng.below(static_cast<std::uint64_t>(g), 6));
    Index added = 0;
    for (Index i = 0; i < n; ++i) {
      const bool hub = label == 1 && i == 0;
      features.insert(features.end(), {label == 0 ? 1.0f : 0.0f, hub ? 1.0f : 0.0f, 1.0f});
      if (label == 1 && i == 0) continue;
      const Index a = label == 0 ? i : 0, b = label == 0 ? (i + 1) % n : i;
      data.sources.insert(data.sources.end(), {a, b});
      data.targets.insert(data.targets.end(), {b, a});
      added += 2;
    }
    data.node_ptr.push_back(data.node_ptr.back() + n);
    data.edge_ptr.push_back(data.edge_ptr.back() + added);
    data.y.push_back(label);
  }
  data.x = Tensor<float>(Shape{data.node_ptr.back(), 3}, std::move(features));
  data.validate();
  return data;
}

TEST(Trainer, RandomSplitIsADisjointCoverAndSeeded) {
  Split s = random_split(100, 3);
  EXPECT_EQ(s.train.size(), 80u);
  EXPECT_EQ(s.val.size(), 10u);
  EXPECT_EQ(s.test.size(), 10u);
  std::set<Index> all(s.train.begin(), s.train.end());
  all.insert(s.val.begin(), s.val.end());
  all.insert(s.test.begin(), s.test.end());
  EXPECT_EQ(all.size(), 100u);
  EXPECT_EQ(random_split(100, 3).test, s.test);
  EXPECT_NE(random_split(100, 4).test, s.test);
  EXPECT_THROW(random_split(2, 0), ValueError);
}

TEST(Trainer, CollateShiftsEdgesAndKeepsFeatures) {
  GraphCollection data = two_class_graphs(6, 1);
  std::vector<Index> ids{3, 0};
  MiniBatch mb = collate(data, ids);
  const Index n3 = data.node_ptr[4] - data.node_ptr[3], n0 = data.node_ptr[1] - data.node_ptr[0];
  ASSERT_EQ(mb.batch.num_graphs(), 2);
  EXPECT_EQ(mb.batch.node_ptr()[1], n3);
  EXPECT_EQ(mb.batch.num_nodes(), n3 + n0);
  EXPECT_EQ(mb.batch.num_edges(),
            (data.edge_ptr[4] - data.edge_ptr[3]) + (data.edge_ptr[1] - data.edge_ptr[0]));
  EXPECT_EQ(mb.y, (std::vector<Index>{data.y[3], data.y[0]}));
  for (Index c = 0; c < 3; ++c) {
    EXPECT_EQ(mb.x(0, c), data.x(data.node_ptr[3], c));
    EXPECT_EQ(mb.x(n3, c), data.x(0, c));
  }
  std::vector<Index> bad{6};
  EXPECT_THROW(collate(data, bad), IndexError);
}

TEST(Trainer, CollateEqualsFromEdgesOnTheShiftedEdgeListForAnyThreadCount) {
  // 300 random multigraphs (repeated pairs, self loops, COO in draw order, not by target), some
  // empty: collate builds the CSR per graph in parallel; the reference is the whole batch's
  // shifted COO list through Graph::from_edges (a stable sort by target)
  GraphCollection data;
  data.num_classes = 2;
  std::vector<float> features;
  CounterRng rng(9, 0);
  for (Index g = 0; g < 300; ++g) {
    const Index n = static_cast<Index>(rng.below(static_cast<std::uint64_t>(g), 50));
    const testing::RandomEdges edges =
        testing::random_edges(n, n == 0 ? 0 : 2 * n, 100 + static_cast<std::uint64_t>(g));
    data.sources.insert(data.sources.end(), edges.sources.begin(), edges.sources.end());
    data.targets.insert(data.targets.end(), edges.targets.begin(), edges.targets.end());
    for (Index i = 0; i < n; ++i) features.insert(features.end(), {float(g), float(i), 1.0f});
    data.node_ptr.push_back(data.node_ptr.back() + n);
    data.edge_ptr.push_back(static_cast<Index>(data.sources.size()));
    data.y.push_back(g % 2);
  }
  data.x = Tensor<float>(Shape{data.node_ptr.back(), 3}, std::move(features));
  data.validate();
  std::vector<Index> ids(300);
  std::iota(ids.begin(), ids.end(), Index{0});
  std::reverse(ids.begin(), ids.end());
  std::vector<Index> node_ptr{0}, sources, targets;
  for (const Index g : ids) {
    const Index offset = node_ptr.back();
    for (Index e = data.edge_ptr[g]; e < data.edge_ptr[g + 1]; ++e) {
      sources.push_back(data.sources[e] + offset);
      targets.push_back(data.targets[e] + offset);
    }
    node_ptr.push_back(offset + data.node_ptr[g + 1] - data.node_ptr[g]);
  }
  const Graph expected = Graph::from_edges(node_ptr.back(), sources, targets);
  for (int threads : {1, 2}) {
    ThreadLimit limit(threads);
    const MiniBatch mb = collate(data, ids);
    EXPECT_EQ(testing::to_vector(mb.batch.node_ptr()), node_ptr);
    EXPECT_EQ(testing::to_vector(mb.batch.graph().edge_ptr()),
              testing::to_vector(expected.edge_ptr()));
    EXPECT_EQ(testing::to_vector(mb.batch.graph().sources()),
              testing::to_vector(expected.sources()));
    for (std::size_t i = 0; i < ids.size(); ++i) {
      EXPECT_EQ(mb.y[i], data.y[ids[i]]);
      for (Index v = node_ptr[i]; v < node_ptr[i + 1]; ++v) {
        ASSERT_EQ(mb.x(v, 0), float(ids[i]));
        ASSERT_EQ(mb.x(v, 1), float(v - node_ptr[i]));
      }
    }
  }
  // an edge outside its graph's nodes is named, not read out of bounds: the first bad one in
  // batch order (ids run 299 .. 0, so graph 200 before graph 7), with any thread count
  ASSERT_GT(data.edge_ptr[8] - data.edge_ptr[7], 1);
  ASSERT_GT(data.edge_ptr[201] - data.edge_ptr[200], 0);
  data.targets[data.edge_ptr[7] + 1] = 1000;
  data.sources[data.edge_ptr[200]] = -1;
  const std::string first_bad = "collate: edge " + std::to_string(data.edge_ptr[200]) + " (-1 -> " +
                                std::to_string(data.targets[data.edge_ptr[200]]) + ") of graph 200";
  for (int threads : {1, 2}) {
    ThreadLimit limit(threads);
    EXPECT_NE(testing::message_of<IndexError>([&] { collate(data, ids); }).find(first_bad),
              std::string::npos);
  }
  std::vector<Index> one{7};
  EXPECT_NE(testing::message_of<IndexError>([&] { collate(data, one); }).find("of graph 7"),
            std::string::npos);
}

TEST(Trainer, LossFallsAndAccuracyRisesOnASeparableDataset) {
  GraphCollection data = two_class_graphs(120, 2);
  for (const std::string name : {"sagpool_h", "sagpool_g", "topk_h"}) {
    Generator gen(5);
    auto model = make_classifier(name, ModelOptions(3, 2).hidden(16).dropout(0.0), gen);
    Split split = random_split(data.num_graphs(), 5);
    TrainResult r = train_classifier(
        *model, data, split, TrainOptions().max_epochs(40).patience(40).lr(0.01).batch_size(16));
    ASSERT_GE(r.history.size(), 10u) << name;
    EXPECT_LT(r.history.back().train_loss, 0.5 * r.history.front().train_loss) << name;
    EXPECT_GE(r.best_val.accuracy, 0.9) << name;
    EXPECT_GE(r.test.accuracy, 0.8) << name;
  }
}

TEST(Trainer, SameSeedIsBitwiseIdenticalForOneAndTwoThreads) {
  GraphCollection data = two_class_graphs(60, 3);
  auto run = [&](int threads) {
    ThreadLimit limit(threads);
    Generator gen(11);
    auto model = make_classifier("sagpool_h", ModelOptions(3, 2).hidden(32), gen);
    TrainResult r = train_classifier(*model, data, random_split(data.num_graphs(), 11),
                                     TrainOptions().max_epochs(3).batch_size(8));
    std::vector<float> weights;
    for (auto* p : model->parameters())
      weights.insert(weights.end(), p->value.values().begin(), p->value.values().end());
    std::vector<double> losses;
    for (const auto& m : r.history) losses.insert(losses.end(), {m.train_loss, m.val_loss});
    return std::make_pair(losses, weights);
  };
  auto one = run(1), two = run(2), again = run(2);
  ASSERT_EQ(one.second.size(), two.second.size());
  EXPECT_EQ(std::memcmp(one.second.data(), two.second.data(), one.second.size() * sizeof(float)),
            0);
  EXPECT_EQ(std::memcmp(one.first.data(), two.first.data(), one.first.size() * sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(two.second.data(), again.second.data(), two.second.size() * sizeof(float)),
            0);
}

TEST(Trainer, EpochsOnAReusedTapeMatchAFreshTapeBitwise) {
  GraphCollection data = two_class_graphs(40, 5);
  std::vector<Index> ids(static_cast<std::size_t>(data.num_graphs()));
  std::iota(ids.begin(), ids.end(), Index{0});
  auto run = [&](bool reuse) {
    Generator gen(3);
    auto model = make_classifier("sagpool_h", ModelOptions(3, 2).hidden(16), gen);
    Adam<float> adam(model->parameters(), AdamOptions(1e-2));
    Tape<float> workspace;
    std::vector<double> losses;
    for (std::uint64_t epoch = 1; epoch <= 3; ++epoch) {
      // batch sizes differ from epoch to epoch so reused nodes change size
      const Index batch = epoch == 2 ? 16 : 6;
      losses.push_back(reuse ? train_epoch(*model, adam, data, ids, batch, epoch, workspace)
                             : train_epoch(*model, adam, data, ids, batch, epoch));
    }
    std::vector<float> weights;
    for (auto* p : model->parameters()) {
      weights.insert(weights.end(), p->value.values().begin(), p->value.values().end());
    }
    return std::make_pair(losses, weights);
  };
  const auto fresh = run(false), reused = run(true);
  ASSERT_EQ(fresh.second.size(), reused.second.size());
  EXPECT_EQ(std::memcmp(fresh.first.data(), reused.first.data(), 3 * sizeof(double)), 0);
  EXPECT_EQ(
      std::memcmp(fresh.second.data(), reused.second.data(), fresh.second.size() * sizeof(float)),
      0);
}

TEST(ModelFactory, UnknownNameListsKnownOnes) {
  Generator gen(0);
  try {
    make_classifier("diffpool_x", ModelOptions(3, 2), gen);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("sagpool_h"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_classifier("sagpool_h", ModelOptions(3, 2).ratio(1.5), gen), ValueError);
}

TEST(HierarchicalPoolNet, GradcheckThroughAllLevels) {
  // Double precision on four small graphs: the input and every parameter (GCN, SAGPool / top-k
  // scorer, MLP) against central differences; dropout 0 so the function is deterministic.
  GraphCollection data = two_class_graphs(4, 4);
  std::vector<Index> ids{0, 1, 2, 3};
  MiniBatch mb = collate(data, ids);
  Tensor<double> x(mb.x.shape());
  for (Index i = 0; i < x.numel(); ++i) x[i] = mb.x[i] + 0.1 * static_cast<double>(i % 7);
  for (Pooling pooling : {Pooling::kSag, Pooling::kTopK}) {
    Generator gen(6);
    HierarchicalPoolNet<double> net(
        HierarchicalPoolNetOptions(3, 2).pooling(pooling).hidden(4).levels(2).dropout(0.0), gen);
    auto r = testing::gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) {
          return net.forward(in[0], mb.batch);
        },
        {x}, net.parameters());
    EXPECT_TRUE(r.ok) << net.name() << ": " << r.report;
  }
}

}  // namespace
}  // namespace graphpool
