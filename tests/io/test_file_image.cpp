// The in-memory loaders (DatasetFile(image, label), read_dataset_image, read_checkpoint_info_image,
// load_checkpoint_image) against the path-based ones on the same bytes: equal results on real
// files, and on malformed ones the same exception type with the same message, the label in
// place of the path.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "io/checkpoint.hpp"
#include "io/dataset.hpp"
#include "io/tu_reader.hpp"
#include "tests/io/checkpoint_fixture.hpp"
#include "tests/io/tu_fixture.hpp"
#include "tests/support/compare.hpp"

namespace graphpool {
namespace {

using testing::bitwise_equal;
using testing::example_state;
using testing::Net;
using testing::ScratchDir;

const std::string kRepo = std::string(GRAPHPOOL_TEST_DATA_DIR) + "/../..";
const std::string kLabel = "bytes from the network";

std::vector<std::byte> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  const std::string s = out.str();
  EXPECT_FALSE(s.empty()) << path;
  std::vector<std::byte> bytes(s.size());
  std::memcpy(bytes.data(), s.data(), s.size());
  return bytes;
}

void spill(const std::string& path, std::span<const std::byte> bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

/// Every occurrence of `from` in `text` replaced by `to`.
std::string replace_all(const std::string& text, const std::string& from, const std::string& to) {
  std::string out;
  std::size_t done = 0;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, done)) {
    out.append(text, done, at - done).append(to);
    done = at + from.size();
  }
  return out.append(text, done);
}

/// What `f` throws: the dynamic type's name and the message ("" / "" when it throws nothing).
struct Thrown {
  std::string type, message;
};
template <class F>
Thrown thrown_by(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return {typeid(e).name(), e.what()};
  }
  return {};
}

/// The path-based and the in-memory call fail alike: same exception type, a graphpool::Error,
/// and the same message with `label` where the path was (and the path nowhere).
template <class ByPath, class ByImage>
void expect_same_failure(const std::string& path, ByPath&& by_path, ByImage&& by_image) {
  const Thrown p = thrown_by(by_path), m = thrown_by(by_image);
  ASSERT_FALSE(p.type.empty()) << "the path-based loader accepted " << path;
  EXPECT_EQ(m.type, p.type) << m.message;
  EXPECT_EQ(m.message, replace_all(p.message, path, kLabel));
  EXPECT_EQ(m.message.rfind(kLabel, 0), 0u) << m.message;
  EXPECT_EQ(m.message.find(path), std::string::npos) << m.message;
}

void expect_equal(const GraphCollection& a, const GraphCollection& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.num_classes, b.num_classes);
  EXPECT_EQ(a.label_values, b.label_values);
  EXPECT_EQ(a.node_ptr, b.node_ptr);
  EXPECT_EQ(a.edge_ptr, b.edge_ptr);
  EXPECT_EQ(a.y, b.y);
  EXPECT_EQ(a.sources, b.sources);
  EXPECT_EQ(a.targets, b.targets);
  EXPECT_TRUE(bitwise_equal(a.x, b.x));
  EXPECT_EQ(a.node_labels, b.node_labels);
  ASSERT_EQ(a.edge_attr.has_value(), b.edge_attr.has_value());
  if (a.edge_attr) {
    EXPECT_TRUE(bitwise_equal(*a.edge_attr, *b.edge_attr));
  }
}

void expect_equal(const DatasetBatch& a, const DatasetBatch& b) {
  EXPECT_EQ(a.graph_ids, b.graph_ids);
  EXPECT_EQ(a.y, b.y);
  EXPECT_TRUE(std::ranges::equal(a.batch.node_ptr(), b.batch.node_ptr()));
  EXPECT_TRUE(std::ranges::equal(a.batch.graph().edge_ptr(), b.batch.graph().edge_ptr()));
  EXPECT_TRUE(std::ranges::equal(a.batch.graph().sources(), b.batch.graph().sources()));
  EXPECT_TRUE(bitwise_equal(a.x, b.x));
  EXPECT_EQ(a.node_labels, b.node_labels);
  ASSERT_EQ(a.edge_attr.has_value(), b.edge_attr.has_value());
  if (a.edge_attr) {
    EXPECT_TRUE(bitwise_equal(*a.edge_attr, *b.edge_attr));
  }
}

