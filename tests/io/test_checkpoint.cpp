#include "io/checkpoint.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "core/errors.hpp"
#include "tests/io/tu_fixture.hpp"

namespace graphpool {
namespace {

using testing::ScratchDir;

/// Two parameters and a child with one, filled from `seed`.
template <class T>
struct Child : Module<T> {
  Parameter<T>& bias;
  explicit Child(Index n) : bias(this->register_parameter("bias", Tensor<T>(Shape{n}))) {}
};
template <class T>
struct Net : Module<T> {
  Parameter<T>& weight;
  Parameter<T>& scale;
  Child<T> head;
  Net(Index rows, Index cols, double seed, const std::string& bad_name = "scale")
      : weight(this->register_parameter("weight", Tensor<T>(Shape{rows, cols}))),
        scale(this->register_parameter(bad_name, Tensor<T>(Shape{}))),
        head(cols) {
    this->register_module("head", head);
    Index k = 0;
    for (Parameter<T>* p : this->parameters())
      for (T& v : p->value.values()) v = static_cast<T>(std::sin(seed + 0.37 * double(++k)));
  }
};

/// Deterministic gradients for step `step`.
template <class T>
void fill_grads(Module<T>& m, int step) {
  Index k = 0;
  for (Parameter<T>* p : m.parameters())
    for (T& g : p->grad.values()) g = static_cast<T>(std::cos(0.1 * step + 0.7 * double(++k)));
}

template <class T>
bool bitwise_equal(const Tensor<T>& a, const Tensor<T>& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), sizeof(T) * static_cast<std::size_t>(a.numel())) == 0;
}

TEST(Checkpoint, RoundTripRestoresBitwiseEqualParameters) {
  ScratchDir dir;
  Net<float> a(3, 4, 1.0), b(3, 4, 2.0);
  save_checkpoint(dir.str("ck.h5"), a, nullptr,
                  CheckpointInfo().model("Net").epoch(7).seed(1234567890123ULL));
  EXPECT_FALSE(bitwise_equal(a.weight.value, b.weight.value));
  const CheckpointInfo info = load_checkpoint(dir.str("ck.h5"), b);
  EXPECT_EQ(info.model_, "Net");
  EXPECT_EQ(info.epoch_, 7);
  EXPECT_EQ(info.seed_, 1234567890123ULL);
  const auto pa = a.named_parameters(), pb = b.named_parameters();
  for (std::size_t i = 0; i < pa.size(); ++i)
    EXPECT_TRUE(bitwise_equal(pa[i].second->value, pb[i].second->value)) << pa[i].first;
  EXPECT_EQ(dir.count(".tmp"), 0);
}

template <class T>
void check_resume() {
  ScratchDir dir;
  const AdamOptions options = AdamOptions(1e-2).weight_decay(1e-3);
  // Reference: 5 uninterrupted steps.
  Net<T> ref(2, 3, 0.5);
  Adam<T> ref_opt(ref.parameters(), options);
  for (int s = 1; s <= 5; ++s) fill_grads(ref, s), ref_opt.step();
  // Interrupted after 3 steps, saved, restored into a fresh model and optimizer.
  {
    Net<T> run(2, 3, 0.5);
    Adam<T> opt(run.parameters(), options);
    for (int s = 1; s <= 3; ++s) fill_grads(run, s), opt.step();
    save_checkpoint(dir.str("ck.h5"), run, &opt, CheckpointInfo().epoch(3));
  }
  Net<T> resumed(2, 3, 9.0);
  Adam<T> opt(resumed.parameters(), options);
  EXPECT_EQ(load_checkpoint(dir.str("ck.h5"), resumed, &opt).epoch_, 3);
  EXPECT_EQ(opt.step_count(), 3);
  for (int s = 4; s <= 5; ++s) fill_grads(resumed, s), opt.step();
  const auto a = ref.named_parameters(), b = resumed.named_parameters();
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(bitwise_equal(a[i].second->value, b[i].second->value)) << a[i].first;
    EXPECT_TRUE(bitwise_equal(ref_opt.first_moments()[i], opt.first_moments()[i]));
    EXPECT_TRUE(bitwise_equal(ref_opt.second_moments()[i], opt.second_moments()[i]));
  }
}

TEST(Checkpoint, ResumeGivesBitwiseIdenticalSteps) {
  check_resume<float>();
  check_resume<double>();
}

