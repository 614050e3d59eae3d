#include "tests/support/golden.hpp"

#include <hdf5.h>

#include "core/errors.hpp"

#ifndef GRAPHPOOL_TEST_DATA_DIR
#error "GRAPHPOOL_TEST_DATA_DIR must be defined by the build"
#endif

namespace graphpool::testing {

namespace {

struct Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Handle() {
    if (id >= 0) close(id);
  }
};

std::vector<Index> dataset_shape(hid_t dataset) {
  Handle space{H5Dget_space(dataset), H5Sclose};
  const int rank = H5Sget_simple_extent_ndims(space.id);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  return {dims.begin(), dims.end()};
}

herr_t visit_dataset(hid_t group, const char* name, const H5L_info_t*, void* data) {
  auto* golden = static_cast<GoldenCase*>(data);
  Handle dataset{H5Dopen2(group, name, H5P_DEFAULT), H5Dclose};
  Handle type{H5Dget_type(dataset.id), H5Tclose};
  const std::vector<Index> shape = dataset_shape(dataset.id);
  Index count = 1;
  for (Index d : shape) count *= d;
  if (H5Tget_class(type.id) == H5T_INTEGER) {
    std::vector<Index> values(static_cast<std::size_t>(count));
    if (count > 0) H5Dread(dataset.id, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    golden->index_data[name] = std::move(values);
    golden->index_shapes[name] = shape;
  } else {
    Tensor<double> values{Shape(std::span<const Index>(shape))};
    if (count > 0) H5Dread(dataset.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    golden->tensors.emplace(name, std::move(values));
  }
  return 0;
}

herr_t visit_attribute(hid_t location, const char* name, const H5A_info_t*, void* data) {
  auto* golden = static_cast<GoldenCase*>(data);
  Handle attribute{H5Aopen(location, name, H5P_DEFAULT), H5Aclose};
  Handle type{H5Aget_type(attribute.id), H5Tclose};
  if (H5Tget_class(type.id) == H5T_STRING) {
    std::string text;
    if (H5Tis_variable_str(type.id) > 0) {
      char* buffer = nullptr;
      Handle memtype{H5Tcopy(H5T_C_S1), H5Tclose};
      H5Tset_size(memtype.id, H5T_VARIABLE);
      H5Aread(attribute.id, memtype.id, &buffer);
      if (buffer) text = buffer;
      H5free_memory(buffer);
    } else {
      std::string buffer(H5Tget_size(type.id), '\0');
      H5Aread(attribute.id, type.id, buffer.data());
      text = buffer.c_str();
    }
    golden->text_attributes[name] = text;
    return 0;
  }
  Handle space{H5Aget_space(attribute.id), H5Sclose};
  const hssize_t count = H5Sget_simple_extent_npoints(space.id);
  std::vector<double> values(static_cast<std::size_t>(count));
  H5Aread(attribute.id, H5T_NATIVE_DOUBLE, values.data());
  golden->attributes[name] = std::move(values);
  return 0;
}

}  // namespace

std::string golden_path() { return std::string(GRAPHPOOL_TEST_DATA_DIR) + "/golden.h5"; }

bool GoldenCase::has(const std::string& dataset) const {
  return tensors.count(dataset) || index_data.count(dataset);
}

const Tensor<double>& GoldenCase::tensor(const std::string& dataset) const {
  auto it = tensors.find(dataset);
  if (it == tensors.end()) throw IoError("golden case " + name + ": no float dataset " + dataset);
  return it->second;
}

const std::vector<Index>& GoldenCase::indices(const std::string& dataset) const {
  auto it = index_data.find(dataset);
  if (it == index_data.end()) throw IoError("golden case " + name + ": no int dataset " + dataset);
  return it->second;
}

const std::vector<double>& GoldenCase::attribute(const std::string& attribute) const {
  auto it = attributes.find(attribute);
  if (it == attributes.end()) throw IoError("golden case " + name + ": no attribute " + attribute);
  return it->second;
}

GoldenCase load_golden(const std::string& case_name) {
  const std::string path = golden_path();
  Handle file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  if (file.id < 0) throw IoError(path + ": cannot open");
  if (H5Lexists(file.id, case_name.c_str(), H5P_DEFAULT) <= 0) {
    throw IoError(path + ": no case " + case_name);
  }
  Handle group{H5Gopen2(file.id, case_name.c_str(), H5P_DEFAULT), H5Gclose};
  GoldenCase golden;
  golden.name = case_name;
  H5Literate(group.id, H5_INDEX_NAME, H5_ITER_INC, nullptr, visit_dataset, &golden);
  H5Aiterate2(group.id, H5_INDEX_NAME, H5_ITER_INC, nullptr, visit_attribute, &golden);
  return golden;
}

std::vector<std::string> golden_case_names() {
  const std::string path = golden_path();
  Handle file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  if (file.id < 0) throw IoError(path + ": cannot open");
  std::vector<std::string> names;
  H5Literate(
      file.id, H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->push_back(name);
        return 0;
      },
      &names);
  return names;
}

}  // namespace graphpool::testing
