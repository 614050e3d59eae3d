#include "io/hdf5_util.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "core/errors.hpp"
#include "io/atomic_replace.hpp"

namespace graphpool::h5 {

namespace {

struct ErrorWalk {
  std::string outer, inner;
};

herr_t walk_error(unsigned n, const H5E_error2_t* e, void* data) {
  auto* walk = static_cast<ErrorWalk*>(data);
  const std::string desc = e->desc ? e->desc : "";
  if (n == 0) walk->outer = desc;
  walk->inner = desc;
  return 0;
}

std::size_t num_points(hid_t attribute) {
  Handle space{H5Aget_space(attribute), H5Sclose};
  const hssize_t n = space.valid() ? H5Sget_simple_extent_npoints(space.id()) : -1;
  return n < 0 ? 0 : static_cast<std::size_t>(n);
}

/// Throws IoError unless the attribute stores exactly `points` elements of its type's size in
/// the file. HDF5 1.10 trusts the type: a corrupt attribute whose variable-length string type
/// claims fewer bytes than its on-disk element (4 + address size + 4) makes H5Aread copy past
/// the stored data (a heap overflow inside HDF5), so this is checked before any H5Aread.
void check_storage(hid_t attribute, hid_t type, std::size_t points, const std::string& name,
                   const std::string& context) {
  hsize_t element = H5Tget_size(type);
  if (H5Tis_variable_str(type) > 0 || H5Tget_class(type) == H5T_VLEN) {
    Handle file = checked(H5Iget_file_id(attribute), H5Fclose, context);
    Handle fcpl = checked(H5Fget_create_plist(file.id()), H5Pclose, context);
    std::size_t sizeof_addr = 0, sizeof_size = 0;
    check(H5Pget_sizes(fcpl.id(), &sizeof_addr, &sizeof_size), context);
    element = 4 + sizeof_addr + 4;
  }
  const hsize_t stored = H5Aget_storage_size(attribute);
  if (element == 0 || stored % element != 0 || stored / element != points)
    throw IoError(context + ": attribute '" + name + "' is corrupt: " + std::to_string(stored) +
                  " bytes stored for " + std::to_string(points) + " values of " +
                  std::to_string(element) + " bytes");
}

Handle open_attribute(hid_t loc, const std::string& name, const std::string& context) {
  if (!has_attribute(loc, name)) throw IoError(context + ": missing attribute '" + name + "'");
  return checked(H5Aopen(loc, name.c_str(), H5P_DEFAULT), H5Aclose,
                 context + ": cannot open attribute '" + name + "'");
}

void write_attr(hid_t loc, const std::string& name, hid_t file_type, hid_t mem_type,
                std::span<const hsize_t> dims, const void* data) {
  const std::string context = "attribute '" + name + "'";
  Handle space = dims.empty()
                     ? checked(H5Screate(H5S_SCALAR), H5Sclose, context)
                     : checked(H5Screate_simple(1, dims.data(), nullptr), H5Sclose, context);
  if (has_attribute(loc, name)) check(H5Adelete(loc, name.c_str()), context);
  Handle attr =
      checked(H5Acreate2(loc, name.c_str(), file_type, space.id(), H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose, "cannot create " + context);
  check(H5Awrite(attr.id(), mem_type, data), "cannot write " + context);
}

}  // namespace

void silence_errors() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

std::string error_detail() {
  ErrorWalk walk;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk_error, &walk);
  if (walk.outer.empty()) return walk.inner;
  if (walk.inner.empty() || walk.inner == walk.outer) return walk.outer;
  return walk.outer + ": " + walk.inner;
}

Handle checked(hid_t id, herr_t (*close)(hid_t), const std::string& context) {
  if (id < 0) {
    const std::string detail = error_detail();
    throw IoError(context + (detail.empty() ? "" : " (HDF5: " + detail + ")"));
  }
  return Handle(id, close);
}

void check(herr_t status, const std::string& context) {
  if (status < 0) {
    const std::string detail = error_detail();
    throw IoError(context + (detail.empty() ? "" : " (HDF5: " + detail + ")"));
  }
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  silence_errors();
  temp_ = temporary_path_for(path_);
  // Strong close: H5Fclose in commit() closes every object, so the file is complete on disk.
  Handle fapl = checked(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, path_ + ": property list");
  check(H5Pset_fclose_degree(fapl.id(), H5F_CLOSE_STRONG), path_ + ": property list");
  file_ = checked(H5Fcreate(temp_.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, fapl.id()), H5Fclose,
                  path_ + ": cannot create temporary file " + temp_);
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  file_.reset();
  std::remove(temp_.c_str());
}

void AtomicFile::commit() {
  const hid_t id = file_.release();
  if (H5Fclose(id) < 0) {
    const std::string detail = error_detail();
    throw IoError(path_ + ": cannot close " + temp_ + " (HDF5: " + detail + ")");
  }
  replace_with(temp_, path_);
  committed_ = true;
}

Handle open_file(const std::string& path) {
  silence_errors();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw IoError(path + ": no such file");
  return checked(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose,
                 path + ": cannot open as HDF5");
}

Handle open_image(std::span<const std::byte> image, const std::string& label) {
  silence_errors();
  if (image.empty()) throw IoError(label + ": cannot open as HDF5 (empty file image)");
  Handle fapl = checked(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, label + ": property list");
  check(H5Pset_fapl_core(fapl.id(), std::size_t(1) << 16, false), label + ": core driver");
  check(H5Pset_file_image(fapl.id(), const_cast<std::byte*>(image.data()), image.size()),
        label + ": file image");
  // The core driver shares an open file by name (and checks that no file of that name exists on
  // disk), so every image gets a name of its own; `label` only goes into messages.
  static std::atomic<unsigned long long> images{0};
  const std::string name =
      "graphpool-file-image-" + std::to_string(getpid()) + "-" + std::to_string(++images);
  return checked(H5Fopen(name.c_str(), H5F_ACC_RDONLY, fapl.id()), H5Fclose,
                 label + ": cannot open as HDF5");
}

std::string type_name(hid_t type) {
  const std::size_t bits = H5Tget_size(type) * 8;
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(bits);
    case H5T_FLOAT:
      return "float" + std::to_string(bits);
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    default:
      return "HDF5 type class " + std::to_string(static_cast<int>(H5Tget_class(type)));
  }
}

