#!/usr/bin/python3
"""Joins the peer's timings (bench.py JSON lines) and graphpool's (Google Benchmark JSON) into one
markdown table: case, torch median, graphpool median, ratio, graphpool GB/s of x. With several
rounds (compare.sh --rounds R: peer, then graphpool, R times in turn), each side's time is the median
of its per-round medians, the ratio is the median of the per-round ratios, and a column lists every
round's ratio: a slow stretch of the machine then hits one round of both sides, not the whole run of
one side.

  /usr/bin/python3 bench/compare.py --groups a --peer peer.jsonl --graphpool bench_readouts.json
  /usr/bin/python3 bench/compare.py --groups b,d --rounds-dir OUT   # OUT/round_<i>/ of compare.sh --rounds
  /usr/bin/python3 bench/compare.py --groups a,b --list-binaries     # what compare.sh must run

Debian's /usr/bin/python3, standard library only. To add a group: add its benchmark program to
BINARIES and its rows to ROWS (peer case name as bench.py prints it -> graphpool benchmark name
without the /real_time suffix). A row whose either side is missing is printed with "-".
"""
import argparse
import json
import os
import statistics
import sys

# group -> graphpool benchmark programs (bench/<name>.cpp) that hold its cases
BINARIES = {
    "a": ["bench_readouts"],
    "b": ["bench_graph_pool"],
    "c": ["bench_pool2d", "bench_roi_pool"],  # CNN pooling (issue 7)
}

# group -> rows (label, peer case, graphpool benchmark). Several rows may share a peer case (the
# same torch timing against two graphpool forms) or a graphpool case (two torch forms).
ROWS = {
    "a": [
        ("sum fwd vs torch index_add", "readout_sum_fwd", "readout/sum_fwd"),
        ("sum fwd vs torch segment_reduce", "readout_sum_segment_fwd", "readout/sum_fwd"),
        ("sum fwd, graphpool tape (incl. leaf copy of x)", "readout_sum_fwd", "readout/sum_fwd_tape"),
        ("sum fwd+bwd", "readout_sum_fwd+bwd", "readout/sum_fwd_bwd"),
        ("sum fwd+bwd, graphpool tape", "readout_sum_fwd+bwd", "readout/sum_fwd_bwd_tape"),
        ("mean fwd vs torch index_add / count", "readout_mean_fwd", "readout/mean_fwd"),
        ("mean fwd vs torch segment_reduce", "readout_mean_segment_fwd", "readout/mean_fwd"),
        ("mean fwd, graphpool tape", "readout_mean_fwd", "readout/mean_fwd_tape"),
        ("mean fwd+bwd", "readout_mean_fwd+bwd", "readout/mean_fwd_bwd"),
        ("mean fwd+bwd, graphpool tape", "readout_mean_fwd+bwd", "readout/mean_fwd_bwd_tape"),
        ("max fwd vs torch scatter_reduce amax", "readout_max_fwd", "readout/max_fwd"),
        ("max fwd vs torch segment_reduce", "readout_max_segment_fwd", "readout/max_fwd"),
        ("max fwd, graphpool tape", "readout_max_fwd", "readout/max_fwd_tape"),
        ("max fwd+bwd vs torch scatter_reduce", "readout_max_fwd+bwd", "readout/max_fwd_bwd"),
        ("max fwd+bwd, graphpool tape", "readout_max_fwd+bwd", "readout/max_fwd_bwd_tape"),
        ("baseline: column sum x.sum(0)", "baseline_dense_colsum x.sum(0)", "baseline/colsum"),
    ],
    "b": [
        ("top-k pool fwd", "topk_pool_fwd", "graph_pool/topk_fwd"),
        ("top-k pool fwd+bwd", "topk_pool_fwd+bwd", "graph_pool/topk_fwd_bwd"),
        ("SAGPool fwd (incl. GCN normalisation)", "sag_pool_fwd", "graph_pool/sag_fwd"),
        ("SAGPool fwd+bwd", "sag_pool_fwd+bwd", "graph_pool/sag_fwd_bwd"),
        ("GCN normalisation vs torch COO", "gcn_norm_coo", "graph_pool/gcn_norm"),
        ("GCN normalisation vs torch CSR", "gcn_norm_csr", "graph_pool/gcn_norm"),
        ("GCN layer 128->128 fwd vs torch COO", "gcn_layer_coo_fwd", "graph_pool/gcn_fwd"),
        ("GCN layer fwd+bwd vs torch COO", "gcn_layer_coo_fwd+bwd", "graph_pool/gcn_fwd_bwd"),
        ("GCN layer fwd+bwd vs torch CSR", "gcn_layer_csr_fwd+bwd", "graph_pool/gcn_fwd_bwd"),
    ],
}

