#pragma once
/// Structure-aware fuzzing of the HDF5 loaders: the fuzz input does not become the file's bytes
/// but decides, item by item, how a well-formed file that graphpool wrote is damaged: an item
/// dropped, given another dtype or rank, a dimension off by one, zero or huge (chunked storage
/// never written: the file stays small, the declared size is enormous), or its values replaced
/// by fuzzed ones. The file is written with the HDF5 API, so HDF5's own parser (whose bugs the
/// *_raw harnesses find) always sees valid structure and the fuzzer spends its time in
/// graphpool's validation.
#include <fuzzer/FuzzedDataProvider.h>
#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_common.hpp"

namespace graphpool::fuzz {

enum class Dtype { kInt64, kInt32, kUint8, kFloat32, kFloat64, kString };

/// One dataset or attribute as graphpool writes it, before damage.
struct Item {
  std::string name;
  Dtype dtype;
  std::vector<hsize_t> dims;    ///< dataset dims; attributes: {} scalar or {n}
  std::vector<long long> ints;  ///< values for integer dtypes
  std::vector<double> reals;    ///< values for float dtypes
  std::string text;             ///< value of a string
};

inline hid_t file_type(Dtype d) {
  switch (d) {
    case Dtype::kInt64:
      return H5T_STD_I64LE;
    case Dtype::kInt32:
      return H5T_STD_I32LE;
    case Dtype::kUint8:
      return H5T_STD_U8LE;
    case Dtype::kFloat32:
      return H5T_IEEE_F32LE;
    case Dtype::kFloat64:
      return H5T_IEEE_F64LE;
    default:
      return H5T_STD_I64LE;
  }
}

/// Damages `item` as the input says (most of the time, and when the input is used up: not at
/// all). Returns false to drop it.
inline bool damage(Item& item, FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 15)) {
    case 15:
      return false;  // missing
    case 14:
      item.dtype = static_cast<Dtype>(in.ConsumeIntegralInRange<int>(0, 5));
      break;
    case 13:  // another rank
      item.dims.resize(static_cast<std::size_t>(in.ConsumeIntegralInRange<int>(0, 3)), 1);
      break;
    case 12:  // a dimension off by a little, or zero
      if (!item.dims.empty()) {
        hsize_t& d = item.dims[in.ConsumeIntegralInRange<std::size_t>(0, item.dims.size() - 1)];
        d = in.ConsumeBool() ? 0
                             : hsize_t(std::max<long long>(
                                   0, (long long)d + in.ConsumeIntegralInRange<int>(-2, 2)));
      }
      break;
    case 11:  // a huge dimension
      if (!item.dims.empty())
        item.dims[in.ConsumeIntegralInRange<std::size_t>(0, item.dims.size() - 1)] =
            in.ConsumeIntegralInRange<hsize_t>(1u << 20, ~hsize_t(0) - 1);
      break;
    case 10:
    case 9: {  // some values replaced
      const int n = in.ConsumeIntegralInRange<int>(1, 4);
      for (int k = 0; k < n; ++k) {
        if (!item.ints.empty()) {
          auto& v = item.ints[in.ConsumeIntegralInRange<std::size_t>(0, item.ints.size() - 1)];
          v = in.ConsumeBool() ? in.ConsumeIntegralInRange<long long>(-3, 12)
                               : in.ConsumeIntegral<long long>();
        }
        if (!item.reals.empty()) {
          auto& v = item.reals[in.ConsumeIntegralInRange<std::size_t>(0, item.reals.size() - 1)];
          v = in.ConsumeFloatingPoint<double>();
        }
      }
      if (item.dtype == Dtype::kString) item.text = in.ConsumeRandomLengthString(40);
      break;
    }
    default:
      break;
  }
  return true;
}

/// Element count of `dims` (saturating); 0 when any dimension is 0.
inline hsize_t count_of(const std::vector<hsize_t>& dims) {
  hsize_t n = 1;
  for (hsize_t d : dims) n = (d != 0 && n > (hsize_t(1) << 62) / d) ? hsize_t(1) << 62 : n * d;
  return n;
}

