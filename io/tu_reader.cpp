#include "io/tu_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include "core/errors.hpp"

namespace graphpool {

namespace {

std::string str(Index v) {
  return std::to_string(v);
}

/// A whole file in memory; `label` is the file name used in messages ("PROTEINS_A.txt").
struct TextFile {
  std::string label;
  std::string text;
};

[[noreturn]] void fail(const TextFile& f, Index line, const std::string& what) {
  throw IoError(f.label + " line " + str(line) + ": " + what);
}

TextFile read_text(const std::string& path, const std::string& label) {
  TextFile f{label, {}};
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) throw IoError(label + ": cannot open " + path + ": " + std::strerror(errno));
  char buffer[1 << 16];
  std::size_t n;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec) f.text.reserve(static_cast<std::size_t>(size));
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) f.text.append(buffer, n);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) throw IoError(label + ": read error on " + path);
  return f;
}

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}
const char* skip_blank(const char* p, const char* end) {
  while (p < end && blank(*p)) ++p;
  return p;
}
bool only_whitespace(const char* p, const char* end) {
  for (; p < end; ++p)
    if (!blank(*p) && *p != '\n') return false;
  return true;
}
/// The field starting at p, for messages (up to the next separator, at most 24 characters).
std::string token_at(const char* p, const char* end) {
  const char* q = p;
  while (q < end && *q != ',' && *q != '\n' && q - p < 24) ++q;
  while (q > p && blank(q[-1])) --q;
  return std::string(p, q);
}

/// A rows x cols table of numbers, row-major.
template <class T>
struct Table {
  std::vector<T> values;
  Index rows = 0;
  Index cols = 0;
  T operator()(Index r, Index c) const { return values[static_cast<std::size_t>(r * cols + c)]; }
};

/// Parses comma-separated numbers, one row per line; every row must have `expected_cols` fields
/// (or as many as the first row when expected_cols < 0). Blank lines are allowed only at the end.
/// Integers are int64; floats are parsed as double and rounded to float (as PyG's reader does).
template <class T>
Table<T> parse_table(const TextFile& f, Index expected_cols) {
  constexpr bool kFloat = std::is_floating_point_v<T>;
  const char* p = f.text.data();
  const char* end = p + f.text.size();
  Table<T> t;
  const auto lines = static_cast<std::size_t>(std::count(p, end, '\n')) + 1;
  t.values.reserve(lines * static_cast<std::size_t>(expected_cols > 0 ? expected_cols : 1));
  Index line = 1;
  while (p < end) {
    p = skip_blank(p, end);
    if (p == end || *p == '\n') {
      if (only_whitespace(p, end)) break;
      fail(f, line, "empty line");
    }
    Index col = 0;
    while (true) {
      const char* field = p;
      ++col;
      std::conditional_t<kFloat, double, Index> v{};
      const auto [ptr, ec] = std::from_chars(p, end, v);
      if (ec == std::errc::result_out_of_range)
        fail(f, line, "field " + str(col) + " '" + token_at(field, end) + "' is out of range");
      if (ec != std::errc()) {
        if (p == end || *p == ',' || *p == '\n') fail(f, line, "field " + str(col) + " is missing");
        fail(f, line,
             "field " + str(col) + " '" + token_at(field, end) + "' is not " +
                 (kFloat ? "a number" : "an integer"));
      }
      p = skip_blank(ptr, end);
      if (p < end && *p != ',' && *p != '\n')
        fail(f, line,
             "field " + str(col) + " '" + token_at(field, end) + "' is not " +
                 (kFloat ? "a number" : "an integer"));
      if constexpr (kFloat) {
        const auto value = static_cast<T>(v);
        if (!std::isfinite(value))
          fail(f, line,
               "field " + str(col) + " '" + token_at(field, end) +
                   "' is not a finite float32 value");
        t.values.push_back(value);
      } else {
        t.values.push_back(v);
      }
      if (p == end || *p == '\n') break;
      p = skip_blank(p + 1, end);  // past ','
      if (p == end || *p == '\n') fail(f, line, "field " + str(col + 1) + " is missing");
    }
    if (expected_cols < 0) expected_cols = col;
    if (col != expected_cols)
      fail(f, line, "expected " + str(expected_cols) + " comma-separated fields, got " + str(col));
    ++t.rows;
    if (p < end) ++p;  // past '\n'
    ++line;
  }
  if (t.rows == 0) fail(f, 1, "empty file");
  t.cols = expected_cols;
  return t;
}