# group c: (label, torch NCHW case, torch channels-last case or None, graphpool benchmark); the
# ratio is against torch's better (faster) layout. Benchmark names are the peer's case names.
_WINDOW = [(f"{op} {k}", f"{op}_{k}_{ph}", f"{op}_{k}_nhwc_{ph}", f"{op}_{k}_{ph}")
           for op in ("max_pool2d", "avg_pool2d") for k in ("k2s2p0", "k3s2p1")
           for ph in ("fwd", "fwd+bwd")]
ROWS_C = [(f"{label} {case.rsplit('_', 1)[1]}", case, nhwc, gp) for label, case, nhwc, gp in _WINDOW] + [
    ("lp_pool2d p2 k2s2 fwd", "lp_pool2d_p2_k2s2_fwd", None, "lp_pool2d_p2_k2s2_fwd"),
    ("mixed_pool2d k2s2 fwd", "mixed_pool2d_k2s2_fwd", None, "mixed_pool2d_k2s2_fwd"),
    ("softmax_pool2d k2s2 fwd", "softmax_pool2d_k2s2_fwd", None, "softmax_pool2d_k2s2_fwd"),
    ("global_avg_pool2d fwd", "global_avg_pool2d_fwd", None, "global_avg_pool2d_fwd"),
    ("global_avg_pool2d fwd+bwd", "global_avg_pool2d_fwd+bwd", None, "global_avg_pool2d_fwd+bwd"),
    ("global_max_pool2d fwd", "global_max_pool2d_fwd", None, "global_max_pool2d_fwd"),
    ("roi_max_pool2d fwd vs torchvision", "roi_max_pool2d_fwd torchvision", None, "roi_max_pool2d_fwd"),
    ("roi_max_pool2d fwd (alloc) vs torchvision", "roi_max_pool2d_fwd torchvision", None,
     "roi_max_pool2d_fwd/alloc"),
    ("roi_max_pool2d fwd vs ops.py loops", "roi_max_pool2d_fwd (python loops)", None, "roi_max_pool2d_fwd"),
    ("roi_max_pool2d fwd+bwd (no peer case)", None, None, "roi_max_pool2d_fwd+bwd"),
    ("roi_max_pool2d fwd+bwd, graphpool tape", None, None, "roi_max_pool2d_fwd+bwd/tape"),
    ("spatial_pyramid_pool2d 1,2,4 fwd", "spatial_pyramid_pool2d_1_2_4_fwd", None,
     "spatial_pyramid_pool2d_1_2_4_fwd"),
    ("baseline: dense x.sum()", "baseline_dense_sum x.sum()", None, "baseline_dense_sum"),
    ("baseline: copy (torch x.clone())", "baseline_copy x.clone()", None, "baseline_copy"),
]
ROWS["c"] = []  # group c has its own table (two torch layouts): table_c

# group d: one SAGPool_h training epoch on PROTEINS (peer sagpool_h.py time_epochs: batch 128,
# shuffled, collate + forward + backward + Adam, median of 5 epochs after a warm-up epoch)
BINARIES["d"] = ["bench_train_epoch"]
ROWS["d"] = [
    ("SAGPool_h training epoch, PROTEINS (1,113 graphs)", "sagpool_h_train_epoch",
     "train_epoch/sagpool_h_proteins/iterations:1"),  # one epoch per iteration
]

