#pragma once
/// Reads one case of tests/data/golden.h5 (PyTorch's outputs and gradients, float64; see
/// ../shared/peer/GOLDEN.md): datasets as double tensors or int64 vectors, attributes as doubles.
///   GoldenCase c = load_golden("readout_sum");
///   Tensor<double> x = c.tensor("in_x");
///   std::vector<Index> ptr = c.indices("in_node_ptr");
///   double ratio = c.attribute("ratio")[0];
#include <map>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace graphpool::testing {

/// Path of the golden file copied into the project (tests/data/golden.h5).
std::string golden_path();

struct GoldenCase {
  std::string name;
  std::map<std::string, Tensor<double>> tensors;         ///< float datasets (any rank <= 4)
  std::map<std::string, std::vector<Index>> index_data;  ///< integer datasets, flattened
  std::map<std::string, std::vector<Index>> index_shapes;
  std::map<std::string, std::vector<double>> attributes;  ///< numeric attributes (scalar or pair)
  std::map<std::string, std::string> text_attributes;     ///< string attributes ("op")

  bool has(const std::string& dataset) const;
  const Tensor<double>& tensor(const std::string& dataset) const;
  const std::vector<Index>& indices(const std::string& dataset) const;
  const std::vector<double>& attribute(const std::string& attribute) const;
};

/// Loads the group `case_name` (throws graphpool::IoError naming it when missing).
GoldenCase load_golden(const std::string& case_name);
/// Names of all cases in the file.
std::vector<std::string> golden_case_names();

}  // namespace graphpool::testing