/// Throws unless `table` has exactly `expected` rows (one per node / graph / edge of `owner`).
template <class T>
void check_rows(const TextFile& f, const Table<T>& table, Index expected, const char* what,
                const std::string& owner) {
  if (table.rows < expected)
    fail(f, table.rows + 1,
         std::string("missing: ") + owner + " has " + str(expected) + " " + what + ", this file " +
             str(table.rows) + " lines");
  if (table.rows > expected)
    fail(f, expected + 1,
         std::string("extra line: ") + owner + " has only " + str(expected) + " " + what);
}

/// One-hot columns of integer labels shifted by their minimum (PyG: one_hot(label - label.min())),
/// width max - min + 1. Returns the shifted labels and the width.
struct ShiftedLabels {
  std::vector<Index> labels;
  Index width = 0;
};
ShiftedLabels shift_labels(const TextFile& f, const Table<Index>& t) {
  constexpr Index kMaxWidth = Index(1) << 16;
  const auto [lo, hi] = std::minmax_element(t.values.begin(), t.values.end());
  ShiftedLabels out;
  // max - min in unsigned arithmetic: for labels near both ends of int64 it does not fit in one.
  const std::uint64_t span = static_cast<std::uint64_t>(*hi) - static_cast<std::uint64_t>(*lo);
  if (span >= static_cast<std::uint64_t>(kMaxWidth))
    fail(f, (hi - t.values.begin()) + 1,
         "labels span " + str(*lo) + " .. " + str(*hi) + ": a one-hot encoding would need more " +
             "than " + str(kMaxWidth) + " columns");
  out.width = static_cast<Index>(span) + 1;
  out.labels.resize(t.values.size());
  for (std::size_t i = 0; i < t.values.size(); ++i) out.labels[i] = t.values[i] - *lo;
  return out;
}

/// Where the files come from: a folder, or texts in memory. `exists(suffix)` says whether
/// <name>_<suffix>.txt is there, `read(suffix)` returns its text.
struct TuSource {
  std::string where;  ///< the folder (or "(memory)") for messages and GraphCollection::source
  std::function<bool(const char*)> exists;
  std::function<std::string(const char* suffix, const std::string& label)> read;
};

