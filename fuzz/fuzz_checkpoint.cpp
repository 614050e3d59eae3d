// libFuzzer harness of the checkpoint loader (io/checkpoint: read_checkpoint_info,
// load_checkpoint), structure-aware (fuzz/h5_recipe.hpp): the input damages a checkpoint of
// fuzz::Net with Adam state (root attributes, /parameters, /optimizer/{m,v} and their
// attributes); the file is written with HDF5 in memory and its bytes loaded
// (load_checkpoint_image) into a float module with Adam and into a double module without.
#include <cstdint>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "fuzz/fuzz_checkpoint_net.hpp"
#include "fuzz/fuzz_common.hpp"
#include "fuzz/h5_recipe.hpp"
#include "fuzz/loader_checks.hpp"
#include "io/checkpoint.hpp"

namespace {

using graphpool::fuzz::Dtype;
using graphpool::fuzz::Item;

/// weight [3, 4], scale [], head.bias [4] in `dtype`.
std::vector<Item> tensors(Dtype dtype) {
  const std::vector<double> v{0.25, -1.5, 3.0};
  return {{"weight", dtype, {3, 4}, {}, v, {}},
          {"scale", dtype, {}, {}, v, {}},
          {"head.bias", dtype, {4}, {}, v, {}}};
}

void write_file(hid_t file, FuzzedDataProvider& in) {
  using graphpool::fuzz::write_group;
  const Dtype dtype = in.ConsumeBool() ? Dtype::kFloat32 : Dtype::kFloat64;
  write_group(file, {},
              {{"format_version", Dtype::kInt64, {}, {1}, {}, {}},
               {"kind", Dtype::kString, {}, {}, {}, "graphpool checkpoint"},
               {"dtype", Dtype::kString, {}, {}, {}, "float32"},
               {"model", Dtype::kString, {}, {}, {}, "Net"},
               {"config", Dtype::kString, {}, {}, {}, "hidden=4"},
               {"epoch", Dtype::kInt64, {}, {3}, {}, {}},
               {"seed", Dtype::kInt64, {}, {42}, {}, {}}},
              in);
  if (in.ConsumeIntegralInRange<int>(0, 15) != 15) {
    const hid_t params = H5Gcreate2(file, "parameters", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    write_group(params, tensors(dtype), {}, in);
    H5Gclose(params);
  }
  if (in.ConsumeIntegralInRange<int>(0, 7) != 7) {
    const hid_t opt = H5Gcreate2(file, "optimizer", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    write_group(opt, {},
                {{"type", Dtype::kString, {}, {}, {}, "adam"},
                 {"step", Dtype::kInt64, {}, {5}, {}, {}},
                 {"lr", Dtype::kFloat64, {}, {}, {0.01}, {}}},
                in);
    for (const char* moment : {"m", "v"}) {
      if (in.ConsumeIntegralInRange<int>(0, 15) == 15) continue;
      const hid_t g = H5Gcreate2(opt, moment, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      write_group(g, tensors(dtype), {}, in);
      H5Gclose(g);
    }
    H5Gclose(opt);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  graphpool::fuzz::hdf5_for_speed();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace graphpool;
  static fuzz::MemoryFile memory;
  FuzzedDataProvider in(data, size);
  const hid_t file = memory.create();
  write_file(file, in);
  fuzz::exercise_checkpoint_image(memory.image(file));
  return 0;
}
