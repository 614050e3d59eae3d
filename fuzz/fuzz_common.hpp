#pragma once
/// Shared by the libFuzzer harnesses: what counts as a finding. graphpool's documented exceptions
/// (graphpool::Error and its subclasses) are the loaders' answer to a bad file and are fine;
/// anything else escapes the harness and libFuzzer reports it (a crash, an ASan/UBSan report,
/// std::bad_alloc or another exception, a hang, a malloc over -malloc_limit_mb).
#include <hdf5.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

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

/// Aborts unless every HDF5 object the loader opened for this input has been closed (HDF5's own
/// internal leaks on corrupt files are suppressed in fuzz/lsan.supp; this catches graphpool's).
inline void check_no_open_hdf5_objects() {
  const ssize_t open = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
  if (open != 0) broken(std::to_string(open) + " HDF5 objects left open");
}

/// A scratch file of this process in /dev/shm (tmpfs; $TMPDIR when /dev/shm is missing), removed
/// at exit, rewritten for every input.
class ScratchFile {
 public:
  explicit ScratchFile(const char* tag) {
    const char* dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : std::getenv("TMPDIR");
    path_ = std::string(dir ? dir : "/tmp") + "/graphpool-fuzz-" + tag + "-" +
            std::to_string(getpid()) + ".h5";
  }
  ~ScratchFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }
  /// Removes the file (the next one written there gets a new inode) and returns its path.
  const std::string& fresh() {
    std::remove(path_.c_str());
    return path_;
  }
  const std::string& write(const std::uint8_t* data, std::size_t size) {
    // A new file (new inode) every time: HDF5 recognises an already-open file by device and
    // inode, and a stale entry left by a failed open of the previous input would be reused.
    std::remove(path_.c_str());
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) broken("cannot write scratch file " + path_);
    return path_;
  }

 private:
  std::string path_;
};

}  // namespace graphpool::fuzz
