// libFuzzer harness of the HDF5 dataset loader (io/dataset: DatasetFile, read_all, load,
// BatchReader), structure-aware (fuzz/h5_recipe.hpp): the input picks a small valid dataset
// (graphs, nodes, edges, features, labels) and then damages its attributes and datasets; the
// file is written with HDF5 in memory and its bytes loaded with DatasetFile(image, label).
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "fuzz/fuzz_common.hpp"
#include "fuzz/h5_recipe.hpp"
#include "fuzz/loader_checks.hpp"
#include "io/dataset.hpp"

namespace {

using graphpool::fuzz::Dtype;
using graphpool::fuzz::Item;

void write_file(hid_t file, FuzzedDataProvider& in) {
  const int G = in.ConsumeIntegralInRange<int>(0, 4);
  const int F = in.ConsumeIntegralInRange<int>(0, 3);
  const int D = in.ConsumeIntegralInRange<int>(0, 2);
  const int C = in.ConsumeIntegralInRange<int>(1, 3);
  std::vector<long long> node_ptr{0}, edge_ptr{0}, src, dst, y, node_labels;
  for (int g = 0; g < G; ++g) {
    const int n = in.ConsumeIntegralInRange<int>(0, 4);
    const int e = n == 0 ? 0 : in.ConsumeIntegralInRange<int>(0, 5);
    for (int k = 0; k < e; ++k) {
      src.push_back(in.ConsumeIntegralInRange<int>(0, n - 1));
      dst.push_back(in.ConsumeIntegralInRange<int>(0, n - 1));
    }
    for (int i = 0; i < n; ++i) node_labels.push_back(in.ConsumeIntegralInRange<int>(0, 3));
    node_ptr.push_back(node_ptr.back() + n);
    edge_ptr.push_back(edge_ptr.back() + e);
    y.push_back(in.ConsumeIntegralInRange<int>(0, C - 1));
  }
  const auto N = static_cast<hsize_t>(node_ptr.back()), E = static_cast<hsize_t>(src.size());
  std::vector<long long> edge_index = src;
  edge_index.insert(edge_index.end(), dst.begin(), dst.end());
  std::vector<long long> label_values(static_cast<std::size_t>(C));
  std::iota(label_values.begin(), label_values.end(), 0);
  const std::vector<double> reals{0.5, -1.0, 2.0, 0.0};

  std::vector<Item> attributes{
      {"format_version", Dtype::kInt64, {}, {1}, {}, {}},
      {"name", Dtype::kString, {}, {}, {}, "FUZZ"},
      {"source", Dtype::kString, {}, {}, {}, "fuzz"},
      {"num_classes", Dtype::kInt64, {}, {C}, {}, {}},
      {"label_values", Dtype::kInt64, {static_cast<hsize_t>(C)}, label_values, {}, {}}};
  std::vector<Item> datasets{{"node_ptr", Dtype::kInt64, {node_ptr.size()}, node_ptr, {}, {}},
                             {"edge_ptr", Dtype::kInt64, {edge_ptr.size()}, edge_ptr, {}, {}},
                             {"edge_index", Dtype::kInt64, {2, E}, edge_index, {}, {}},
                             {"x", Dtype::kFloat32, {N, static_cast<hsize_t>(F)}, {}, reals, {}},
                             {"y", Dtype::kInt64, {y.size()}, y, {}, {}}};
  if (in.ConsumeBool())
    datasets.push_back({"node_labels", Dtype::kInt64, {N}, node_labels, {}, {}});
  if (in.ConsumeBool())
    datasets.push_back({"edge_attr", Dtype::kFloat32, {E, static_cast<hsize_t>(D)}, {}, reals, {}});

  graphpool::fuzz::write_group(file, datasets, attributes, in);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  graphpool::fuzz::hdf5_for_speed();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace graphpool;
  static fuzz::MemoryFile memory;
  FuzzedDataProvider in(data, size);
  const hid_t file = memory.create();
  write_file(file, in);
  fuzz::exercise_dataset_image(memory.image(file));
  return 0;
}
