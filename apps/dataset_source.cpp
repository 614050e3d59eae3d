#include "apps/dataset_source.hpp"

#include <cmath>
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
  GraphCollection data = read_dataset(path);
  // The file format allows any float; a model fed NaN or inf would train on garbage (or fail
  // deep inside pooling), so the tools refuse it here, naming the place.
  const Index F = data.num_features();
  for (Index i = 0; i < data.x.numel(); ++i) {
    if (!std::isfinite(data.x[i])) {
      throw IoError(path + ": dataset x: node " + std::to_string(i / F) + ", feature " +
                    std::to_string(i % F) + " is " +
                    (std::isnan(data.x[i]) ? "NaN" : data.x[i] > 0 ? "inf" : "-inf") +
                    "; node features must be finite");
    }
  }
  return data;
}

}  // namespace graphpool
