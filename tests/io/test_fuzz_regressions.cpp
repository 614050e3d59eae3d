// Inputs found by the libFuzzer harnesses (fuzz/, docs/reliability.md) that once crashed or
// misbehaved, each replayed through the public API with the answer it must get now; plus the
// in-memory TU reader the harness uses (read_tu_texts) checked against read_tu.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "core/errors.hpp"
#include "io/checkpoint.hpp"
#include "io/dataset.hpp"
#include "io/tu_reader.hpp"
#include "tests/io/tu_fixture.hpp"

namespace graphpool {
namespace {

const std::string kRepo = std::string(GRAPHPOOL_TEST_DATA_DIR) + "/../..";

std::string regression(const std::string& name) {
  return kRepo + "/fuzz/regressions/" + name;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// The IoError message of `f`, or "" (and a test failure) when it throws nothing or another type.
template <class F>
std::string io_error_of(F&& f) {
  try {
    f();
  } catch (const IoError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected IoError, got " << typeid(e).name() << ": " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected IoError, nothing thrown";
  return "";
}

// fuzz_dataset_raw: a string attribute whose variable-length type claims fewer bytes than its
// on-disk element (4 + address size + 4); HDF5 1.10's H5Aread copied 16 bytes out of the 7
// stored (heap-buffer-overflow inside HDF5). read_*_attribute now compares the stored size with
// the element count first.
TEST(FuzzRegressions, VariableLengthStringAttributeWithShortStorageIsAnIoError) {
  const std::string path = regression("dataset-vlen-attribute-overflow.h5");
  const std::string message = io_error_of([&] { DatasetFile file(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("is corrupt"), std::string::npos) << message;
  EXPECT_NE(message.find("bytes stored for 1 values of 16 bytes"), std::string::npos) << message;
  // Every loader entry point that opens the file gets the same answer.
  EXPECT_FALSE(io_error_of([&] { read_dataset(path); }).empty());
  EXPECT_FALSE(io_error_of([&] { read_checkpoint_info(path); }).empty());
}

// Labels at both ends of int64: max - min overflowed (UBSan: signed integer overflow in
// shift_labels) before the span check could reject them. fuzz_tu_reader input:
// fuzz/regressions/tu-label-span-overflow.
TEST(FuzzRegressions, LabelsSpanningAllOfInt64AreAnIoError) {
  const std::map<std::string, std::string> files{
      {"graph_indicator", "1\n1\n"},
      {"graph_labels", "1\n"},
      {"A", "1, 2\n"},
      {"node_labels", "-9223372036854775808\n9223372036854775807\n"}};
  EXPECT_EQ(io_error_of([&] { read_tu_texts(files, "T"); }),
            "T_node_labels.txt line 2: labels span -9223372036854775808 .. 9223372036854775807: a "
            "one-hot encoding would need more than 65536 columns");
  auto edges = files;
  edges["node_labels"] = "0\n1\n";
  edges["A"] = "1, 2\n2, 1\n";
  edges["edge_labels"] = "9223372036854775807\n-2\n";
  EXPECT_NE(io_error_of([&] {
              read_tu_texts(edges, "T", TuOptions().edge_features(EdgeFeatures::kLabels));
            }).find("T_edge_labels.txt line 1: labels span -2 .. 9223372036854775807"),
            std::string::npos);
}

/// A dataset file whose `huge` dataset declares `dims` with chunked storage never written (HDF5
/// reads fill values for it): a few KB on disk that claim terabytes. The rest is consistent.
void write_declared_only(const std::string& path, const std::string& huge,
                         std::vector<hsize_t> dims) {
  const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const auto attr = [&](const char* name, long long v) {
    const hid_t s = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(f, name, H5T_STD_I64LE, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_LLONG, &v);
    H5Aclose(a);
    H5Sclose(s);
  };
  attr("format_version", 1);
  attr("num_classes", 1);
  {
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    const hid_t s = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(f, "name", type, s, H5P_DEFAULT, H5P_DEFAULT);
    const char* text = "HUGE";
    H5Awrite(a, type, &text);
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(type);
  }
  const long long N = huge == "x" ? static_cast<long long>(dims[0]) : 2;
  const auto dataset = [&](const std::string& name, hid_t type, std::vector<hsize_t> d,
                           const std::vector<long long>& values) {
    const hid_t s = H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    std::vector<hsize_t> chunk(d.size(), 1);
    H5Pset_chunk(dcpl, static_cast<int>(d.size()), chunk.data());
    const hid_t ds = H5Dcreate2(f, name.c_str(), type, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (name != huge && !values.empty())
      H5Dwrite(ds, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    H5Dclose(ds);
    H5Pclose(dcpl);
    H5Sclose(s);
  };
  dataset("x", H5T_IEEE_F32LE, huge == "x" ? dims : std::vector<hsize_t>{2, 1}, {1, 1});
  dataset("edge_index", H5T_STD_I64LE, {2, 1}, {0, 1});
  dataset("node_ptr", H5T_STD_I64LE, {2}, {0, N});
  dataset("edge_ptr", H5T_STD_I64LE, {2}, {0, 1});
  dataset("y", H5T_STD_I64LE, huge == "y" ? dims : std::vector<hsize_t>{1}, {0});
  H5Fclose(f);
}

// fuzz_dataset: x declared [2^40, 1] (4 TB) in a 10 KB file, node_ptr consistent with it: the
// constructor accepted it and read_all asked for 4 TB (bad_alloc; under ASan an
// allocation-size-too-big abort). Now the declared size is checked against the storage.
TEST(FuzzRegressions, DatasetDeclaringFarMoreThanItStoresIsAnIoError) {
  testing::ScratchDir dir;
  const std::string path = dir.str("huge.h5");
  write_declared_only(path, "x", {hsize_t(1) << 40, 1});
  EXPECT_EQ(io_error_of([&] { DatasetFile file(path); }),
            path +
                ": dataset x: shape [1099511627776, 1] needs 4398046511104 bytes but the file "
                "stores 0");
}

// fuzz_dataset: y declared with 2^63 - 1 entries: G + 1 overflowed int64 (UB) before node_ptr's
// length was compared with it.
TEST(FuzzRegressions, DatasetDimensionNearInt64MaxIsAnIoError) {
  testing::ScratchDir dir;
  const std::string path = dir.str("long_y.h5");
  write_declared_only(path, "y", {(hsize_t(1) << 63) - 1});
  EXPECT_EQ(io_error_of([&] { DatasetFile file(path); }),
            path +
                ": dataset y: shape [9223372036854775807] is too large (more than 2^48 "
                "elements)");
}

TEST(TuTexts, SameCollectionAsReadTuOnMutag) {
  const std::string dir = kRepo + "/data/MUTAG";
  std::map<std::string, std::string> files;
  for (const char* suffix : {"A", "graph_indicator", "graph_labels", "node_labels", "edge_labels"})
    files[suffix] = slurp(dir + "/MUTAG_" + suffix + ".txt");
  const TuOptions options = TuOptions().edge_features(EdgeFeatures::kLabels);
  TuStats from_disk, from_memory;
  const GraphCollection a = read_tu(dir, "MUTAG", options, &from_disk);
  const GraphCollection b = read_tu_texts(files, "MUTAG", options, &from_memory);
  EXPECT_EQ(a.num_graphs(), 188);
  EXPECT_EQ(a.node_ptr, b.node_ptr);
  EXPECT_EQ(a.edge_ptr, b.edge_ptr);
  EXPECT_EQ(a.sources, b.sources);
  EXPECT_EQ(a.targets, b.targets);
  EXPECT_EQ(a.y, b.y);
  EXPECT_EQ(a.label_values, b.label_values);
  ASSERT_EQ(a.x.shape(), b.x.shape());
  EXPECT_TRUE(std::equal(a.x.values().begin(), a.x.values().end(), b.x.values().begin()));
  ASSERT_TRUE(a.edge_attr && b.edge_attr);
  EXPECT_TRUE(std::equal(a.edge_attr->values().begin(), a.edge_attr->values().end(),
                         b.edge_attr->values().begin()));
  EXPECT_EQ(from_disk.duplicates_merged, from_memory.duplicates_merged);
  EXPECT_EQ(b.source, "TU text format: (memory)");
}

TEST(TuTexts, MissingFileNamesMemoryAndTheFile) {
  const std::string message = io_error_of([] { read_tu_texts({{"graph_indicator", "1\n"}}, "T"); });
  EXPECT_EQ(message, "(memory): missing T_graph_labels.txt (required)");
}

}  // namespace
}  // namespace graphpool
