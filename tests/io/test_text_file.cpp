#include "io/text_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/errors.hpp"

namespace graphpool {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("graphpool_text_file_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(TextFile, WritesThenReplacesWholeAndLeavesNoTemporary) {
  const fs::path dir = fresh_dir("replace");
  const fs::path path = dir / "summary.json";
  write_text_file(path.string(), "{\"a\": 1}\n");
  EXPECT_EQ(read_all(path), "{\"a\": 1}\n");
  write_text_file(path.string(), "second");
  EXPECT_EQ(read_all(path), "second");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

TEST(TextFile, MissingDirectoryIsAnIoErrorNamingThePath) {
  const fs::path dir = fresh_dir("missing");
  const std::string path = (dir / "no_such_dir" / "metrics.csv").string();
  try {
    write_text_file(path, "x");
    FAIL() << "no exception";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 0);
}

}  // namespace
}  // namespace graphpool
