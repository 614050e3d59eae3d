// Writes the HDF5 seed corpora of the fuzz harnesses from real data (not a harness; built as
// graphpool_fuzz_seeds when GRAPHPOOL_FUZZ=ON):
//   graphpool_fuzz_seeds <repo>/data <shared TU dir> <out dir>
// -> <out>/dataset/*.h5 (write_dataset of small slices of MUTAG and ENZYMES, with and without
//    compression, edge attributes, node attributes, several chunks, an empty graph) and
//    <out>/checkpoint/*.h5 (save_checkpoint of fuzz::Net, float with Adam state, float without,
//    double with a config).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include "fuzz/fuzz_checkpoint_net.hpp"
#include "io/checkpoint.hpp"
#include "io/dataset.hpp"
#include "io/tu_reader.hpp"

using namespace graphpool;

namespace {

/// Graphs first .. first + k - 1 of `c`.
GraphCollection slice(const GraphCollection& c, Index first, Index k) {
  GraphCollection s;
  s.name = c.name;
  s.source =
      c.source + " (graphs " + std::to_string(first) + " .. " + std::to_string(first + k - 1) + ")";
  s.num_classes = c.num_classes;
  s.label_values = c.label_values;
  const Index n0 = c.node_ptr[first], e0 = c.edge_ptr[first];
  const Index n1 = c.node_ptr[first + k], e1 = c.edge_ptr[first + k];
  s.node_ptr.clear();
  s.edge_ptr.clear();
  for (Index g = first; g <= first + k; ++g) {
    s.node_ptr.push_back(c.node_ptr[g] - n0);
    s.edge_ptr.push_back(c.edge_ptr[g] - e0);
  }
  s.sources.assign(c.sources.begin() + e0, c.sources.begin() + e1);
  s.targets.assign(c.targets.begin() + e0, c.targets.begin() + e1);
  const Index F = c.x.dim(1);
  s.x = Tensor<float>(Shape{n1 - n0, F},
                      std::vector<float>(c.x.data() + n0 * F, c.x.data() + n1 * F));
  if (c.node_labels)
    s.node_labels.emplace(c.node_labels->begin() + n0, c.node_labels->begin() + n1);
  s.y.assign(c.y.begin() + first, c.y.begin() + first + k);
  if (c.edge_attr) {
    const Index D = c.edge_attr->dim(1);
    s.edge_attr = Tensor<float>(
        Shape{e1 - e0, D},
        std::vector<float>(c.edge_attr->data() + e0 * D, c.edge_attr->data() + e1 * D));
  }
  return s;
}

template <class T>
void save(const std::string& path, bool with_adam, const CheckpointInfo& info) {
  fuzz::Net<T> net;
  Adam<T> adam(net.parameters(), AdamOptions(0.01));
  if (with_adam) {
    Index k = 0;
    for (Parameter<T>* p : net.parameters())
      for (T& g : p->grad.values()) g = static_cast<T>(std::cos(0.7 * double(++k)));
    adam.step();
  }
  save_checkpoint(path, net, with_adam ? &adam : nullptr, info);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <repo>/data <shared TU dir> <out dir>\n", argv[0]);
    return 2;
  }
  const std::string data = argv[1], tu = argv[2], out = argv[3];
  std::filesystem::create_directories(out + "/dataset");
  std::filesystem::create_directories(out + "/checkpoint");

  const GraphCollection mutag =
      read_tu(data + "/MUTAG", "MUTAG", TuOptions().edge_features(EdgeFeatures::kLabels));
  GraphCollection plain = slice(mutag, 0, 2);
  plain.edge_attr.reset();
  write_dataset(out + "/dataset/mutag2.h5", plain);
  write_dataset(out + "/dataset/mutag2_edge_attr_raw.h5", slice(mutag, 2, 2),
                DatasetWriteOptions().compression(0));
  write_dataset(out + "/dataset/mutag3_chunked.h5", slice(mutag, 4, 3),
                DatasetWriteOptions().chunk_elements(16));

  const GraphCollection enzymes =
      read_tu(tu + "/ENZYMES", "ENZYMES", TuOptions().node_features(NodeFeatures::kBoth));
  write_dataset(out + "/dataset/enzymes2_attrs.h5", slice(enzymes, 0, 2),
                DatasetWriteOptions().compression(0).chunk_elements(64));

  // An empty graph and a graph without edges next to a normal one.
  GraphCollection odd;
  odd.name = "ODD";
  odd.source = "fuzz seed";
  odd.num_classes = 2;
  odd.node_ptr = {0, 0, 2, 5};
  odd.edge_ptr = {0, 0, 0, 3};
  odd.sources = {0, 1, 2};
  odd.targets = {1, 2, 0};
  odd.x = Tensor<float>(Shape{5, 2}, {1, 0, 0, 1, 1, 1, 0.5f, -2, 3, 4});
  odd.y = {0, 1, 1};
  write_dataset(out + "/dataset/odd_graphs.h5", odd, DatasetWriteOptions().compression(0));

  save<float>(out + "/checkpoint/float_adam.h5", true,
              CheckpointInfo().model("Net").epoch(3).seed(42).config("hidden=4"));
  save<float>(out + "/checkpoint/float_plain.h5", false, CheckpointInfo().model("Net"));
  save<double>(out + "/checkpoint/double_adam.h5", true,
               CheckpointInfo().model("Net").epoch(1).seed(7));
  std::printf("seeds written to %s\n", out.c_str());
  return 0;
}
