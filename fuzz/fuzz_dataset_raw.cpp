// libFuzzer harness of the HDF5 dataset loader on raw file bytes (io/dataset: DatasetFile,
// read_all, load, BatchReader). The input is the file's bytes, opened in memory
// (DatasetFile(image, label): the same checks as a file on disk). Corpus: fuzz/corpus/dataset
// (files written by write_dataset, fuzz/make_seeds.cpp); dictionary: fuzz/hdf5.dict. Finds bugs in
// HDF5's own parser too (HDF5 1.10.8 has use-after-free, overflows and leaks on corrupt files, see
// docs/reliability.md), so it is not run in CI; fuzz_dataset (structure-aware) is.
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
  fuzz::exercise_dataset_image(fuzz::as_image(data, size));
  return 0;
}
