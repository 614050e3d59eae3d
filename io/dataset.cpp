#include "io/dataset.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "core/errors.hpp"
#include "io/hdf5_util.hpp"

namespace graphpool {

namespace {

std::string str(Index v) {
  return std::to_string(v);
}

/// Chunk dims for a [rows, cols] dataset: whole rows, about `elements` values per chunk.
std::vector<hsize_t> row_chunk(Index rows, Index cols, Index elements) {
  const Index r = std::max<Index>(1, elements / std::max<Index>(1, cols));
  return {static_cast<hsize_t>(std::min(rows, r)), static_cast<hsize_t>(std::max<Index>(1, cols))};
}

/// A graph run [g0, g1) of consecutive graph ids read with one hyperslab block.
struct Run {
  Index g0, g1;
};

}  // namespace

void write_dataset(const std::string& path, const GraphCollection& c,
                   const DatasetWriteOptions& options) {
  c.validate();
  if (options.compression_ < 0 || options.compression_ > 9)
    throw ValueError("write_dataset: compression must be in 0..9, got " +
                     str(options.compression_));
  if (options.chunk_elements_ < 1)
    throw ValueError("write_dataset: chunk_elements must be >= 1, got " +
                     str(options.chunk_elements_));
  const int level = options.compression_;
  const Index chunk = options.chunk_elements_;
  const Index G = c.num_graphs(), N = c.num_nodes(), E = c.num_edges();

  h5::AtomicFile out(path);
  const hid_t f = out.id();
  h5::write_attribute(f, "format_version", kDatasetFormatVersion);
  h5::write_attribute(f, "name", c.name);
  h5::write_attribute(f, "source", c.source);
  h5::write_attribute(f, "num_classes", static_cast<long long>(c.num_classes));
  if (!c.label_values.empty())
    h5::write_attribute(f, "label_values", std::span<const Index>(c.label_values));

  const auto vec = [&](const char* name, const std::vector<Index>& v) {
    const hsize_t dims[1] = {v.size()};
    const hsize_t ch[1] = {static_cast<hsize_t>(chunk)};
    h5::write_dataset(f, name, H5T_NATIVE_INT64, H5T_STD_I64LE, dims, ch, level, v.data(), path);
  };
  vec("node_ptr", c.node_ptr);
  vec("edge_ptr", c.edge_ptr);
  {
    // edge_index [2, E]: row 0 sources, row 1 targets (local ids).
    std::vector<Index> edge_index(static_cast<std::size_t>(2 * E));
    std::copy(c.sources.begin(), c.sources.end(), edge_index.begin());
    std::copy(c.targets.begin(), c.targets.end(), edge_index.begin() + E);
    const hsize_t dims[2] = {2, static_cast<hsize_t>(E)};
    const hsize_t ch[2] = {2, static_cast<hsize_t>(std::max<Index>(1, chunk / 2))};
    h5::write_dataset(f, "edge_index", H5T_NATIVE_INT64, H5T_STD_I64LE, dims, ch, level,
                      edge_index.data(), path);
  }
  {
    const Index F = c.x.dim(1);
    const hsize_t dims[2] = {static_cast<hsize_t>(N), static_cast<hsize_t>(F)};
    h5::write_dataset(f, "x", H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, dims, row_chunk(N, F, chunk), level,
                      c.x.data(), path);
  }
  if (c.node_labels) vec("node_labels", *c.node_labels);
  vec("y", c.y);
  if (c.edge_attr) {
    const Index D = c.edge_attr->dim(1);
    const hsize_t dims[2] = {static_cast<hsize_t>(E), static_cast<hsize_t>(D)};
    h5::write_dataset(f, "edge_attr", H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, dims,
                      row_chunk(E, D, chunk), level, c.edge_attr->data(), path);
  }
  (void)G;
  out.commit();
}

// ------------------------------------------------------------------------------------------------

struct DatasetFile::Impl {
  std::string path, name, source;
  h5::Handle file, edge_index, x, node_labels, edge_attr;
  std::vector<Index> node_ptr, edge_ptr, y, label_values;
  Index num_classes = 0, N = 0, E = 0, F = 0, D = 0;