/// The item's values converted to a buffer of `count` elements of its memory type (repeating the
/// values, or zeros when there are none).
inline void write_item(hid_t loc, const Item& item, bool attribute) {
  const hsize_t n = attribute && item.dims.empty() ? 1 : count_of(item.dims);
  const int rank = static_cast<int>(item.dims.size());
  const hid_t space =
      rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, item.dims.data(), nullptr);
  hid_t type = H5Tcopy(file_type(item.dtype)), mem = -1;
  std::vector<long long> ints;
  std::vector<double> reals;
  const char* text = item.text.c_str();
  const void* buffer = nullptr;
  const bool small = n <= 4096;  // huge dims: declared only, never written
  if (item.dtype == Dtype::kString) {
    H5Tclose(type);
    type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    mem = H5Tcopy(type);
    std::vector<const char*> texts(small ? n : 0, text);
    buffer = texts.data();
    // the buffer must outlive the write: write here
    hid_t obj = attribute
                    ? H5Acreate2(loc, item.name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT)
                    : H5Dcreate2(loc, item.name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT,
                                 H5P_DEFAULT);
    if (obj >= 0 && small && n > 0)
      attribute ? H5Awrite(obj, mem, buffer)
                : H5Dwrite(obj, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
    if (obj >= 0) attribute ? H5Aclose(obj) : H5Dclose(obj);
    H5Tclose(mem);
    H5Tclose(type);
    H5Sclose(space);
    return;
  }
  const bool is_int = item.dtype != Dtype::kFloat32 && item.dtype != Dtype::kFloat64;
  if (small) {
    if (is_int) {
      ints.resize(n);
      for (hsize_t i = 0; i < n; ++i)
        ints[i] = item.ints.empty() ? 0 : item.ints[i % item.ints.size()];
      mem = H5Tcopy(H5T_NATIVE_LLONG);
      buffer = ints.data();
    } else {
      reals.resize(n);
      for (hsize_t i = 0; i < n; ++i)
        reals[i] = !item.reals.empty() ? item.reals[i % item.reals.size()]
                   : item.ints.empty() ? 0.0
                                       : double(item.ints[i % item.ints.size()]);
      mem = H5Tcopy(H5T_NATIVE_DOUBLE);
      buffer = reals.data();
    }
  }
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (!attribute && rank > 0 && !small) {  // chunked, unwritten: reads give the fill value
    std::vector<hsize_t> chunk(item.dims.size(), 1);
    H5Pset_chunk(dcpl, rank, chunk.data());
  }
  // Conversion exceptions (overflow into int32 / uint8) must not abort the write.
  hid_t xfer = H5Pcreate(H5P_DATASET_XFER);
  hid_t obj = attribute
                  ? H5Acreate2(loc, item.name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT)
                  : H5Dcreate2(loc, item.name.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (obj >= 0 && buffer && n > 0)
    attribute ? H5Awrite(obj, mem, buffer) : H5Dwrite(obj, mem, H5S_ALL, H5S_ALL, xfer, buffer);
  if (obj >= 0) attribute ? H5Aclose(obj) : H5Dclose(obj);
  H5Pclose(xfer);
  H5Pclose(dcpl);
  if (mem >= 0) H5Tclose(mem);
  H5Tclose(type);
  H5Sclose(space);
}

/// Writes the (damaged) items of one group: datasets and attributes; plus, now and then, an
/// extra dataset with a fuzzed name.
inline void write_group(hid_t loc, std::vector<Item> datasets, std::vector<Item> attributes,
                        FuzzedDataProvider& in) {
  for (Item& a : attributes)
    if (damage(a, in)) write_item(loc, a, true);
  for (Item& d : datasets)
    if (damage(d, in)) write_item(loc, d, false);
  if (in.ConsumeIntegralInRange<int>(0, 7) == 7) {
    Item extra{in.ConsumeRandomLengthString(12), Dtype::kFloat32, {2}, {}, {1.0, 2.0}, {}};
    if (extra.name.empty() || extra.name.find('/') != std::string::npos ||
        extra.name.find('.') == 0)
      extra.name = "extra";
    write_item(loc, extra, false);
  }
}

}  // namespace graphpool::fuzz