TEST(Checkpoint, MismatchesNameTheParameterAndChangeNothing) {
  ScratchDir dir;
  Net<float> a(3, 4, 1.0);
  save_checkpoint(dir.str("ck.h5"), a);
  Net<float> wrong_shape(3, 5, 2.0);
  const Tensor<float> before = wrong_shape.weight.value;
  try {
    load_checkpoint(dir.str("ck.h5"), wrong_shape);
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("parameter 'weight'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[3, 5]"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(bitwise_equal(before, wrong_shape.weight.value));
  Net<float> renamed(3, 4, 2.0, "gain");
  try {
    load_checkpoint(dir.str("ck.h5"), renamed);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("'scale'"), std::string::npos) << e.what();
  }
  Net<double> wrong_dtype(3, 4, 1.0);
  EXPECT_THROW(load_checkpoint(dir.str("ck.h5"), wrong_dtype), IoError);
  Adam<float> opt(a.parameters(), AdamOptions());
  EXPECT_THROW(load_checkpoint(dir.str("ck.h5"), a, &opt), IoError);  // saved without optimizer
}

TEST(Checkpoint, FailedSaveKeepsThePreviousCheckpoint) {
  ScratchDir dir;
  Net<float> a(3, 4, 1.0);
  save_checkpoint(dir.str("ck.h5"), a, nullptr, CheckpointInfo().epoch(1));
  // A parameter name with '/' makes HDF5 fail half-way through the save.
  Net<float> bad(3, 4, 2.0, "no/such/group");
  EXPECT_THROW(save_checkpoint(dir.str("ck.h5"), bad, nullptr, CheckpointInfo().epoch(2)), IoError);
  EXPECT_EQ(dir.count(".tmp"), 0);
  Net<float> b(3, 4, 3.0);
  EXPECT_EQ(load_checkpoint(dir.str("ck.h5"), b).epoch_, 1);
  EXPECT_TRUE(bitwise_equal(a.weight.value, b.weight.value));
}

/// A training state of `epochs` epochs for `net`, every field set to a distinct value.
template <class T>
TrainingState<T> example_state(Net<T>& net, int epochs) {
  TrainingState<T> s;
  for (int e = 0; e < epochs; ++e) {
    s.train_loss.push_back(0.7 - 0.01 * e + 1e-17 * e);
    s.val_loss.push_back(0.8 - 0.02 * e);
    s.val_accuracy.push_back(0.5 + 0.03 * e);
    s.seconds.push_back(0.25 * e);
  }
  s.best_epoch = epochs;
  s.best_val_loss = s.val_loss.back();
  s.best_val_accuracy = s.val_accuracy.back();
  for (Parameter<T>* p : net.parameters()) {
    Tensor<T> t = p->value;
    for (T& v : t.values()) v = -v / T(3);
    s.best_parameters.push_back(std::move(t));
  }
  s.stopped = true;
  s.finished = true;
  s.test_loss = 0.4321;
  s.test_accuracy = 0.875;
  s.generator_seed = 0xfedcba9876543210ULL;  // above 2^63: stored as the int64 with the same bits
  s.generator_streams = 77;
  s.options = "max_epochs=9 lr=0.01";
  s.dataset = "name=X graphs=3 fnv1a=0123456789abcdef";
  return s;
}

template <class T>
void check_training_state_round_trip() {
  ScratchDir dir;
  Net<T> a(3, 4, 1.0);
  Adam<T> opt_a(a.parameters(), AdamOptions(1e-2));
  fill_grads(a, 1);
  opt_a.step();
  const TrainingState<T> saved = example_state(a, 6);
  save_checkpoint(dir.str("last.h5"), a, &opt_a, CheckpointInfo().model("Net").epoch(6), &saved);
  const CheckpointInfo info = read_checkpoint_info(dir.str("last.h5"));
  EXPECT_TRUE(info.has_optimizer_);
  EXPECT_TRUE(info.has_training_);
  EXPECT_EQ(info.training_options_, saved.options);
  EXPECT_EQ(info.training_dataset_, saved.dataset);
  Net<T> b(3, 4, 2.0);
  Adam<T> opt_b(b.parameters(), AdamOptions(1e-2));
  TrainingState<T> loaded;
  load_checkpoint(dir.str("last.h5"), b, &opt_b, &loaded);
  EXPECT_EQ(loaded.train_loss, saved.train_loss);  // exact doubles
  EXPECT_EQ(loaded.val_loss, saved.val_loss);
  EXPECT_EQ(loaded.val_accuracy, saved.val_accuracy);
  EXPECT_EQ(loaded.seconds, saved.seconds);
  EXPECT_EQ(loaded.best_epoch, 6);
  EXPECT_EQ(loaded.best_val_loss, saved.best_val_loss);
  EXPECT_EQ(loaded.best_val_accuracy, saved.best_val_accuracy);
  ASSERT_EQ(loaded.best_parameters.size(), saved.best_parameters.size());
  for (std::size_t i = 0; i < saved.best_parameters.size(); ++i)
    EXPECT_TRUE(bitwise_equal(loaded.best_parameters[i], saved.best_parameters[i])) << i;
  EXPECT_TRUE(loaded.stopped);
  EXPECT_TRUE(loaded.finished);
  EXPECT_EQ(loaded.test_loss, 0.4321);
  EXPECT_EQ(loaded.test_accuracy, 0.875);
  EXPECT_EQ(loaded.generator_seed, 0xfedcba9876543210ULL);
  EXPECT_EQ(loaded.generator_streams, 77u);
  EXPECT_EQ(loaded.options, saved.options);
  EXPECT_EQ(loaded.dataset, saved.dataset);
  EXPECT_EQ(opt_b.step_count(), 1);
  EXPECT_TRUE(bitwise_equal(a.weight.value, b.weight.value));
  // The same file loads as a plain checkpoint too (the training group is optional).
  Net<T> c(3, 4, 3.0);
  EXPECT_EQ(load_checkpoint(dir.str("last.h5"), c).epoch_, 6);
}

TEST(Checkpoint, TrainingStateRoundTripsExactly) {
  check_training_state_round_trip<float>();
  check_training_state_round_trip<double>();
}

TEST(Checkpoint, CheckpointWithoutTrainingStateSaysSoWhenAskedForOne) {
  ScratchDir dir;
  Net<float> a(3, 4, 1.0);
  save_checkpoint(dir.str("best.h5"), a);
  const CheckpointInfo info = read_checkpoint_info(dir.str("best.h5"));
  EXPECT_FALSE(info.has_training_);
  EXPECT_FALSE(info.has_optimizer_);
  TrainingState<float> state;
  state.options = "untouched";
  Net<float> b(3, 4, 2.0);
  const Tensor<float> b_before = b.weight.value;
  try {
    load_checkpoint<float>(dir.str("best.h5"), b, nullptr, &state);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("no training state"), std::string::npos) << e.what();
  }
  EXPECT_EQ(state.options, "untouched");
  EXPECT_TRUE(bitwise_equal(b_before, b.weight.value));  // nothing changed
}