  [[noreturn]] void fail(const std::string& dataset, const std::string& what) const {
    throw IoError(path + ": dataset " + dataset + ": " + what);
  }

  h5::Handle open(const std::string& dataset, bool required) const {
    if (!h5::has_link(file.id(), dataset)) {
      if (required) throw IoError(path + ": missing dataset '" + dataset + "'");
      return {};
    }
    // 8 MiB chunk cache per dataset: batches of random graphs revisit the same chunks.
    h5::Handle dapl = h5::checked(H5Pcreate(H5P_DATASET_ACCESS), H5Pclose, path);
    h5::check(H5Pset_chunk_cache(dapl.id(), 4099, 8u << 20, 1.0), path);
    return h5::checked(H5Dopen2(file.id(), dataset.c_str(), dapl.id()), H5Dclose,
                       path + ": dataset " + dataset + ": cannot open");
  }

  /// Reads and checks attributes, shapes, node_ptr, edge_ptr and y of the open `file` (the
  /// constructors' shared part; `path` names the file or image in errors).
  void read_header();

  /// Checks dtype (int64 or float32) and rank; returns the dims.
  std::vector<hsize_t> check_layout(const h5::Handle& ds, const std::string& dataset, bool int64,
                                    int rank) const {
    h5::Handle type = h5::checked(H5Dget_type(ds.id()), H5Tclose, path + ": dataset " + dataset);
    const bool ok = int64 ? h5::is_int64(type.id()) : h5::is_float(type.id(), 4);
    if (!ok)
      fail(dataset, std::string("expected dtype ") + (int64 ? "int64" : "float32") + ", got " +
                        h5::type_name(type.id()));
    std::vector<hsize_t> dims = h5::dataset_dims(ds.id());
    if (static_cast<int>(dims.size()) != rank)
      fail(dataset,
           "expected rank " + std::to_string(rank) + ", got rank " + std::to_string(dims.size()));
    check_size(ds, dataset, dims, int64 ? 8 : 4);
    return dims;
  }

  /// The shape is small enough for Index arithmetic (<= 2^48 elements) and its data is really
  /// in the file: a dataset that declares far more than its storage could hold (chunks never
  /// written, or beyond deflate's ~1032:1 ratio) is corrupt, not a reason to allocate.
  void check_size(const h5::Handle& ds, const std::string& dataset,
                  const std::vector<hsize_t>& dims, hsize_t element_bytes) const {
    constexpr hsize_t kMaxElements = hsize_t(1) << 48;
    hsize_t count = 1;
    std::string shape;
    for (hsize_t d : dims) shape += (shape.empty() ? "[" : ", ") + std::to_string(d);
    shape += "]";
    for (hsize_t d : dims) {
      if (d > kMaxElements || (d != 0 && count > kMaxElements / d))
        fail(dataset, "shape " + shape + " is too large (more than 2^48 elements)");
      count *= d;
    }
    const hsize_t bytes = count * element_bytes, stored = H5Dget_storage_size(ds.id());
    if (bytes / 1100 > stored)
      fail(dataset, "shape " + shape + " needs " + std::to_string(bytes) +
                        " bytes but the file stores " + std::to_string(stored));
  }