/// Dataset files written by graphpool: the seed corpus (slices of MUTAG / ENZYMES, edge
/// attributes, chunked + compressed, empty graphs) and the tiny TU fixture.
std::vector<std::string> dataset_files(const ScratchDir& dir) {
  testing::write_tu(dir.str("TINY"), "TINY", testing::tiny_tu_files());
  write_dataset(dir.str("tiny.h5"), read_tu(dir.str("TINY"), "TINY"));
  std::vector<std::string> files{dir.str("tiny.h5")};
  for (const char* name :
       {"enzymes2_attrs", "mutag2", "mutag2_edge_attr_raw", "mutag3_chunked", "odd_graphs"})
    files.push_back(kRepo + "/fuzz/corpus/dataset/" + name + ".h5");
  return files;
}

TEST(FileImage, DatasetImageLoadsEqualPathLoads) {
  ScratchDir dir;
  for (const std::string& path : dataset_files(dir)) {
    SCOPED_TRACE(path);
    const std::vector<std::byte> bytes = slurp(path);
    expect_equal(read_dataset_image(bytes, kLabel), read_dataset(path));
    const DatasetFile on_disk(path), in_memory(bytes, kLabel);
    EXPECT_EQ(in_memory.path(), kLabel);
    EXPECT_EQ(in_memory.name(), on_disk.name());
    EXPECT_EQ(in_memory.num_features(), on_disk.num_features());
    EXPECT_EQ(in_memory.num_edge_features(), on_disk.num_edge_features());
    EXPECT_EQ(in_memory.has_node_labels(), on_disk.has_node_labels());
    EXPECT_TRUE(std::ranges::equal(in_memory.labels(), on_disk.labels()));
    expect_equal(in_memory.load(), on_disk.load());
    // Out of file order with a repeat (the gather path), and batches of 2 read on demand.
    std::vector<Index> ids;
    for (Index g = on_disk.num_graphs() - 1; g >= 0; --g) ids.push_back(g);
    if (!ids.empty()) ids.push_back(ids.back());
    expect_equal(in_memory.load(ids), on_disk.load(ids));
    BatchReader a(in_memory, 2), b(on_disk, 2);
    DatasetBatch ba, bb;
    while (b.next(bb)) {
      ASSERT_TRUE(a.next(ba));
      expect_equal(ba, bb);
    }
    EXPECT_FALSE(a.next(ba));
  }
}

// The bytes are copied: the caller's buffer may go away (or change) right after the open.
TEST(FileImage, DatasetImageDoesNotKeepTheCallersBuffer) {
  const std::string path = kRepo + "/fuzz/corpus/dataset/mutag2.h5";
  auto bytes = std::make_unique<std::vector<std::byte>>(slurp(path));
  const DatasetFile file(*bytes, kLabel);
  std::fill(bytes->begin(), bytes->end(), std::byte{0xff});
  bytes.reset();
  expect_equal(file.read_all(), read_dataset(path));
}

// Two images open at once under one label are two files (HDF5's core driver shares open files
// by name: each image gets a name of its own).
TEST(FileImage, TwoImagesWithOneLabelStaySeparate) {
  ScratchDir dir;
  const std::vector<std::string> files = dataset_files(dir);
  const std::vector<std::byte> tiny = slurp(files[0]), enzymes = slurp(files[1]);
  const DatasetFile a(tiny, kLabel), b(enzymes, kLabel);
  expect_equal(a.read_all(), read_dataset(files[0]));
  expect_equal(b.read_all(), read_dataset(files[1]));
  EXPECT_NE(a.num_nodes(), b.num_nodes());
}