# group e: issue-8 readouts; peer bench/peer_aggregations.py (run by compare.sh), agg_* cases
BINARIES["e"] = ["bench_aggregations"]
ROWS["e"] = [
    ("softmax (learnable t) fwd, kernel", "agg_softmax_fwd", "agg/softmax_fwd"),
    ("softmax (learnable t) fwd, tape", "agg_softmax_fwd", "agg/softmax_fwd_tape"),
    ("softmax (learnable t) fwd+bwd, tape", "agg_softmax_fwd+bwd", "agg/softmax_fwd_bwd_tape"),
    ("power-mean (learnable p) fwd, kernel", "agg_powermean_fwd", "agg/powermean_fwd"),
    ("power-mean (learnable p) fwd, tape", "agg_powermean_fwd", "agg/powermean_fwd_tape"),
    ("power-mean (learnable p) fwd+bwd, tape", "agg_powermean_fwd+bwd", "agg/powermean_fwd_bwd_tape"),
    ("var fwd, kernel", "agg_var_fwd", "agg/var_fwd"),
    ("var fwd, tape", "agg_var_fwd", "agg/var_fwd_tape"),
    ("var fwd+bwd, tape", "agg_var_fwd+bwd", "agg/var_fwd_bwd_tape"),
    ("std fwd, kernel", "agg_std_fwd", "agg/std_fwd"),
    ("std fwd, tape", "agg_std_fwd", "agg/std_fwd_tape"),
    ("std fwd+bwd, tape", "agg_std_fwd+bwd", "agg/std_fwd_bwd_tape"),
    ("attentional (gate Linear(F,1)) fwd, tape", "agg_attention_fwd", "agg/attention_fwd_tape"),
    ("attentional (gate Linear(F,1)) fwd+bwd, tape", "agg_attention_fwd+bwd", "agg/attention_fwd_bwd_tape"),
    ("Set2Set (3 steps) fwd, tape", "agg_set2set_fwd", "agg/set2set_fwd_tape"),
    ("Set2Set (3 steps) fwd+bwd, tape", "agg_set2set_fwd+bwd", "agg/set2set_fwd_bwd_tape"),
    ("sort pooling (k=30) fwd, tape", "agg_sort_fwd", "agg/sort_fwd_tape"),
    ("sort pooling (k=30) fwd+bwd, tape", "agg_sort_fwd+bwd", "agg/sort_fwd_bwd_tape"),
    ("weight-and-sum fwd, tape", "agg_weight_and_sum_fwd", "agg/weight_and_sum_fwd_tape"),
    ("weight-and-sum fwd+bwd, tape", "agg_weight_and_sum_fwd+bwd", "agg/weight_and_sum_fwd_bwd_tape"),
    ("multi (mean, max, std) fwd, tape", "agg_multi_fwd", "agg/multi_fwd_tape"),
    ("multi (mean, max, std) fwd+bwd, tape", "agg_multi_fwd+bwd", "agg/multi_fwd_bwd_tape"),
    ("baseline: tape leaf copy of x (paid by every tape row)", "-", "baseline/leaf_copy"),
]

UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def read_peer(paths):
    """case -> record, from bench.py's JSON lines (non-JSON lines are skipped)."""
    cases = {}
    for path in paths:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                record = json.loads(line)
                if "median_s" in record:
                    cases[record["case"]] = record
    return cases


