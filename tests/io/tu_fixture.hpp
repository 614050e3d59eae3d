#pragma once
// Test helpers for tests/io and tests/apps: scratch directories and a tiny TU dataset written
// by the test itself (3 graphs; one self loop, one duplicate edge; graph labels -1 / 1).
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace graphpool::testing {

/// A fresh directory under the system temp dir, removed with its contents at scope exit.
struct ScratchDir {
  std::filesystem::path path;
  ScratchDir() {
    static int counter = 0;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = std::filesystem::temp_directory_path() /
           ("graphpool_io_" + std::to_string(::getpid()) + "_" +
            (info ? std::string(info->test_suite_name()) + "_" + info->name() : "x") + "_" +
            std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  std::string str(const std::string& name = "") const { return (path / name).string(); }
  /// Number of entries in the directory whose name contains `needle`.
  int count(const std::string& needle) const {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(path))
      if (e.path().filename().string().find(needle) != std::string::npos) ++n;
    return n;
  }
};

/// TINY_*.txt contents by suffix. Graphs: {1,2,3} path + self loop 3-3, {4,5} edge + duplicate
/// 4,5, {6,7,8,9} path. After PyG's processing: 12 edges, 1 self loop dropped, 1 duplicate merged.
inline std::map<std::string, std::string> tiny_tu_files() {
  return {
      {"A", "1, 2\n2, 1\n2, 3\n3, 2\n3, 3\n4, 5\n5, 4\n4, 5\n6, 7\n7, 6\n8, 9\n9, 8\n7, 8\n8, 7\n"},
      {"graph_indicator", "1\n1\n1\n2\n2\n3\n3\n3\n3\n"},
      {"graph_labels", "1\n-1\n1\n"},
      {"node_labels", "0\n1\n2\n0\n0\n1\n1\n2\n0\n"},
      {"node_attributes",
       "0.5, 1\n1.5, 2\n2.5, 3\n3.5, 4\n4.5, 5\n5.5, 6\n6.5, 7\n7.5, 8\n8.5, 9\n"},
      {"edge_labels", "1\n1\n2\n2\n3\n1\n1\n1\n2\n2\n1\n1\n3\n3\n"},
  };
}

inline void write_tu(const std::string& dir, const std::string& name,
                     const std::map<std::string, std::string>& files) {
  std::filesystem::create_directories(dir);
  for (const auto& [suffix, text] : files) {
    std::ofstream out(std::filesystem::path(dir) / (name + "_" + suffix + ".txt"),
                      std::ios::binary);
    out << text;
  }
}

/// ../shared/data/TU/<name>, or "" when the shared data is not there.
inline std::string shared_tu_dir(const std::string& name) {
#ifdef GRAPHPOOL_SHARED_DIR
  const auto dir = std::filesystem::path(GRAPHPOOL_SHARED_DIR) / "data" / "TU" / name;
  if (std::filesystem::exists(dir / (name + "_A.txt"))) return dir.string();
#endif
  return "";
}

/// Counts from each dataset's SOURCE.md ("Measured counts").
struct TuCounts {
  const char* name;
  long graphs, nodes, a_lines, classes;
  std::map<long, long> label_counts;  // original label -> graphs
};
inline const std::vector<TuCounts>& shared_tu_counts() {
  static const std::vector<TuCounts> counts{
      {"MUTAG", 188, 3371, 7442, 2, {{-1, 63}, {1, 125}}},
      {"PROTEINS", 1113, 43471, 162088, 2, {{1, 663}, {2, 450}}},
      {"ENZYMES",
       600,
       19580,
       74564,
       6,
       {{1, 100}, {2, 100}, {3, 100}, {4, 100}, {5, 100}, {6, 100}}},
      {"NCI1", 4110, 122747, 265506, 2, {{0, 2053}, {1, 2057}}},
      {"DD", 1178, 334925, 1686092, 2, {{1, 691}, {2, 487}}},
  };
  return counts;
}

}  // namespace graphpool::testing
