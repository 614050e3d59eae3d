#pragma once
/// Shared by the libFuzzer harnesses: what counts as a finding. graphpool's documented exceptions
/// (graphpool::Error and its subclasses) are the loaders' answer to a bad file and are fine;
/// anything else escapes the harness and libFuzzer reports it (a crash, an ASan/UBSan report,
/// std::bad_alloc or another exception, a hang, a malloc over -malloc_limit_mb).
#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

namespace graphpool::fuzz {

/// Aborts with `what` on stderr: an invariant the loader promises is broken.
[[noreturn]] inline void broken(const std::string& what) {
  std::fprintf(stderr, "graphpool fuzz: invariant broken: %s\n", what.c_str());
  std::abort();
}

/// HDF5 without its free lists: every block goes back to malloc/free at once, so ASan sees a
/// use after free inside HDF5 on the input that causes it (not inputs later); and errors silent.
inline void hdf5_for_fuzzing() {
  H5set_free_list_limits(0, 0, 0, 0, 0, 0);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

/// HDF5 with unlimited free lists, for the structure-aware harnesses (HDF5 sees valid files
/// there; its own bugs are the raw harnesses' business): every file open callocs a ~0.5 MB
/// metadata cache, which the default limits (64 KB per list) hand back to malloc; under ASan
/// that is a fresh mmap, page faults and a munmap per open: half of an input's time.
inline void hdf5_for_speed() {
  H5set_free_list_limits(-1, -1, -1, -1, -1, -1);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

/// Aborts unless every HDF5 object the loader opened for this input has been closed (HDF5's own
/// internal leaks on corrupt files are suppressed in fuzz/lsan.supp; this catches graphpool's).
inline void check_no_open_hdf5_objects() {
  const ssize_t open = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
  if (open != 0) broken(std::to_string(open) + " HDF5 objects left open");
}

/// The fuzz input as the bytes of a file, for the in-memory loaders (read_dataset_image, ...).
inline std::span<const std::byte> as_image(const std::uint8_t* data, std::size_t size) {
  return std::as_bytes(std::span<const std::uint8_t>(data, size));
}

/// An HDF5 file built in memory (core driver without backing store: nothing touches the disk)
/// whose bytes are then handed to the loaders, as a file's bytes would be.
///   hid_t f = memory.create();  ...write...;  auto bytes = memory.image(f);  // closes f
class MemoryFile {
 public:
  MemoryFile() {
    fapl_ = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl_ < 0 || H5Pset_fapl_core(fapl_, std::size_t(1) << 16, false) < 0)
      broken("cannot set up the HDF5 core driver");
  }
  ~MemoryFile() { H5Pclose(fapl_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  /// A new, empty file in memory.
  hid_t create() const {
    const hid_t file = H5Fcreate("graphpool-fuzz-recipe", H5F_ACC_TRUNC, H5P_DEFAULT, fapl_);
    if (file < 0) broken("cannot create an HDF5 file in memory");
    return file;
  }
  /// Flushes and closes `file`; returns its bytes (valid until the next call).
  std::span<const std::byte> image(hid_t file) {
    if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) broken("cannot flush the HDF5 file in memory");
    const ssize_t size = H5Fget_file_image(file, nullptr, 0);
    if (size <= 0) broken("cannot get the HDF5 file image");
    bytes_.resize(static_cast<std::size_t>(size));
    if (H5Fget_file_image(file, bytes_.data(), bytes_.size()) != size)
      broken("cannot copy the HDF5 file image");
    H5Fclose(file);
    return bytes_;
  }

 private:
  hid_t fapl_ = H5I_INVALID_HID;
  std::vector<std::byte> bytes_;
};

}  // namespace graphpool::fuzz
