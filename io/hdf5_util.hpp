#pragma once
/// Internal helpers of io/*.cpp over the HDF5 C API (includes <hdf5.h>; not part of the public
/// API): RAII handles, HDF5 errors turned into IoError, atomic file replacement, typed
/// dataset / attribute helpers.
///   h5::AtomicFile out("model.h5");                 // writes "model.h5.tmp-<pid>-<n>"
///   h5::write_attribute(out.id(), "epoch", 12);
///   out.commit();                                   // fsync + rename over model.h5
#include <hdf5.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/parallel.hpp"

namespace graphpool::h5 {

/// Turns off HDF5's automatic error printing (once per process); errors become IoError.
void silence_errors();
/// The innermost description on HDF5's current error stack ("" if empty), e.g.
/// "file signature not found".
std::string error_detail();

/// Owns an hid_t and closes it with the matching H5*close function.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(Handle&& other) noexcept { *this = std::move(other); }
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      close_ = other.close_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  hid_t id() const { return id_; }
  bool valid() const { return id_ >= 0; }
  /// Gives up ownership without closing.
  hid_t release() { return std::exchange(id_, H5I_INVALID_HID); }
  void reset() {
    if (id_ >= 0 && close_) close_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*close_)(hid_t) = nullptr;
};

/// Throws IoError "`context`: <HDF5 detail>" when id < 0; otherwise owns it.
Handle checked(hid_t id, herr_t (*close)(hid_t), const std::string& context);
/// Throws IoError "`context`: <HDF5 detail>" when status < 0.
void check(herr_t status, const std::string& context);

/// An HDF5 file written under a temporary name in the same directory and renamed over `path`
/// by commit(); destroyed without commit (an exception), the temporary file is removed, so
/// `path` is either the complete new file or untouched.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  hid_t id() const { return file_.id(); }
  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_; }
  /// Closes the file, flushes it to disk and renames it to `path`.
  void commit();

 private:
  std::string path_, temp_;
  Handle file_;
  bool committed_ = false;
};

/// Opens `path` read-only; IoError naming the file when it is missing or not HDF5.
Handle open_file(const std::string& path);
/// Opens the bytes of an HDF5 file read-only (core driver, no backing store: HDF5 copies the
/// image, nothing touches the disk); IoError naming `label` when it is empty or not HDF5.
Handle open_image(std::span<const std::byte> image, const std::string& label);

/// "int64", "uint8", "float32", "string", ... for messages.
std::string type_name(hid_t type);
bool is_int64(hid_t type);
bool is_float(hid_t type, std::size_t bytes);

/// Dimensions of a dataset's (simple) dataspace.
std::vector<hsize_t> dataset_dims(hid_t dataset);

/// Creates dataset `name` of `file_type` and `dims`, chunked (`chunk` dims) with shuffle + gzip
/// `level` when it has elements, and writes `data` (in `mem_type`) to it.
void write_dataset(hid_t loc, const std::string& name, hid_t mem_type, hid_t file_type,
                   std::span<const hsize_t> dims, std::span<const hsize_t> chunk, int level,
                   const void* data, const std::string& context);

void write_attribute(hid_t loc, const std::string& name, long long value);
void write_attribute(hid_t loc, const std::string& name, double value);
void write_attribute(hid_t loc, const std::string& name, const std::string& value);
void write_attribute(hid_t loc, const std::string& name, std::span<const Index> values);
void write_attribute(hid_t loc, const std::string& name, std::span<const double> values);

bool has_attribute(hid_t loc, const std::string& name);
bool has_link(hid_t loc, const std::string& name);
/// Attribute readers; IoError "`context`: attribute <name> ..." when missing or of another type.
long long read_int_attribute(hid_t loc, const std::string& name, const std::string& context);
double read_double_attribute(hid_t loc, const std::string& name, const std::string& context);
std::string read_string_attribute(hid_t loc, const std::string& name, const std::string& context);
std::vector<Index> read_int_array_attribute(hid_t loc, const std::string& name,
                                            const std::string& context);

}  // namespace graphpool::h5