  /// Reads a whole rank-1 int64 dataset of `expected` entries.
  std::vector<Index> read_vector(const std::string& dataset, Index expected,
                                 const std::string& expected_why) const {
    h5::Handle ds = open(dataset, true);
    const auto dims = check_layout(ds, dataset, true, 1);
    if (static_cast<Index>(dims[0]) != expected)
      fail(dataset, "expected " + str(expected) + " entries (" + expected_why + "), got " +
                        str(static_cast<Index>(dims[0])));
    std::vector<Index> v(static_cast<std::size_t>(expected));
    if (expected > 0)
      h5::check(H5Dread(ds.id(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()),
                path + ": dataset " + dataset + ": read failed");
    return v;
  }

  /// ptr[0] == 0, nondecreasing, ptr[G] == total.
  void check_offsets(const std::string& dataset, const std::vector<Index>& ptr, Index total,
                     const std::string& total_what) const {
    if (ptr[0] != 0) fail(dataset, "index 0: expected 0, got " + str(ptr[0]));
    for (std::size_t i = 1; i < ptr.size(); ++i)
      if (ptr[i] < ptr[i - 1])
        fail(dataset, "index " + str(Index(i)) + ": " + str(ptr[i]) + " < " + str(ptr[i - 1]) +
                          " at index " + str(Index(i) - 1) + " (offsets must be nondecreasing)");
    if (ptr.back() != total)
      fail(dataset, "index " + str(Index(ptr.size()) - 1) + ": last offset " + str(ptr.back()) +
                        " but " + total_what + " " + str(total));
  }

  /// Reads the blocks [lo, hi) along `axis` of a rank-1/2 dataset into `out`, in block order;
  /// for axis 1 of a [2, E] dataset, row 0 of every block goes to out[0, total) and row 1 to
  /// out[total, 2 total). One read per block between same-shaped file and memory hyperslabs
  /// (HDF5's fast path; a flat memory space makes it map chunks element by element).
  void read_blocks(const h5::Handle& ds, const std::string& dataset, hid_t mem_type,
                   const std::vector<hsize_t>& dims, int axis,
                   const std::vector<std::pair<Index, Index>>& blocks, void* out) const {
    const int rank = static_cast<int>(dims.size());
    const hsize_t width = rank > 1 && axis == 0 ? dims[1] : 1;
    if (width == 0) return;
    hsize_t total = 0;
    for (const auto& [lo, hi] : blocks) total += static_cast<hsize_t>(hi - lo);
    if (total == 0) return;
    h5::Handle space = h5::checked(H5Dget_space(ds.id()), H5Sclose, path + ": " + dataset);
    // Memory: [total, width] rows, or [2, total] for axis 1; block k goes to its slot there.
    hsize_t mdims[2] = {total, width};
    if (axis == 1) mdims[0] = 2, mdims[1] = total;
    h5::Handle mem = h5::checked(H5Screate_simple(rank, mdims, nullptr), H5Sclose, path);
    hsize_t done = 0;
    for (const auto& [lo, hi] : blocks) {
      if (hi <= lo) continue;
      hsize_t start[2] = {0, 0}, count[2] = {dims[0], width}, mstart[2] = {0, 0};
      start[axis] = static_cast<hsize_t>(lo);
      count[axis] = static_cast<hsize_t>(hi - lo);
      mstart[axis] = done;
      h5::check(H5Sselect_hyperslab(space.id(), H5S_SELECT_SET, start, nullptr, count, nullptr),
                path + ": dataset " + dataset + ": selection");
      h5::check(H5Sselect_hyperslab(mem.id(), H5S_SELECT_SET, mstart, nullptr, count, nullptr),
                path + ": dataset " + dataset + ": selection");
      h5::check(H5Dread(ds.id(), mem_type, mem.id(), space.id(), H5P_DEFAULT, out),
                path + ": dataset " + dataset + ": read failed");
      done += count[axis];
    }
  }
};

DatasetFile::DatasetFile(const std::string& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->file = h5::open_file(path);
  impl_->read_header();
}

DatasetFile::DatasetFile(std::span<const std::byte> image, const std::string& label)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = label;
  impl_->file = h5::open_image(image, label);
  impl_->read_header();
}

void DatasetFile::Impl::read_header() {
  Impl& m = *this;
  const hid_t f = m.file.id();
  try {
    const long long version = h5::read_int_attribute(f, "format_version", path);
    if (version != kDatasetFormatVersion)
      throw IoError(path + ": attribute format_version is " + std::to_string(version) +
                    ", this reader knows " + std::to_string(kDatasetFormatVersion));
    m.name = h5::read_string_attribute(f, "name", path);
    if (h5::has_attribute(f, "source")) m.source = h5::read_string_attribute(f, "source", path);
    m.num_classes = h5::read_int_attribute(f, "num_classes", path);
    if (m.num_classes < 1)
      throw IoError(path + ": attribute num_classes must be >= 1, got " + str(m.num_classes));
    if (h5::has_attribute(f, "label_values")) {
      m.label_values = h5::read_int_array_attribute(f, "label_values", path);
      if (static_cast<Index>(m.label_values.size()) != m.num_classes)
        throw IoError(path + ": attribute label_values has " + str(Index(m.label_values.size())) +
                      " entries but num_classes is " + str(m.num_classes));
    }

    // Shapes: x [N, F], edge_index [2, E], node_ptr / edge_ptr [G + 1], y [G].
    m.x = m.open("x", true);
    const auto xd = m.check_layout(m.x, "x", false, 2);
    m.N = static_cast<Index>(xd[0]);
    m.F = static_cast<Index>(xd[1]);
    m.edge_index = m.open("edge_index", true);
    const auto ed = m.check_layout(m.edge_index, "edge_index", true, 2);
    if (ed[0] != 2)
      m.fail("edge_index",
             "expected shape [2, E], got [" + str(Index(ed[0])) + ", " + str(Index(ed[1])) + "]");
    m.E = static_cast<Index>(ed[1]);
    {
      h5::Handle y = m.open("y", true);
      const auto yd = m.check_layout(y, "y", true, 1);
      const Index G = static_cast<Index>(yd[0]);
      m.node_ptr = m.read_vector("node_ptr", G + 1, "num graphs + 1, from y");
      m.edge_ptr = m.read_vector("edge_ptr", G + 1, "num graphs + 1, from y");
      m.y = m.read_vector("y", G, "num graphs");
    }
    m.check_offsets("node_ptr", m.node_ptr, m.N, "x has rows");
    m.check_offsets("edge_ptr", m.edge_ptr, m.E, "edge_index has columns");
    for (std::size_t g = 0; g < m.y.size(); ++g)
      if (m.y[g] < 0 || m.y[g] >= m.num_classes)
        m.fail("y", "index " + str(Index(g)) + ": label " + str(m.y[g]) + " outside [0, " +
                        str(m.num_classes) + ") (num_classes)");
    m.node_labels = m.open("node_labels", false);
    if (m.node_labels.valid()) {
      const auto d = m.check_layout(m.node_labels, "node_labels", true, 1);
      if (static_cast<Index>(d[0]) != m.N)
        m.fail("node_labels",
               "expected " + str(m.N) + " entries (rows of x), got " + str(Index(d[0])));
    }
    m.edge_attr = m.open("edge_attr", false);
    if (m.edge_attr.valid()) {
      const auto d = m.check_layout(m.edge_attr, "edge_attr", false, 2);
      if (static_cast<Index>(d[0]) != m.E)
        m.fail("edge_attr",
               "expected " + str(m.E) + " rows (columns of edge_index), got " + str(Index(d[0])));
      m.D = static_cast<Index>(d[1]);
    }
  } catch (const std::bad_alloc&) {
    throw IoError(path + ": dataset shapes too large to allocate (corrupt file?)");
  } catch (const std::length_error&) {
    throw IoError(path + ": dataset shapes too large to allocate (corrupt file?)");
  }
}

DatasetFile::~DatasetFile() = default;
DatasetFile::DatasetFile(DatasetFile&&) noexcept = default;
DatasetFile& DatasetFile::operator=(DatasetFile&&) noexcept = default;

const std::string& DatasetFile::path() const {
  return impl_->path;
}
const std::string& DatasetFile::name() const {
  return impl_->name;
}
const std::string& DatasetFile::source() const {
  return impl_->source;
}
Index DatasetFile::num_graphs() const {
  return static_cast<Index>(impl_->y.size());
}
Index DatasetFile::num_nodes() const {
  return impl_->N;
}
Index DatasetFile::num_edges() const {
  return impl_->E;
}
Index DatasetFile::num_features() const {
  return impl_->F;
}
Index DatasetFile::num_edge_features() const {
  return impl_->D;
}
Index DatasetFile::num_classes() const {
  return impl_->num_classes;
}
bool DatasetFile::has_node_labels() const {
  return impl_->node_labels.valid();
}
bool DatasetFile::has_edge_attr() const {
  return impl_->edge_attr.valid();
}
std::span<const Index> DatasetFile::label_values() const {
  return impl_->label_values;
}
std::span<const Index> DatasetFile::node_ptr() const {
  return impl_->node_ptr;
}
std::span<const Index> DatasetFile::edge_ptr() const {
  return impl_->edge_ptr;
}
std::span<const Index> DatasetFile::labels() const {
  return impl_->y;
}

DatasetBatch DatasetFile::load() const {
  return load_range(0, num_graphs());
}

DatasetBatch DatasetFile::load_range(Index first, Index last) const {
  if (first < 0 || last > num_graphs() || first > last)
    throw IndexError("DatasetFile::load_range: [" + str(first) + ", " + str(last) +
                     ") is not inside [0, " + str(num_graphs()) + ")");
  std::vector<Index> ids(static_cast<std::size_t>(last - first));
  std::iota(ids.begin(), ids.end(), first);
  return load(ids);
}

DatasetBatch DatasetFile::load(std::span<const Index> graph_ids) const {
  const Impl& m = *impl_;
  const Index G = num_graphs();
  for (std::size_t i = 0; i < graph_ids.size(); ++i)
    if (graph_ids[i] < 0 || graph_ids[i] >= G)
      throw IndexError("DatasetFile::load: graph_ids[" + str(Index(i)) +
                       "] = " + str(graph_ids[i]) + " outside [0, " + str(G) + ")");

  // Distinct ids in file order, grouped into runs of consecutive ids (one hyperslab block each).
  std::vector<Index> uniq(graph_ids.begin(), graph_ids.end());
  const bool in_file_order =
      std::adjacent_find(uniq.begin(), uniq.end(), std::greater_equal<>()) == uniq.end();
  if (!in_file_order) {
    std::sort(uniq.begin(), uniq.end());
    uniq.erase(std::unique(uniq.begin(), uniq.end()), uniq.end());
  }
  std::vector<std::pair<Index, Index>> node_blocks, edge_blocks;
  for (std::size_t i = 0; i < uniq.size();) {
    std::size_t j = i + 1;
    while (j < uniq.size() && uniq[j] == uniq[j - 1] + 1) ++j;
    node_blocks.emplace_back(m.node_ptr[uniq[i]], m.node_ptr[uniq[j - 1] + 1]);
    edge_blocks.emplace_back(m.edge_ptr[uniq[i]], m.edge_ptr[uniq[j - 1] + 1]);
    i = j;
  }
  // Offsets of each distinct graph inside the read buffers.
  const std::size_t U = uniq.size();
  std::vector<Index> buf_node(U + 1, 0), buf_edge(U + 1, 0);
  for (std::size_t u = 0; u < U; ++u) {
    const Index g = uniq[u];
    buf_node[u + 1] = buf_node[u] + m.node_ptr[g + 1] - m.node_ptr[g];
    buf_edge[u + 1] = buf_edge[u] + m.edge_ptr[g + 1] - m.edge_ptr[g];
  }
  const Index bn = buf_node[U], be = buf_edge[U];

  const auto xd = std::vector<hsize_t>{static_cast<hsize_t>(m.N), static_cast<hsize_t>(m.F)};
  const auto ed = std::vector<hsize_t>{2, static_cast<hsize_t>(m.E)};
  Tensor<float> xb(Shape{bn, m.F});
  m.read_blocks(m.x, "x", H5T_NATIVE_FLOAT, xd, 0, node_blocks, xb.data());
  std::vector<Index> eb(static_cast<std::size_t>(2 * be));
  m.read_blocks(m.edge_index, "edge_index", H5T_NATIVE_INT64, ed, 1, edge_blocks, eb.data());
  std::vector<Index> lb;
  if (m.node_labels.valid()) {
    lb.resize(static_cast<std::size_t>(bn));
    m.read_blocks(m.node_labels, "node_labels", H5T_NATIVE_INT64, {static_cast<hsize_t>(m.N)}, 0,
                  node_blocks, lb.data());
    for (Index u = 0, i = 0; u < Index(U); ++u)
      for (; i < buf_node[u + 1]; ++i)
        if (lb[i] < 0)
          m.fail("node_labels", "index " + str(m.node_ptr[uniq[u]] + i - buf_node[u]) + ": label " +
                                    str(lb[i]) + " is negative");
  }
  Tensor<float> ab;
  if (m.edge_attr.valid()) {
    ab = Tensor<float>(Shape{be, m.D});
    m.read_blocks(m.edge_attr, "edge_attr", H5T_NATIVE_FLOAT,
                  {static_cast<hsize_t>(m.E), static_cast<hsize_t>(m.D)}, 0, edge_blocks,
                  ab.data());
  }
  // Every edge id inside its graph: 0 <= id < n_g (checked before any use).
  for (std::size_t u = 0; u < U; ++u) {
    const Index g = uniq[u];
    const Index n = m.node_ptr[g + 1] - m.node_ptr[g];
    for (Index k = buf_edge[u]; k < buf_edge[u + 1]; ++k) {
      for (const Index v : {eb[k], eb[be + k]}) {
        if (v < 0 || v >= n)
          m.fail("edge_index", "column " + str(m.edge_ptr[g] + k - buf_edge[u]) + " (graph " +
                                   str(g) + "): node id " + str(v) + " outside [0, " + str(n) +
                                   ")");
      }
    }
  }

  // Assemble the batch in the requested order.
  DatasetBatch out;
  const std::size_t B = graph_ids.size();
  out.graph_ids.assign(graph_ids.begin(), graph_ids.end());
  out.y.resize(B);
  std::vector<Index> node_ptr(B + 1, 0), pos(B);
  Index total_edges = 0;
  for (std::size_t i = 0; i < B; ++i) {
    const Index g = graph_ids[i];
    pos[i] =
        in_file_order ? Index(i) : std::lower_bound(uniq.begin(), uniq.end(), g) - uniq.begin();
    out.y[i] = m.y[g];
    node_ptr[i + 1] = node_ptr[i] + m.node_ptr[g + 1] - m.node_ptr[g];
    total_edges += m.edge_ptr[g + 1] - m.edge_ptr[g];
  }
  const Index n_out = node_ptr[B];
  std::vector<Index> src(static_cast<std::size_t>(total_edges)),
      dst(static_cast<std::size_t>(total_edges));
  std::vector<Index> coo_edge(static_cast<std::size_t>(total_edges));  // buffer row of edge k
  for (std::size_t i = 0, k = 0; i < B; ++i) {
    const Index u = pos[i];
    for (Index e = buf_edge[u]; e < buf_edge[u + 1]; ++e, ++k) {
      src[k] = eb[e] + node_ptr[i];
      dst[k] = eb[be + e] + node_ptr[i];
      coo_edge[k] = e;
    }
  }
  if (in_file_order) {
    out.x = std::move(xb);
    if (m.node_labels.valid()) out.node_labels = std::move(lb);
  } else {
    out.x = Tensor<float>(Shape{n_out, m.F});
    if (m.node_labels.valid()) out.node_labels.emplace(static_cast<std::size_t>(n_out));
    for (std::size_t i = 0; i < B; ++i) {
      const Index u = pos[i];
      std::copy(xb.data() + buf_node[u] * m.F, xb.data() + buf_node[u + 1] * m.F,
                out.x.data() + node_ptr[i] * m.F);
      if (m.node_labels.valid())
        std::copy(lb.begin() + buf_node[u], lb.begin() + buf_node[u + 1],
                  out.node_labels->begin() + node_ptr[i]);
    }
  }
  Graph graph = Graph::from_edges(n_out, src, dst);
  if (m.edge_attr.valid()) {
    // CSR order of from_edges: stable by target. Row p of edge_attr = COO edge at CSR slot p.
    std::vector<Index> cursor(graph.edge_ptr().begin(), graph.edge_ptr().end() - 1);
    Tensor<float> attr(Shape{total_edges, m.D});
    for (Index k = 0; k < total_edges; ++k) {
      const Index p = cursor[dst[k]]++;
      std::copy(ab.data() + coo_edge[k] * m.D, ab.data() + (coo_edge[k] + 1) * m.D,
                attr.data() + p * m.D);
    }
    out.edge_attr = std::move(attr);
  }
  out.batch = GraphBatch(std::move(graph), std::move(node_ptr));
  return out;
}

GraphCollection DatasetFile::read_all() const {
  const Impl& m = *impl_;
  GraphCollection c;
  c.name = m.name;
  c.source = m.source;
  c.num_classes = m.num_classes;
  c.label_values = m.label_values;
  c.node_ptr = m.node_ptr;
  c.edge_ptr = m.edge_ptr;
  c.y = m.y;
  const std::vector<std::pair<Index, Index>> nodes{{0, m.N}}, edges{{0, m.E}};
  c.x = Tensor<float>(Shape{m.N, m.F});
  m.read_blocks(m.x, "x", H5T_NATIVE_FLOAT, {static_cast<hsize_t>(m.N), static_cast<hsize_t>(m.F)},
                0, nodes, c.x.data());
  std::vector<Index> eb(static_cast<std::size_t>(2 * m.E));
  m.read_blocks(m.edge_index, "edge_index", H5T_NATIVE_INT64, {2, static_cast<hsize_t>(m.E)}, 1,
                edges, eb.data());
  for (Index g = 0; g < num_graphs(); ++g) {
    const Index n = m.node_ptr[g + 1] - m.node_ptr[g];
    for (Index e = m.edge_ptr[g]; e < m.edge_ptr[g + 1]; ++e)
      for (const Index v : {eb[e], eb[m.E + e]})
        if (v < 0 || v >= n)
          m.fail("edge_index", "column " + str(e) + " (graph " + str(g) + "): node id " + str(v) +
                                   " outside [0, " + str(n) + ")");
  }
  c.sources.assign(eb.begin(), eb.begin() + m.E);
  c.targets.assign(eb.begin() + m.E, eb.end());
  if (m.node_labels.valid()) {
    c.node_labels.emplace(static_cast<std::size_t>(m.N));
    m.read_blocks(m.node_labels, "node_labels", H5T_NATIVE_INT64, {static_cast<hsize_t>(m.N)}, 0,
                  nodes, c.node_labels->data());
    for (Index i = 0; i < m.N; ++i)
      if ((*c.node_labels)[i] < 0)
        m.fail("node_labels",
               "index " + str(i) + ": label " + str((*c.node_labels)[i]) + " is negative");
  }
  if (m.edge_attr.valid()) {
    c.edge_attr = Tensor<float>(Shape{m.E, m.D});
    m.read_blocks(m.edge_attr, "edge_attr", H5T_NATIVE_FLOAT,
                  {static_cast<hsize_t>(m.E), static_cast<hsize_t>(m.D)}, 0, edges,
                  c.edge_attr->data());
  }
  return c;
}

GraphCollection read_dataset(const std::string& path) {
  return DatasetFile(path).read_all();
}

GraphCollection read_dataset_image(std::span<const std::byte> image, const std::string& label) {
  return DatasetFile(image, label).read_all();
}

// ------------------------------------------------------------------------------------------------

BatchReader::BatchReader(const DatasetFile& file, Index batch_size, std::vector<Index> order)
    : file_(&file), batch_size_(batch_size) {
  if (batch_size < 1)
    throw ValueError("BatchReader: batch_size must be >= 1, got " + str(batch_size));
  reset(std::move(order));
}

bool BatchReader::next(DatasetBatch& out) {
  const Index n = static_cast<Index>(order_.size());
  if (cursor_ >= n) return false;
  const Index hi = std::min(n, cursor_ + batch_size_);
  out = file_->load(std::span<const Index>(order_).subspan(cursor_, hi - cursor_));
  cursor_ = hi;
  return true;
}

void BatchReader::reset() {
  cursor_ = 0;
}

void BatchReader::reset(std::vector<Index> order) {
  if (order.empty()) {
    order.resize(static_cast<std::size_t>(file_->num_graphs()));
    std::iota(order.begin(), order.end(), Index(0));
  }
  for (std::size_t i = 0; i < order.size(); ++i)
    if (order[i] < 0 || order[i] >= file_->num_graphs())
      throw IndexError("BatchReader: order[" + str(Index(i)) + "] = " + str(order[i]) +
                       " outside [0, " + str(file_->num_graphs()) + ")");
  order_ = std::move(order);
  cursor_ = 0;
}

Index BatchReader::num_batches() const {
  return (static_cast<Index>(order_.size()) + batch_size_ - 1) / batch_size_;
}

}  // namespace graphpool