TEST(Checkpoint, InconsistentTrainingStateIsRefusedOnSaveAndLoad) {
  ScratchDir dir;
  Net<float> a(3, 4, 1.0);
  TrainingState<float> s = example_state(a, 4);
  s.seconds.pop_back();  // a history column of another length
  EXPECT_THROW(save_checkpoint(dir.str("x.h5"), a, nullptr, {}, &s), ValueError);
  s = example_state(a, 4);
  s.best_parameters.pop_back();
  EXPECT_THROW(save_checkpoint(dir.str("x.h5"), a, nullptr, {}, &s), ValueError);
  EXPECT_EQ(dir.count(".tmp"), 0);
  EXPECT_EQ(dir.count("x.h5"), 0);
  // Best weights of another shape than the parameters: loading says which; nothing changes.
  s = example_state(a, 4);
  s.best_parameters[0] = Tensor<float>(Shape{2, 2});
  save_checkpoint(dir.str("last.h5"), a, nullptr, {}, &s);
  Net<float> b(3, 4, 2.0);
  const Tensor<float> before = b.weight.value;
  TrainingState<float> loaded;
  try {
    load_checkpoint<float>(dir.str("last.h5"), b, nullptr, &loaded);
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("best parameter 'weight'"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(bitwise_equal(before, b.weight.value));
  EXPECT_TRUE(loaded.train_loss.empty());
}

}  // namespace
}  // namespace graphpool