def read_graphpool(paths):
    """benchmark name -> {"median_s", "gbps"} from Google Benchmark JSON (median aggregates, or the
    median of the plain runs when aggregates are absent)."""
    runs, medians = {}, {}
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        for b in doc.get("benchmarks", []):
            name = b.get("run_name", b["name"])
            for suffix in ("/real_time", "/process_time"):
                if name.endswith(suffix):
                    name = name[: -len(suffix)]
            seconds = b["real_time"] * UNIT_SECONDS[b.get("time_unit", "ns")]
            entry = {"median_s": seconds, "gbps": b.get("bytes_per_second", 0.0) / 1e9}
            if b.get("run_type") == "aggregate":
                if b.get("aggregate_name") == "median":
                    medians[name] = entry
            else:
                runs.setdefault(name, []).append(entry)
    for name, entries in runs.items():
        if name not in medians:
            entries.sort(key=lambda e: e["median_s"])
            medians[name] = entries[len(entries) // 2]
    return medians


def fmt_time(seconds):
    if seconds is None:
        return "-"
    ms = seconds * 1e3
    return f"{ms:.3g} ms" if ms < 100 else f"{ms:.0f} ms"


def plain_rows(groups):
    """(label, [peer case], graphpool case) of the groups other than c."""
    return [(f"{group}. {label}", [peer_case], gp_case)
            for group in groups if group != "c" for label, peer_case, gp_case in ROWS[group]]


def c_rows():
    """(label, [NCHW peer case, channels-last peer case], graphpool case): the ratio takes the faster
    torch form."""
    return [(f"c. {label}", [nchw, nhwc], gp_case) for label, nchw, nhwc, gp_case in ROWS_C]


def row_times(peer_cases, gp_case, peer, graphpool):
    """[torch time of each peer case], graphpool time, graphpool GB/s (None where missing)."""
    torch_times = [peer[c]["median_s"] if c and c in peer else None for c in peer_cases]
    g = graphpool.get(gp_case)
    return torch_times, (g["median_s"] if g else None), (g["gbps"] if g else None)


def ratio_of(torch_times, t_gp):
    known = [t for t in torch_times if t]
    return min(known) / t_gp if known and t_gp else None


def median(values):
    """statistics.median of the known values (None where a side is missing), or None."""
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def table(rows, rounds, torch_headers):
    """rows: (label, peer cases, graphpool case); rounds: [(peer, graphpool)] of each round."""
    several = len(rounds) > 1
    header = ["case"] + torch_headers + ["graphpool median",
                                          "ratio (torch / graphpool)" if len(torch_headers) == 1
                                          else "ratio (better torch / graphpool)"]
    if several:
        header.append("ratio in each round")
    header.append("graphpool GB/s of x")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, peer_cases, gp_case in rows:
        per_round = [row_times(peer_cases, gp_case, peer, graphpool) for peer, graphpool in rounds]
        torch_medians = [median([r[0][i] for r in per_round]) for i in range(len(peer_cases))]
        t_gp = median([r[1] for r in per_round])
        ratios = [ratio_of(r[0], r[1]) for r in per_round]
        ratio = median(ratios) if several else ratio_of(torch_medians, t_gp)
        gbps = median([r[2] for r in per_round])
        cells = [label] + [fmt_time(t) for t in torch_medians] + [fmt_time(t_gp),
                                                                  f"{ratio:.1f}x" if ratio else "-"]
        if several:
            cells.append(", ".join(f"{r:.1f}" if r else "-" for r in ratios))
        cells.append(f"{gbps:.1f}" if gbps else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def read_round_trips(directory):
    """{"peer": ns, "graphpool": ns} from core_round_trip.txt (compare.sh), or {}."""
    path = os.path.join(directory, "core_round_trip.txt")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {side: float(ns) for side, ns in (line.split() for line in f if len(line.split()) == 2)}


def round_trip_line(directories):
    """One line: the two vCPUs' round trip before the peer / before graphpool, per round."""
    trips = [read_round_trips(d) for d in directories]
    if not any(trips):
        return ""
    cells = [f"{t.get('peer', 0):.0f}/{t.get('graphpool', 0):.0f}" if t else "-" for t in trips]
    return ("\nvCPU cache-line round trip in ns before the peer / before graphpool, per round "
            "(bench_core_round_trip; ~50: the vCPUs share an L3, ~350: they do not): " + ", ".join(cells))


def round_directories(rounds_dir):
    names = sorted((d for d in os.listdir(rounds_dir) if d.startswith("round_")),
                   key=lambda d: int(d.split("_")[1]))
    return [os.path.join(rounds_dir, name) for name in names]


def read_rounds(directories):
    """[(peer, graphpool)] from each round_<i>/ directory (peer.jsonl and the programs' JSON)."""
    rounds = []
    for directory in directories:
        files = sorted(os.listdir(directory))
        rounds.append((read_peer([os.path.join(directory, f) for f in files if f.endswith(".jsonl")]),
                       read_graphpool([os.path.join(directory, f) for f in files
                                       if f.endswith(".json")])))
    return rounds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", default="a")
    parser.add_argument("--peer", nargs="*", default=[], help="bench.py JSON-lines output files")
    parser.add_argument("--graphpool", nargs="*", default=[], help="Google Benchmark JSON files")
    parser.add_argument("--rounds-dir", help="a directory of round_<i>/ (compare.sh --rounds): "
                                             "instead of --peer and --graphpool")
    parser.add_argument("--list-binaries", action="store_true",
                        help="print the benchmark programs of --groups, one per line, and exit")
    args = parser.parse_args()
    groups = [g for g in args.groups.split(",") if g]
    unknown = [g for g in groups if g not in ROWS]
    if unknown:
        sys.exit(f"compare.py: no graphpool mapping for group(s) {','.join(unknown)}; "
                 f"known: {','.join(sorted(ROWS))}")
    if args.list_binaries:
        seen = []
        for g in groups:
            seen += [b for b in BINARIES[g] if b not in seen]
        print("\n".join(seen))
        return
    if args.rounds_dir:
        directories = round_directories(args.rounds_dir)
        if not directories:
            sys.exit(f"compare.py: no round_<i> directories in {args.rounds_dir}")
        rounds = read_rounds(directories)
    else:
        rounds = [(read_peer(args.peer), read_graphpool(args.graphpool))]
        directories = [os.path.dirname(os.path.abspath(p)) for p in args.peer[:1]]
    plain = [g for g in groups if g != "c"]
    if plain:
        print(table(plain_rows(plain), rounds, ["torch median"]))
    if "c" in groups:
        print(("\n" if plain else "") +
              table(c_rows(), rounds, ["torch NCHW median", "torch channels-last median"]))
    line = round_trip_line(directories)
    if line:
        print(line)


if __name__ == "__main__":
    main()