TEST(FileImage, MalformedDatasetImageFailsLikeThePathWithTheLabel) {
  ScratchDir dir;
  const std::vector<std::byte> good = slurp(dataset_files(dir)[2]);  // mutag2.h5
  std::vector<std::vector<std::byte>> inputs;
  inputs.push_back(std::vector<std::byte>(good.begin(), good.begin() + good.size() / 2));
  inputs.push_back(std::vector<std::byte>(100, std::byte{'x'}));
  // fuzz_dataset_raw's overflow (a corrupt attribute, rejected by graphpool's own check), and a
  // checkpoint given as a dataset (no attribute num_classes).
  inputs.push_back(slurp(kRepo + "/fuzz/regressions/dataset-vlen-attribute-overflow.h5"));
  inputs.push_back(slurp(kRepo + "/fuzz/corpus/checkpoint/float_adam.h5"));
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    SCOPED_TRACE(i);
    const std::string path = dir.str("bad" + std::to_string(i) + ".h5");
    spill(path, inputs[i]);
    expect_same_failure(
        path, [&] { DatasetFile f(path); }, [&] { DatasetFile f(inputs[i], kLabel); });
    expect_same_failure(
        path, [&] { read_dataset(path); }, [&] { read_dataset_image(inputs[i], kLabel); });
  }
  // Nothing at all: an IoError naming the label (a path cannot be empty like this).
  const Thrown empty = thrown_by([] { read_dataset_image({}, kLabel); });
  EXPECT_EQ(empty.type, typeid(IoError).name());
  EXPECT_EQ(empty.message, kLabel + ": cannot open as HDF5 (empty file image)");
}

/// Net with one more parameter, which no checkpoint of Net has.
template <class T>
struct BiggerNet : Net<T> {
  BiggerNet() : Net<T>(3, 4, 0.0) { this->register_parameter("extra", Tensor<T>(Shape{2})); }
};

