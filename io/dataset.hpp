#pragma once
/// Graph datasets in HDF5 (layout: docs/hdf5-format.md): a writer that replaces the output file
/// atomically, and a reader that validates every offset and index before use and loads all
/// graphs, a subset, or batches straight from disk with bounded memory.
///   write_dataset("proteins.h5", read_tu("data/PROTEINS", "PROTEINS"));
///   DatasetFile file("proteins.h5");
///   DatasetBatch all = file.load();                     // every graph
///   BatchReader reader(file, 128, shuffled_ids);        // 128 graphs per batch, read on demand
///   for (DatasetBatch b; reader.next(b);) { ... b.batch, b.x, b.y ... }
/// A corrupt or hostile file gives IoError "<file>: dataset <name>: index <i>: <what>".
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "graph/graph_batch.hpp"
#include "io/graph_collection.hpp"

namespace graphpool {

/// The format_version this code writes and reads.
inline constexpr long long kDatasetFormatVersion = 1;

struct DatasetWriteOptions {
  /// gzip level 0..9 after the shuffle filter (0: no compression).
  DatasetWriteOptions& compression(int level) {
    compression_ = level;
    return *this;
  }
  /// Elements per chunk (rows are never split: a chunk holds whole rows of x and edge_attr).
  DatasetWriteOptions& chunk_elements(Index n) {
    chunk_elements_ = n;
    return *this;
  }
  int compression_ = 1;  ///< fast; level 6 is ~15% smaller, 2x slower to write
  Index chunk_elements_ = Index(1) << 16;
};

/// Writes `graphs` to `path` (validated first; a temporary file next to `path` is renamed over
/// it at the end, so an error leaves `path` as it was).
void write_dataset(const std::string& path, const GraphCollection& graphs,
                   const DatasetWriteOptions& options = {});

class DatasetFile;
/// The whole file back as a GraphCollection (same validation as DatasetFile; COO edge order of
/// the file). For files that fit in memory; use BatchReader otherwise.
GraphCollection read_dataset(const std::string& path);
/// read_dataset of a file's bytes in memory (the same checks; `label` names the data in errors
/// where the path would be).
///   GraphCollection c = read_dataset_image(std::as_bytes(std::span(bytes)), "upload.h5");
GraphCollection read_dataset_image(std::span<const std::byte> image, const std::string& label);

/// Graphs loaded from a dataset file: the block-diagonal batch and what goes with it.
struct DatasetBatch {
  GraphBatch batch;              ///< graph i of the batch is file graph graph_ids[i]
  Tensor<float> x{Shape{0, 0}};  ///< [n, F] node features, rows in batch order
  std::vector<Index> y;          ///< [B] graph labels
  std::vector<Index> graph_ids;  ///< [B] ids of the graphs in the file
  std::optional<std::vector<Index>> node_labels;  ///< [n] when the file has node_labels
  /// [e, D] when the file has edge_attr; row k belongs to edge k of batch.graph() (CSR order).
  std::optional<Tensor<float>> edge_attr;
  Index num_graphs() const { return batch.num_graphs(); }
};

/// An open dataset file. The constructor checks dtypes, shapes, attributes, node_ptr, edge_ptr and
/// y; edge ids and node labels are checked as they are read, before any use. Keeps O(graphs)
/// memory. Not thread-safe (HDF5 serial build): one thread at a time per process.
class DatasetFile {
 public:
  explicit DatasetFile(const std::string& path);
  /// The bytes of a dataset file, opened in memory (HDF5 copies them: `image` need not outlive
  /// the DatasetFile); the same checks as a file on disk, with `label` in errors and as path().
  ///   DatasetFile file(std::as_bytes(std::span(bytes)), "upload.h5");
  DatasetFile(std::span<const std::byte> image, const std::string& label);
  ~DatasetFile();
  DatasetFile(DatasetFile&&) noexcept;
  DatasetFile& operator=(DatasetFile&&) noexcept;

  const std::string& path() const;  ///< the path, or the label of an image
  const std::string& name() const;
  const std::string& source() const;
  Index num_graphs() const;
  Index num_nodes() const;
  Index num_edges() const;
  Index num_features() const;       ///< F, columns of x
  Index num_edge_features() const;  ///< D, columns of edge_attr (0 when absent)
  Index num_classes() const;
  bool has_node_labels() const;
  bool has_edge_attr() const;
  /// Original label value of each class (empty when the file does not say).
  std::span<const Index> label_values() const;
  std::span<const Index> node_ptr() const;  ///< [G + 1]
  std::span<const Index> edge_ptr() const;  ///< [G + 1]
  std::span<const Index> labels() const;    ///< [G] y of every graph

  /// Every graph.
  DatasetBatch load() const;
  /// Graphs first .. last - 1.
  DatasetBatch load_range(Index first, Index last) const;
  /// The given graphs, in the given order (IndexError for an id outside [0, G)).
  DatasetBatch load(std::span<const Index> graph_ids) const;
  /// Everything, in the file's layout (local COO edges), validated.
  GraphCollection read_all() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Batches of graphs read from disk one at a time (hyperslab reads): memory stays O(batch).
///   BatchReader reader(file, 128);        // in file order; pass an order to shuffle
///   for (DatasetBatch b; reader.next(b);) train_step(b);
class BatchReader {
 public:
  /// `order` empty: 0 .. G-1. The file must outlive the reader.
  BatchReader(const DatasetFile& file, Index batch_size, std::vector<Index> order = {});
  /// Loads the next batch into `out`; false when all graphs have been read.
  bool next(DatasetBatch& out);
  /// Starts again from the first batch (optionally with a new order).
  void reset();
  void reset(std::vector<Index> order);
  Index num_batches() const;

 private:
  const DatasetFile* file_;
  Index batch_size_;
  std::vector<Index> order_;
  Index cursor_ = 0;
};

}  // namespace graphpool
