// libFuzzer harness of the TU text reader (io/tu_reader: read_tu_texts, the in-memory twin of
// read_tu). Input: one byte of options, then the files as parts separated by '\0', each part a
// tag byte and the file's text:
//   I graph_indicator   G graph_labels   A A   N node_labels   X node_attributes
//   E edge_labels       F edge_attributes     (other tags: ignored; a repeated tag: last wins)
// Corpus: fuzz/corpus/tu_reader (slices of real TU datasets, fuzz/make_tu_seeds.py).
#include <cstdint>
#include <map>
#include <string>

#include "core/errors.hpp"
#include "fuzz/fuzz_common.hpp"
#include "io/tu_reader.hpp"

namespace {

const char* suffix_of(char tag) {
  switch (tag) {
    case 'I':
      return "graph_indicator";
    case 'G':
      return "graph_labels";
    case 'A':
      return "A";
    case 'N':
      return "node_labels";
    case 'X':
      return "node_attributes";
    case 'E':
      return "edge_labels";
    case 'F':
      return "edge_attributes";
    default:
      return nullptr;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace graphpool;
  if (size < 1) return 0;
  const std::uint8_t o = data[0];
  TuOptions options;
  options.node_features(static_cast<NodeFeatures>(o % 3))
      .edge_features(static_cast<EdgeFeatures>((o / 3) % 4))
      .self_loops((o & 0x10) ? SelfLoops::kKeep : SelfLoops::kDrop)
      .duplicates((o & 0x20) ? Duplicates::kKeep : Duplicates::kMerge);

  std::map<std::string, std::string> files;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (std::size_t begin = 0; begin <= text.size();) {
    std::size_t end = text.find('\0', begin);
    if (end == std::string::npos) end = text.size();
    if (end > begin)
      if (const char* suffix = suffix_of(text[begin]))
        files[suffix] = text.substr(begin + 1, end - begin - 1);
    begin = end + 1;
  }

  GraphCollection c;
  TuStats stats;
  try {
    c = read_tu_texts(files, "FUZZ", options, &stats);
  } catch (const Error&) {
    return 0;  // a malformed input, reported as documented
  }
  // What read_tu returns is a valid collection whose edges add up with the stats.
  try {
    c.validate();
  } catch (const Error& e) {
    fuzz::broken(std::string("read_tu returned an invalid collection: ") + e.what());
  }
  Index expected = stats.raw_edges - stats.self_loops_dropped - stats.duplicates_merged;
  if (expected != c.num_edges())
    fuzz::broken("read_tu: " + std::to_string(c.num_edges()) + " edges, stats say " +
                 std::to_string(expected));
  if (c.edge_attr && c.edge_attr->dim(0) != c.num_edges()) fuzz::broken("edge_attr rows");
  return 0;
}
