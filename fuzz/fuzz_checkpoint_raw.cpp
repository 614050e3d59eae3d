// libFuzzer harness of the checkpoint loader on raw file bytes (io/checkpoint:
// read_checkpoint_info, load_checkpoint). The input is the file's bytes, opened in memory
// (load_checkpoint_image), loaded into a float module with Adam state and a double one without.
// Corpus: fuzz/corpus/checkpoint (files written by save_checkpoint, fuzz/make_seeds.cpp). Finds
// bugs in HDF5's own parser too (HDF5 1.10.8 has use-after-free, overflows and leaks on corrupt
// files, see docs/reliability.md), so it is not run in CI; fuzz_checkpoint (structure-aware) is.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_common.hpp"
#include "fuzz/loader_checks.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  graphpool::fuzz::hdf5_for_fuzzing();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace graphpool;
  fuzz::exercise_checkpoint_image(fuzz::as_image(data, size));
  return 0;
}
