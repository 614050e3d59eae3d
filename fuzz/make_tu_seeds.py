#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_tu_reader: the first graphs of real TU datasets, packed in the
harness's input format (one option byte, then '\\0'-separated parts, each a tag byte + the text).
  fuzz/make_tu_seeds.py <repo>/data <shared TU dir> fuzz/corpus/tu_reader
"""
import os
import sys

TAGS = {"graph_indicator": b"I", "graph_labels": b"G", "A": b"A", "node_labels": b"N",
        "node_attributes": b"X", "edge_labels": b"E", "edge_attributes": b"F"}
MAX_BYTES = 1500  # keep seeds small: libFuzzer mutates small inputs much faster


def lines(path):
    with open(path) as f:
        return f.read().splitlines()


def slice_tu(folder, name, nodes):
    """The text of every file for the first `nodes` nodes (the graphs they start, the edges
    between them: the last graph may be cut to an induced subgraph)."""
    files = {}
    ind = lines(os.path.join(folder, f"{name}_graph_indicator.txt"))[:nodes]
    graphs = int(ind[-1])
    files["graph_indicator"] = ind
    files["graph_labels"] = lines(os.path.join(folder, f"{name}_graph_labels.txt"))[:graphs]
    a = lines(os.path.join(folder, f"{name}_A.txt"))
    keep = [i for i, row in enumerate(a)
            if max(int(row.split(",")[0]), int(row.split(",")[1])) <= nodes]
    files["A"] = [a[i] for i in keep]
    for suffix in ("node_labels", "node_attributes"):
        p = os.path.join(folder, f"{name}_{suffix}.txt")
        if os.path.exists(p):
            files[suffix] = lines(p)[:nodes]
    for suffix in ("edge_labels", "edge_attributes"):
        p = os.path.join(folder, f"{name}_{suffix}.txt")
        if os.path.exists(p):
            rows = lines(p)
            files[suffix] = [rows[i] for i in keep]
    return files


def pack(option, files):
    parts = [TAGS[k] + ("\n".join(v) + "\n").encode() for k, v in files.items()]
    return bytes([option]) + b"\0".join(parts)


def largest_slice(folder, name, option, extra=None):
    best = None
    for nodes in range(4, 400, 4):
        files = slice_tu(folder, name, nodes)
        if extra:
            extra(files)
        data = pack(option, files)
        if len(data) > MAX_BYTES and best is not None:
            break
        best = data
    return best


def main():
    data_dir, tu_dir, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    seeds = {}
    mutag = os.path.join(data_dir, "MUTAG")
    seeds["mutag_labels"] = largest_slice(mutag, "MUTAG", 0)
    seeds["mutag_edge_labels"] = largest_slice(mutag, "MUTAG", 3)  # edge_features kLabels

    def edge_attributes(files):  # no shared TU set has them: derive two columns from the ends
        files["edge_attributes"] = [f"{int(r.split(',')[0]) * 0.5}, -{r.split(',')[1].strip()}e-1"
                                    for r in files["A"]]
    seeds["mutag_edge_attrs_both"] = largest_slice(mutag, "MUTAG", 2 + 3 * 3, edge_attributes)
    seeds["mutag_keep_loops_dups"] = largest_slice(mutag, "MUTAG", 0x30)
    for name, option in (("ENZYMES", 2), ("PROTEINS", 1), ("DD", 0), ("NCI1", 0)):
        folder = os.path.join(tu_dir, name)
        if os.path.isdir(folder):
            seeds[name.lower()] = largest_slice(folder, name, option)
    for key, data in seeds.items():
        with open(os.path.join(out, key), "wb") as f:
            f.write(data)
        print(f"{key}: {len(data)} bytes")


if __name__ == "__main__":
    main()
