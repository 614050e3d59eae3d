#pragma once
/// What every loader harness does with a file it made (structure-aware) or was given (raw bytes),
/// in memory (read_dataset_image & co.: the path-based loaders share every check with them):
/// load it every way a user can, accept graphpool's documented errors, and call anything else
/// (an invalid result, a crash, another exception, an HDF5 object left open) a finding.
#include <cstddef>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "fuzz/fuzz_checkpoint_net.hpp"
#include "fuzz/fuzz_common.hpp"
#include "io/checkpoint.hpp"
#include "io/dataset.hpp"

namespace graphpool::fuzz {

/// DatasetFile: read_all (must validate), load (every graph and node), load out of file order
/// with a repeat (the gather path), BatchReader in batches of 2.
inline void exercise_dataset_image(std::span<const std::byte> image) {
  try {
    DatasetFile file(image, "fuzz input");
    const GraphCollection all = file.read_all();
    try {
      all.validate();
    } catch (const Error& e) {
      broken(std::string("read_all returned an invalid collection: ") + e.what());
    }
    const DatasetBatch batch = file.load();
    if (batch.num_graphs() != file.num_graphs() || batch.x.dim(0) != file.num_nodes())
      broken("load() does not hold every graph and node");
    std::vector<Index> ids(static_cast<std::size_t>(file.num_graphs()));
    std::iota(ids.rbegin(), ids.rend(), Index(0));
    if (!ids.empty()) ids.push_back(ids.front());
    file.load(ids);
    BatchReader reader(file, 2);
    for (DatasetBatch b; reader.next(b);) {
    }
  } catch (const Error&) {
    // a corrupt or hostile file, reported as documented
  }
  check_no_open_hdf5_objects();
}

/// read_checkpoint_info, then load_checkpoint into a float Net with Adam state (shapes must be
/// unchanged after a load: they are checked before anything is written) and a double Net without.
inline void exercise_checkpoint_image(std::span<const std::byte> image) {
  const std::string label = "fuzz input";
  try {
    read_checkpoint_info_image(image, label);
  } catch (const Error&) {
  }
  try {
    Net<float> net;
    Adam<float> adam(net.parameters(), AdamOptions());
    load_checkpoint_image(image, label, net, &adam);
    if (net.weight.value.shape() != Shape{3, 4} || adam.first_moments().size() != 3 ||
        adam.first_moments()[0].shape() != Shape{3, 4})
      broken("load_checkpoint changed a shape");
  } catch (const Error&) {
  }
  try {
    Net<double> net;
    load_checkpoint_image(image, label, net);
  } catch (const Error&) {
  }
  check_no_open_hdf5_objects();
}

}  // namespace graphpool::fuzz