GraphCollection parse_tu(const TuSource& source, const std::string& name, const TuOptions& options,
                         TuStats* stats) {
  const std::string& dir = source.where;
  const auto label_of = [&](const char* suffix) { return name + "_" + suffix + ".txt"; };
  const auto exists = [&](const char* suffix) { return source.exists(suffix); };
  const auto load = [&](const char* suffix, const char* why) {
    if (!exists(suffix)) throw IoError(dir + ": missing " + label_of(suffix) + " (" + why + ")");
    return TextFile{label_of(suffix), source.read(suffix, label_of(suffix))};
  };

  GraphCollection c;
  c.name = name;
  c.source = "TU text format: " + dir;

  // Graph indicator: graph id (1-based) of every node; ids start at 1 and grow by 0 or 1.
  const TextFile gi = load("graph_indicator", "required");
  const Table<Index> ind = parse_table<Index>(gi, 1);
  const Index N = ind.rows;
  std::vector<Index> graph_of(static_cast<std::size_t>(N));
  for (Index i = 0; i < N; ++i) {
    const Index v = ind.values[i];
    const Index prev = i == 0 ? 0 : ind.values[i - 1];
    if (i == 0 && v != 1) fail(gi, 1, "graph ids must start at 1, got " + str(v));
    if (v < prev)
      fail(gi, i + 1,
           "graph id " + str(v) + " after " + str(prev) + ": graph ids must be nondecreasing");
    if (v > prev + 1)
      fail(gi, i + 1,
           "graph id " + str(v) + " after " + str(prev) + ": graph ids must be contiguous (graph " +
               str(prev + 1) + " has no nodes)");
    graph_of[i] = v - 1;
  }
  const Index G = ind.values.back();
  c.node_ptr.assign(static_cast<std::size_t>(G + 1), 0);
  for (Index i = 0; i < N; ++i) ++c.node_ptr[graph_of[i] + 1];
  for (Index g = 0; g < G; ++g) c.node_ptr[g + 1] += c.node_ptr[g];
  const std::string graphs_owner = gi.label;

  // Graph labels: class c = rank of the label among the sorted distinct values.
  const TextFile gl = load("graph_labels", "required");
  const Table<Index> labels = parse_table<Index>(gl, 1);
  check_rows(gl, labels, G, "graphs", graphs_owner);
  c.label_values = labels.values;
  std::sort(c.label_values.begin(), c.label_values.end());
  c.label_values.erase(std::unique(c.label_values.begin(), c.label_values.end()),
                       c.label_values.end());
  c.num_classes = static_cast<Index>(c.label_values.size());
  c.y.resize(static_cast<std::size_t>(G));
  for (Index g = 0; g < G; ++g)
    c.y[g] = std::lower_bound(c.label_values.begin(), c.label_values.end(), labels.values[g]) -
             c.label_values.begin();

  // Adjacency: "row, col" per line, 1-based node ids, both ends in the same graph.
  const TextFile af = load("A", "required");
  const Table<Index> A = parse_table<Index>(af, 2);
  const Index M = A.rows;
  for (Index e = 0; e < M; ++e) {
    const Index s = A(e, 0), t = A(e, 1);
    for (const Index v : {s, t}) {
      if (v < 1) fail(af, e + 1, "node id " + str(v) + " < 1 (TU node ids are 1-based)");
      if (v > N) fail(af, e + 1, "node id " + str(v) + " > " + str(N) + " nodes");
    }
    if (graph_of[s - 1] != graph_of[t - 1])
      fail(af, e + 1,
           "edge " + str(s) + ", " + str(t) + " joins graph " + str(graph_of[s - 1] + 1) +
               " and graph " + str(graph_of[t - 1] + 1));
  }

  // Node labels (one-hot) and node attributes -> x = [attributes, one-hot labels] (PyG's order).
  const NodeFeatures nf = options.node_features_;
  const bool want_labels = nf == NodeFeatures::kLabels || nf == NodeFeatures::kBoth;
  const bool want_attrs = nf == NodeFeatures::kAttributes || nf == NodeFeatures::kBoth;
  ShiftedLabels node_labels;
  if (want_labels || exists("node_labels")) {
    const TextFile f = load("node_labels", "needed for node features from labels");
    const Table<Index> t = parse_table<Index>(f, 1);
    check_rows(f, t, N, "nodes", graphs_owner);
    node_labels = shift_labels(f, t);
    c.node_labels = node_labels.labels;
  }
  Table<float> node_attrs;
  if (want_attrs) {
    const TextFile f = load("node_attributes", "needed for node features from attributes");
    node_attrs = parse_table<float>(f, -1);
    check_rows(f, node_attrs, N, "nodes", graphs_owner);
  }
  const Index Da = want_attrs ? node_attrs.cols : 0;
  const Index Wl = want_labels ? node_labels.width : 0;
  c.x = Tensor<float>(Shape{N, Da + Wl});
  for (Index i = 0; i < N; ++i) {
    for (Index d = 0; d < Da; ++d) c.x(i, d) = node_attrs(i, d);
    if (want_labels) c.x(i, Da + node_labels.labels[i]) = 1.f;
  }

  // Edge features per raw edge: [attributes, one-hot labels].
  const EdgeFeatures ef = options.edge_features_;
  const bool want_edge_labels = ef == EdgeFeatures::kLabels || ef == EdgeFeatures::kBoth;
  const bool want_edge_attrs = ef == EdgeFeatures::kAttributes || ef == EdgeFeatures::kBoth;
  Table<float> edge_attrs;
  ShiftedLabels edge_labels;
  if (want_edge_attrs) {
    const TextFile f = load("edge_attributes", "needed for edge features from attributes");
    edge_attrs = parse_table<float>(f, -1);
    check_rows(f, edge_attrs, M, "edges", af.label);
  }
  if (want_edge_labels) {
    const TextFile f = load("edge_labels", "needed for edge features from labels");
    const Table<Index> t = parse_table<Index>(f, 1);
    check_rows(f, t, M, "edges", af.label);
    edge_labels = shift_labels(f, t);
  }
  const Index De =
      (want_edge_attrs ? edge_attrs.cols : 0) + (want_edge_labels ? edge_labels.width : 0);
  const bool has_edge_features = ef != EdgeFeatures::kNone;
  const auto add_edge_features = [&](Index raw, float* row) {
    const Index Dea = want_edge_attrs ? edge_attrs.cols : 0;
    for (Index d = 0; d < Dea; ++d) row[d] += edge_attrs(raw, d);
    if (want_edge_labels) row[Dea + edge_labels.labels[raw]] += 1.f;
  };

  // Coalesce as PyG: drop u -> u, order edges by (source, target) with a stable counting sort by
  // source, then sort each source's targets; equal (source, target) merge into the first,
  // edge features summed.
  TuStats st;
  st.raw_edges = M;
  std::vector<Index> row_ptr(static_cast<std::size_t>(N + 1), 0);
  for (Index e = 0; e < M; ++e) {
    if (options.self_loops_ == SelfLoops::kDrop && A(e, 0) == A(e, 1)) {
      ++st.self_loops_dropped;
      continue;
    }
    ++row_ptr[A(e, 0)];
  }
  for (Index i = 0; i < N; ++i) row_ptr[i + 1] += row_ptr[i];
  std::vector<Index> order(static_cast<std::size_t>(row_ptr[N]));
  {
    std::vector<Index> fill(row_ptr.begin(), row_ptr.end() - 1);
    for (Index e = 0; e < M; ++e) {
      if (options.self_loops_ == SelfLoops::kDrop && A(e, 0) == A(e, 1)) continue;
      order[fill[A(e, 0) - 1]++] = e;
    }
  }
  c.sources.reserve(order.size());
  c.targets.reserve(order.size());
  std::vector<Index> kept_raw;  // raw line of each kept edge
  kept_raw.reserve(order.size());
  std::vector<float> features;
  c.edge_ptr.assign(static_cast<std::size_t>(G + 1), 0);
  for (Index s = 0; s < N; ++s) {
    const auto lo = order.begin() + row_ptr[s], hi = order.begin() + row_ptr[s + 1];
    std::sort(lo, hi,
              [&](Index a, Index b) { return A(a, 1) != A(b, 1) ? A(a, 1) < A(b, 1) : a < b; });
    const Index g = graph_of[s];
    const Index base = c.node_ptr[g];
    for (auto it = lo; it != hi; ++it) {
      const Index t = A(*it, 1) - 1;
      const bool repeat = it != lo && A(it[-1], 1) - 1 == t;
      if (repeat && options.duplicates_ == Duplicates::kMerge) {
        ++st.duplicates_merged;
        if (has_edge_features) add_edge_features(*it, features.data() + features.size() - De);
        continue;
      }
      c.sources.push_back(s - base);
      c.targets.push_back(t - base);
      kept_raw.push_back(*it);
      ++c.edge_ptr[g + 1];
      if (has_edge_features) {
        features.resize(features.size() + static_cast<std::size_t>(De), 0.f);
        add_edge_features(*it, features.data() + features.size() - De);
      }
    }
  }
  for (Index g = 0; g < G; ++g) c.edge_ptr[g + 1] += c.edge_ptr[g];
  if (has_edge_features) c.edge_attr = Tensor<float>(Shape{c.num_edges(), De}, std::move(features));
  if (stats) *stats = st;
  return c;
}

}  // namespace

GraphCollection read_tu(const std::string& dir, const std::string& name, const TuOptions& options,
                        TuStats* stats) {
  const auto path_of = [&](const char* suffix) {
    return (std::filesystem::path(dir) / (name + "_" + suffix + ".txt")).string();
  };
  TuSource source;
  source.where = dir;
  source.exists = [&](const char* suffix) {
    std::error_code ec;
    return std::filesystem::is_regular_file(path_of(suffix), ec);
  };
  source.read = [&](const char* suffix, const std::string& label) {
    return read_text(path_of(suffix), label).text;
  };
  return parse_tu(source, name, options, stats);
}

GraphCollection read_tu_texts(const std::map<std::string, std::string>& files,
                              const std::string& name, const TuOptions& options, TuStats* stats) {
  TuSource source;
  source.where = "(memory)";
  source.exists = [&](const char* suffix) { return files.count(suffix) > 0; };
  source.read = [&](const char* suffix, const std::string&) { return files.at(suffix); };
  return parse_tu(source, name, options, stats);
}

}  // namespace graphpool