template <class T>
void check_checkpoint_image() {
  ScratchDir dir;
  Net<T> saved(3, 4, 1.0);
  Adam<T> adam(saved.parameters(), AdamOptions(1e-2));
  for (Parameter<T>* p : saved.parameters())
    for (T& g : p->grad.values()) g = T(0.25);
  adam.step();
  const TrainingState<T> state = example_state(saved, 2);
  const std::string path = dir.str("last.h5");
  save_checkpoint(path, saved, &adam, CheckpointInfo().model("Net").config("h=4").epoch(2).seed(5),
                  &state);
  const std::vector<std::byte> bytes = slurp(path);

  const CheckpointInfo ip = read_checkpoint_info(path),
                       im = read_checkpoint_info_image(bytes, kLabel);
  EXPECT_EQ(im.model_, ip.model_);
  EXPECT_EQ(im.config_, ip.config_);
  EXPECT_EQ(im.epoch_, ip.epoch_);
  EXPECT_EQ(im.seed_, ip.seed_);
  EXPECT_EQ(im.has_optimizer_, ip.has_optimizer_);
  EXPECT_EQ(im.has_training_, ip.has_training_);
  EXPECT_EQ(im.training_options_, ip.training_options_);

  Net<T> a(3, 4, 2.0), b(3, 4, 3.0);
  Adam<T> adam_a(a.parameters(), AdamOptions(1e-2)), adam_b(b.parameters(), AdamOptions(1e-2));
  TrainingState<T> sa, sb;
  load_checkpoint(path, a, &adam_a, &sa);
  EXPECT_EQ(load_checkpoint_image(bytes, kLabel, b, &adam_b, &sb).epoch_, 2);
  const auto pa = a.named_parameters(), pb = b.named_parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(bitwise_equal(pa[i].second->value, pb[i].second->value)) << pa[i].first;
    EXPECT_TRUE(bitwise_equal(adam_a.first_moments()[i], adam_b.first_moments()[i]));
    EXPECT_TRUE(bitwise_equal(adam_a.second_moments()[i], adam_b.second_moments()[i]));
    EXPECT_TRUE(bitwise_equal(sa.best_parameters[i], sb.best_parameters[i]));
  }
  EXPECT_EQ(adam_b.step_count(), adam_a.step_count());
  EXPECT_EQ(sb.val_loss, sa.val_loss);
  EXPECT_EQ(sb.best_epoch, sa.best_epoch);
  EXPECT_EQ(sb.options, sa.options);

  // Malformed for this model: a wrong shape (ShapeError), a missing parameter and a dataset given
  // as a checkpoint (IoError); a truncated file. Nothing is changed by the failed loads.
  const Tensor<T> before = b.weight.value;
  Net<T> wide(3, 5, 0.0);
  expect_same_failure(
      path, [&] { load_checkpoint(path, wide); },
      [&] { load_checkpoint_image(bytes, kLabel, wide); });
  BiggerNet<T> other;
  expect_same_failure(
      path, [&] { load_checkpoint(path, other); },
      [&] { load_checkpoint_image(bytes, kLabel, other); });
  const std::string dataset = kRepo + "/fuzz/corpus/dataset/mutag2.h5";
  const std::vector<std::byte> dataset_bytes = slurp(dataset);
  expect_same_failure(
      dataset, [&] { load_checkpoint(dataset, b); },
      [&] { load_checkpoint_image(dataset_bytes, kLabel, b); });
  expect_same_failure(
      dataset, [&] { read_checkpoint_info(dataset); },
      [&] { read_checkpoint_info_image(dataset_bytes, kLabel); });
  const std::string cut = dir.str("cut.h5");
  const std::vector<std::byte> half(bytes.begin(), bytes.begin() + bytes.size() / 2);
  spill(cut, half);
  expect_same_failure(
      cut, [&] { load_checkpoint(cut, b, &adam_b); },
      [&] { load_checkpoint_image(half, kLabel, b, &adam_b); });
  EXPECT_TRUE(bitwise_equal(b.weight.value, before));
}

TEST(FileImage, CheckpointImageLoadsEqualPathLoadsAndFailsAlike) {
  check_checkpoint_image<float>();
  check_checkpoint_image<double>();
}

// The committed seed checkpoints (float / double, with and without Adam) load the same both ways.
TEST(FileImage, SeedCheckpointsLoadTheSameFromBytes) {
  for (const char* name : {"float_adam", "float_plain", "double_adam"}) {
    SCOPED_TRACE(name);
    const std::string path = kRepo + "/fuzz/corpus/checkpoint/" + name + ".h5";
    const std::vector<std::byte> bytes = slurp(path);
    const bool is_double = std::string(name).starts_with("double");
    const auto check = [&]<class T>(T) {
      const Net<T> fresh(3, 4, 2.0);
      Net<T> a(3, 4, 2.0), b(3, 4, 2.0);
      const Thrown pa = thrown_by([&] { load_checkpoint(path, a); });
      const Thrown pb = thrown_by([&] { load_checkpoint_image(bytes, kLabel, b); });
      EXPECT_EQ(pa.type, pb.type);
      EXPECT_EQ(replace_all(pa.message, path, kLabel), pb.message);
      EXPECT_TRUE(bitwise_equal(a.weight.value, b.weight.value));
      EXPECT_TRUE(bitwise_equal(a.head.bias.value, b.head.bias.value));
      EXPECT_EQ(bitwise_equal(b.weight.value, fresh.weight.value), !pa.type.empty());
      return pa.type.empty();
    };
    // Loads into the module of its dtype; fails alike (dtype) into the other one.
    EXPECT_EQ(check(float{}), !is_double);
    EXPECT_EQ(check(double{}), is_double);
  }
}

}  // namespace
}  // namespace graphpool
