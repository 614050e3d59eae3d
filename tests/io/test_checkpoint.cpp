#include "io/checkpoint.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "core/errors.hpp"
#include "tests/io/checkpoint_fixture.hpp"
#include "tests/io/tu_fixture.hpp"
#include "tests/support/compare.hpp"

namespace graphpool {
namespace {

using testing::bitwise_equal;
using testing::example_state;
using testing::fill_grads;
using testing::Net;
using testing::ScratchDir;

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
