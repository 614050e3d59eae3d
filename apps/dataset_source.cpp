#include "apps/dataset_source.hpp"

#include <filesystem>

#include "core/errors.hpp"
#include "io/dataset.hpp"
#include "io/tu_reader.hpp"

namespace graphpool {

GraphCollection load_graphs(const std::string& path, const std::string& name) {
  namespace fs = std::filesystem;
  if (fs::is_directory(path)) {
    const std::string dataset = name.empty() ? fs::path(path).lexically_normal().filename().string() : name;
    return read_tu(path, dataset);
  }
  if (!fs::exists(path)) throw IoError(path + ": no such file or folder");
  return read_dataset(path);
}

}  // namespace graphpool