bool is_int64(hid_t type) {
  return H5Tget_class(type) == H5T_INTEGER && H5Tget_size(type) == 8 &&
         H5Tget_sign(type) == H5T_SGN_2;
}

bool is_float(hid_t type, std::size_t bytes) {
  return H5Tget_class(type) == H5T_FLOAT && H5Tget_size(type) == bytes;
}

std::vector<hsize_t> dataset_dims(hid_t dataset) {
  Handle space{H5Dget_space(dataset), H5Sclose};
  const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.id()) : -1;
  if (rank < 0) return {};
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  return dims;
}

void write_dataset(hid_t loc, const std::string& name, hid_t mem_type, hid_t file_type,
                   std::span<const hsize_t> dims, std::span<const hsize_t> chunk, int level,
                   const void* data, const std::string& context) {
  const std::string where = context + ": dataset " + name;
  const int rank = static_cast<int>(dims.size());
  hsize_t count = 1;
  for (hsize_t d : dims) count *= d;
  Handle space = rank == 0 ? checked(H5Screate(H5S_SCALAR), H5Sclose, where)
                           : checked(H5Screate_simple(rank, dims.data(), nullptr), H5Sclose, where);
  Handle dcpl = checked(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, where);
  if (count > 0 && rank > 0 && !chunk.empty()) {
    std::vector<hsize_t> c(dims.size());
    for (std::size_t i = 0; i < dims.size(); ++i) c[i] = std::clamp<hsize_t>(chunk[i], 1, dims[i]);
    check(H5Pset_chunk(dcpl.id(), rank, c.data()), where + ": chunking");
    if (level > 0) {
      check(H5Pset_shuffle(dcpl.id()), where + ": shuffle filter");
      check(H5Pset_deflate(dcpl.id(), static_cast<unsigned>(level)), where + ": gzip filter");
    }
  }
  Handle dataset = checked(
      H5Dcreate2(loc, name.c_str(), file_type, space.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT),
      H5Dclose, "cannot create " + where);
  if (count > 0)
    check(H5Dwrite(dataset.id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
          "cannot write " + where);
}

void write_attribute(hid_t loc, const std::string& name, long long value) {
  write_attr(loc, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, {}, &value);
}
void write_attribute(hid_t loc, const std::string& name, double value) {
  write_attr(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {}, &value);
}
void write_attribute(hid_t loc, const std::string& name, const std::string& value) {
  Handle type = checked(H5Tcopy(H5T_C_S1), H5Tclose, "attribute " + name);
  check(H5Tset_size(type.id(), H5T_VARIABLE), "attribute " + name);
  check(H5Tset_cset(type.id(), H5T_CSET_UTF8), "attribute " + name);
  const char* text = value.c_str();
  write_attr(loc, name, type.id(), type.id(), {}, &text);
}
void write_attribute(hid_t loc, const std::string& name, std::span<const Index> values) {
  const hsize_t n = values.size();
  write_attr(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, {&n, 1}, values.data());
}
void write_attribute(hid_t loc, const std::string& name, std::span<const double> values) {
  const hsize_t n = values.size();
  write_attr(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {&n, 1}, values.data());
}

bool has_attribute(hid_t loc, const std::string& name) {
  return H5Aexists(loc, name.c_str()) > 0;
}

bool has_link(hid_t loc, const std::string& name) {
  return H5Lexists(loc, name.c_str(), H5P_DEFAULT) > 0;
}

long long read_int_attribute(hid_t loc, const std::string& name, const std::string& context) {
  Handle attr = open_attribute(loc, name, context);
  Handle type = checked(H5Aget_type(attr.id()), H5Tclose, context + ": attribute " + name);
  if (H5Tget_class(type.id()) != H5T_INTEGER || num_points(attr.id()) != 1)
    throw IoError(context + ": attribute '" + name + "' must be one integer, got " +
                  type_name(type.id()) + " x " + std::to_string(num_points(attr.id())));
  check_storage(attr.id(), type.id(), 1, name, context);
  long long value = 0;
  check(H5Aread(attr.id(), H5T_NATIVE_LLONG, &value), context + ": attribute " + name);
  return value;
}

double read_double_attribute(hid_t loc, const std::string& name, const std::string& context) {
  Handle attr = open_attribute(loc, name, context);
  Handle type = checked(H5Aget_type(attr.id()), H5Tclose, context + ": attribute " + name);
  const auto cls = H5Tget_class(type.id());
  if ((cls != H5T_FLOAT && cls != H5T_INTEGER) || num_points(attr.id()) != 1)
    throw IoError(context + ": attribute '" + name + "' must be one number, got " +
                  type_name(type.id()) + " x " + std::to_string(num_points(attr.id())));
  check_storage(attr.id(), type.id(), 1, name, context);
  double value = 0;
  check(H5Aread(attr.id(), H5T_NATIVE_DOUBLE, &value), context + ": attribute " + name);
  return value;
}

std::string read_string_attribute(hid_t loc, const std::string& name, const std::string& context) {
  Handle attr = open_attribute(loc, name, context);
  Handle type = checked(H5Aget_type(attr.id()), H5Tclose, context + ": attribute " + name);
  if (H5Tget_class(type.id()) != H5T_STRING || num_points(attr.id()) != 1)
    throw IoError(context + ": attribute '" + name + "' must be one string, got " +
                  type_name(type.id()) + " x " + std::to_string(num_points(attr.id())));
  check_storage(attr.id(), type.id(), 1, name, context);
  Handle mem = checked(H5Tcopy(H5T_C_S1), H5Tclose, context);
  H5Tset_cset(mem.id(), H5Tget_cset(type.id()));
  if (H5Tis_variable_str(type.id()) > 0) {
    check(H5Tset_size(mem.id(), H5T_VARIABLE), context);
    char* text = nullptr;
    check(H5Aread(attr.id(), mem.id(), &text), context + ": attribute " + name);
    std::string out = text ? text : "";
    if (text) H5free_memory(text);
    return out;
  }
  const std::size_t size = H5Tget_size(type.id());
  std::string out(size + 1, '\0');
  check(H5Tset_size(mem.id(), size + 1), context);
  check(H5Tset_strpad(mem.id(), H5T_STR_NULLTERM), context);
  check(H5Aread(attr.id(), mem.id(), out.data()), context + ": attribute " + name);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::vector<Index> read_int_array_attribute(hid_t loc, const std::string& name,
                                            const std::string& context) {
  Handle attr = open_attribute(loc, name, context);
  Handle type = checked(H5Aget_type(attr.id()), H5Tclose, context + ": attribute " + name);
  if (H5Tget_class(type.id()) != H5T_INTEGER)
    throw IoError(context + ": attribute '" + name + "' must be integers, got " +
                  type_name(type.id()));
  check_storage(attr.id(), type.id(), num_points(attr.id()), name, context);
  std::vector<Index> values(num_points(attr.id()));
  if (!values.empty())
    check(H5Aread(attr.id(), H5T_NATIVE_INT64, values.data()), context + ": attribute " + name);
  return values;
}

}  // namespace graphpool::h5
