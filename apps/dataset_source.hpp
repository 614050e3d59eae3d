#pragma once
/// Where the `train` and `eval` commands take graphs from: an HDF5 dataset file (graphpool's
/// format) or a folder in the TU text format (converted in memory with PyG's TUDataset rules).
///   GraphCollection data = load_graphs("data/MUTAG");          // TU folder, name = folder name
///   GraphCollection data = load_graphs("out/mutag/mutag.h5");  // HDF5
#include <string>

#include "io/graph_collection.hpp"

namespace graphpool {

/// `name` is the TU dataset name (file prefix); empty means the folder's own name.
GraphCollection load_graphs(const std::string& path, const std::string& name = "");

}  // namespace graphpool
