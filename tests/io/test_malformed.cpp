// Malformed inputs: each case must throw IoError naming the file and the place, and leave no
// output file behind.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "core/errors.hpp"
#include "io/dataset.hpp"
#include "io/tu_reader.hpp"
#include "tests/io/tu_fixture.hpp"

namespace graphpool {
namespace {

using testing::ScratchDir;
using Files = std::map<std::string, std::string>;

struct TuCase {
  const char* what;
  std::function<void(Files&)> corrupt;
  TuOptions options;
  std::vector<std::string> message;  // substrings the message must contain
};

std::vector<TuCase> tu_cases() {
  const auto set = [](const char* suffix, std::string text) {
    return [=](Files& f) { f[suffix] = text; };
  };
  return {
      {"truncated _A",
       [](Files& f) { f["A"] += "9,"; },
       {},
       {"TINY_A.txt", "line 15", "field 2 is missing"}},
      {"node id 0",
       [](Files& f) { f["A"] = "0, 1\n" + f["A"]; },
       {},
       {"TINY_A.txt", "line 1", "node id 0 < 1"}},
      {"node id above N",
       [](Files& f) { f["A"] += "9, 10\n"; },
       {},
       {"TINY_A.txt", "line 15", "node id 10 > 9 nodes"}},
      {"edge between graphs",
       [](Files& f) { f["A"] += "3, 4\n"; },
       {},
       {"TINY_A.txt", "line 15", "joins graph 1 and graph 2"}},
      {"decreasing graph indicator",
       set("graph_indicator", "1\n1\n1\n2\n2\n3\n3\n2\n3\n"),
       {},
       {"TINY_graph_indicator.txt", "line 8", "nondecreasing"}},
      {"graph ids not contiguous",
       set("graph_indicator", "1\n1\n1\n2\n2\n4\n4\n4\n4\n"),
       {},
       {"TINY_graph_indicator.txt", "line 6", "contiguous"}},
      {"graph ids not starting at 1",
       set("graph_indicator", "2\n2\n2\n2\n2\n3\n3\n3\n3\n"),
       {},
       {"TINY_graph_indicator.txt", "line 1", "start at 1"}},
      {"empty file",
       set("graph_labels", ""),
       {},
       {"TINY_graph_labels.txt", "line 1", "empty file"}},
      {"wrong column count",
       [](Files& f) { f["A"] += "1, 2, 3\n"; },
       {},
       {"TINY_A.txt", "line 15", "expected 2 comma-separated fields, got 3"}},
      {"non-numeric field",
       [](Files& f) { f["A"] = "1, x2\n" + f["A"]; },
       {},
       {"TINY_A.txt", "line 1", "field 2 'x2' is not an integer"}},
      {"NaN attribute",
       set("node_attributes",
           "0.5, 1\n1.5, 2\n2.5, nan\n3.5, 4\n4.5, 5\n5.5, 6\n6.5, 7\n7.5, 8\n8.5, 9\n"),
       TuOptions().node_features(NodeFeatures::kAttributes),
       {"TINY_node_attributes.txt", "line 3", "field 2 'nan' is not a finite"}},
      {"infinite attribute",
       set("node_attributes",
           "0.5, 1\n1.5, 2\n2.5, 3\n3.5, 4\n4.5, 1e40\n5.5, 6\n6.5, 7\n7.5, 8\n8.5, 9\n"),
       TuOptions().node_features(NodeFeatures::kAttributes),
       {"TINY_node_attributes.txt", "line 5", "not a finite"}},
      {"missing graph labels",
       [](Files& f) { f.erase("graph_labels"); },
       {},
       {"TINY_graph_labels.txt", "missing"}},
      {"fewer graph labels than graphs",
       set("graph_labels", "1\n-1\n"),
       {},
       {"TINY_graph_labels.txt", "line 3", "has 3 graphs"}},
      {"more node labels than nodes",
       [](Files& f) { f["node_labels"] += "1\n"; },
       {},
       {"TINY_node_labels.txt", "line 10", "extra line"}},
      {"blank line inside",
       [](Files& f) { f["A"] = "1, 2\n\n" + f["A"]; },
       {},
       {"TINY_A.txt", "line 2", "empty line"}},
      {"edge labels count",
       set("edge_labels", "1\n1\n"),
       TuOptions().edge_features(EdgeFeatures::kLabels),
       {"TINY_edge_labels.txt", "line 3", "missing"}},
  };
}

TEST(Malformed, TuInputsNameFileAndLineAndLeaveNoOutput) {
  for (const TuCase& c : tu_cases()) {
    SCOPED_TRACE(c.what);
    ScratchDir dir;
    Files files = testing::tiny_tu_files();
    c.corrupt(files);
    testing::write_tu(dir.str("TINY"), "TINY", files);
    const std::string out = dir.str("out.h5");
    try {
      write_dataset(out, read_tu(dir.str("TINY"), "TINY", c.options));
      ADD_FAILURE() << "no exception";
    } catch (const IoError& e) {
      for (const std::string& part : c.message)
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
            << "message: " << e.what() << "\nmissing: " << part;
    }
    EXPECT_FALSE(std::filesystem::exists(out));
    EXPECT_EQ(dir.count("out.h5"), 0);
  }
}

// --- HDF5 files --------------------------------------------------------------------------------

void overwrite_ints(const std::string& path, const char* dataset, std::vector<long long> values) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  const hid_t d = H5Dopen2(f, dataset, H5P_DEFAULT);
  ASSERT_GE(H5Dwrite(d, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
  H5Dclose(d);
  H5Fclose(f);
}

void replace_dataset(const std::string& path, const char* dataset, hid_t type,
                     std::vector<hsize_t> dims) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  H5Ldelete(f, dataset, H5P_DEFAULT);
  if (type >= 0) {
    const hid_t s = H5Screate_simple(int(dims.size()), dims.data(), nullptr);
    const hid_t d = H5Dcreate2(f, dataset, type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(d);
    H5Sclose(s);
  }
  H5Fclose(f);
}

struct H5Case {
  const char* what;
  std::function<void(const std::string&)> corrupt;
  std::vector<std::string> message;
};

std::vector<H5Case> h5_cases() {
  return {
      {"non-monotone node_ptr",
       [](const std::string& p) {
         overwrite_ints(p, "node_ptr", {0, 5, 3, 9});
       },
       {"dataset node_ptr", "index 2", "nondecreasing"}},
      {"node_ptr not from 0",
       [](const std::string& p) {
         overwrite_ints(p, "node_ptr", {1, 3, 5, 9});
       },
       {"dataset node_ptr", "index 0"}},
      {"node_ptr not ending at N",
       [](const std::string& p) {
         overwrite_ints(p, "node_ptr", {0, 3, 5, 8});
       },
       {"dataset node_ptr", "index 3", "x has rows 9"}},
      {"non-monotone edge_ptr",
       [](const std::string& p) {
         overwrite_ints(p, "edge_ptr", {0, 7, 6, 12});
       },
       {"dataset edge_ptr", "index 2"}},
      {"edge index out of range",
       [](const std::string& p) {
         overwrite_ints(p, "edge_index",
                        {0, 1, 1, 2, 0, 1, 0, 1, 1, 2, 2, 3, 1, 0, 2, 1, 1, 0, 1, 0, 2, 1, 3, 7});
       },
       {"dataset edge_index", "column 11", "node id 7 outside [0, 4)"}},
      {"negative edge index",
       [](const std::string& p) {
         overwrite_ints(p, "edge_index",
                        {0, 1, 1, 2, -1, 1, 0, 1, 1, 2, 2, 3, 1, 0, 2, 1, 1, 0, 1, 0, 2, 1, 3, 2});
       },
       {"dataset edge_index", "column 4", "node id -1"}},
      {"label outside classes",
       [](const std::string& p) {
         overwrite_ints(p, "y", {1, 2, 0});
       },
       {"dataset y", "index 1", "label 2 outside [0, 2)"}},
      {"wrong dtype",
       [](const std::string& p) {
         replace_dataset(p, "x", H5T_IEEE_F64LE, {9, 3});
       },
       {"dataset x", "expected dtype float32, got float64"}},
      {"wrong dtype int32 y",
       [](const std::string& p) { replace_dataset(p, "y", H5T_STD_I32LE, {3}); },
       {"dataset y", "expected dtype int64, got int32"}},
      {"missing dataset",
       [](const std::string& p) { replace_dataset(p, "edge_index", -1, {}); },
       {"missing dataset 'edge_index'"}},
      {"shapes disagree",
       [](const std::string& p) { replace_dataset(p, "node_labels", H5T_STD_I64LE, {8}); },
       {"dataset node_labels", "expected 9 entries"}},
      {"truncated HDF5 file",
       [](const std::string& p) {
         std::filesystem::resize_file(p, std::filesystem::file_size(p) / 2);
       },
       {"tiny.h5"}},
      {"not an HDF5 file",
       [](const std::string& p) { std::ofstream(p) << "hello"; },
       {"cannot open as HDF5"}},
  };
}

TEST(Malformed, Hdf5FilesNameFileDatasetAndIndex) {
  for (const H5Case& c : h5_cases()) {
    SCOPED_TRACE(c.what);
    ScratchDir dir;
    testing::write_tu(dir.str("TINY"), "TINY", testing::tiny_tu_files());
    const std::string path = dir.str("tiny.h5");
    write_dataset(path, read_tu(dir.str("TINY"), "TINY"));
    c.corrupt(path);
    try {
      const DatasetFile f(path);
      const DatasetBatch b = f.load();
      ADD_FAILURE() << "no exception";
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      for (const std::string& part : c.message)
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
            << "message: " << e.what() << "\nmissing: " << part;
    }
  }
}

}  // namespace
}  // namespace graphpool
