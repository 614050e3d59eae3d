#!/bin/sh
# Side-by-side timings: the peer (PyTorch, ../shared/peer/bench.py) and graphpool's Google
# Benchmark programs in one run, joined into one markdown table by bench/compare.py.
#
#   bench/compare.sh                                   # group a (readouts), build dir ./build
#   bench/compare.sh --groups a --build-dir build-readout --repetitions 9
#   bench/compare.sh --malloc-reuse                    # both sides keep freed memory (no page faults)
#   bench/compare.sh --groups b,d --rounds 5           # peer, graphpool, peer, ... 5 times in turn
#
# Options:
#   --groups a[,b,c]     peer groups to run; each needs a mapping in bench/compare.py
#                        (e: issue-8 readouts, peer bench/peer_aggregations.py; d: SAGPool_h epoch
#                        on PROTEINS, the peer's accuracy part cut to 1 seed x 1 epoch)
#   --build-dir DIR      where bench/<name> programs are built (default: <repo>/build)
#   --repetitions N      Google Benchmark repetitions, median reported (default 9; the peer's
#                        --repeats is 9 as well)
#   --rounds R           run the peer and graphpool R times in turn (default 1); the table gives
#                        the median over rounds of each side and of the per-round ratios, and
#                        every round's ratio (a slow stretch of a shared machine then hits one
#                        round of both sides instead of the whole run of one side); each
#                        round also records the two vCPUs' cache-line round trip before each
#                        side (bench_core_round_trip, if built), printed under the table
#   --malloc-reuse       run both sides with glibc keeping freed memory (MALLOC_MMAP_THRESHOLD_ etc.,
#                        see ../shared/peer/README.md), so per-call allocations of large outputs do
#                        not pay first-touch page faults
#   --out DIR            keep the raw outputs there (default: a temporary directory)
# Run from anywhere; the peer is expected at <repo>/../shared/peer.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
groups=a
build_dir="$root/build"
repetitions=9
rounds=1
malloc_reuse=0
out_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --groups) groups=$2; shift 2 ;;
    --build-dir) build_dir=$(cd "$2" && pwd); shift 2 ;;
    --repetitions) repetitions=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --malloc-reuse) malloc_reuse=1; shift ;;
    --out) out_dir=$2; shift 2 ;;
    -h|--help) sed -n '2,/^# Run from anywhere/p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

python=/usr/bin/python3
peer="$root/../shared/peer/bench.py"
[ -f "$peer" ] || { echo "compare.sh: peer not found at $peer" >&2; exit 1; }

# The peer needs Debian's torch and numpy, and OpenBLAS (else torch falls back to netlib BLAS).
if ! "$python" -c 'import torch, numpy' 2>/dev/null || ! dpkg -s libopenblas0-openmp >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "compare.sh: installing python3-torch python3-numpy libopenblas0-openmp" >&2
    apt-get install -y python3-torch python3-numpy libopenblas0-openmp >&2
  else
    echo "compare.sh: run as root, or: apt-get install -y python3-torch python3-numpy libopenblas0-openmp" >&2
    exit 1
  fi
fi

binaries=$("$python" "$root/bench/compare.py" --groups "$groups" --list-binaries)
for b in $binaries; do
  [ -x "$build_dir/bench/$b" ] || { echo "compare.sh: $build_dir/bench/$b missing; build it: ninja -C $build_dir $b" >&2; exit 1; }
done

if [ -z "$out_dir" ]; then
  out_dir=$(mktemp -d /tmp/graphpool_compare.XXXXXX)
fi
mkdir -p "$out_dir"

if [ "$malloc_reuse" -eq 1 ]; then
  export MALLOC_MMAP_THRESHOLD_=2147483647 MALLOC_TRIM_THRESHOLD_=4294967295 MALLOC_TOP_PAD_=536870912
fi

# the machine's state before each side (bench/bench_core_round_trip.cpp): "<side> <ns>" lines
round_trip() {  # $1: side, $2: file
  if [ -x "$build_dir/bench/bench_core_round_trip" ]; then
    echo "$1 $("$build_dir/bench/bench_core_round_trip" --benchmark_min_time=0.05 2>/dev/null |
      sed -n 's/.*round_trip_ns=\([0-9.]*\).*/\1/p')" >> "$2"
  fi
}

# group e (issue-8 readouts) has its peer in this repo: bench/peer_aggregations.py
peer_groups=$(echo "$groups" | tr ',' '\n' | grep -vx e | paste -sd, -)

run_round() {  # $1: the directory of this round's outputs
  : > "$1/core_round_trip.txt"
  round_trip peer "$1/core_round_trip.txt"
  echo "compare.sh: peer --groups $groups" >&2
  : > "$1/peer.jsonl"
  if [ -n "$peer_groups" ]; then
    # group d: only the epoch time is compared; skip the peer's 3 x 100-epoch accuracy estimate
    "$python" "$peer" --groups "$peer_groups" --repeats "$repetitions" --seeds 1 --epochs 1 \
      >> "$1/peer.jsonl"
  fi
  case ",$groups," in
    *,e,*) "$python" "$root/bench/peer_aggregations.py" --repeats "$repetitions" >> "$1/peer.jsonl" ;;
  esac
  round_trip graphpool "$1/core_round_trip.txt"
  for b in $binaries; do
    echo "compare.sh: graphpool $b" >&2
    "$build_dir/bench/$b" --benchmark_repetitions="$repetitions" --benchmark_report_aggregates_only=true \
      --benchmark_out="$1/$b.json" --benchmark_out_format=json > "$1/$b.txt"
  done
}

if [ "$rounds" -eq 1 ]; then
  run_round "$out_dir"
  inputs="--peer $out_dir/peer.jsonl --graphpool"
  for b in $binaries; do inputs="$inputs $out_dir/$b.json"; done
else
  for i in $(seq "$rounds"); do
    echo "compare.sh: round $i of $rounds" >&2
    mkdir -p "$out_dir/round_$i"
    run_round "$out_dir/round_$i"
  done
  inputs="--rounds-dir $out_dir"
fi

echo "Groups $groups; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg); malloc reuse: $malloc_reuse;"
echo "medians of $repetitions runs each, $rounds round(s); raw outputs in $out_dir"
echo
# shellcheck disable=SC2086
"$python" "$root/bench/compare.py" --groups "$groups" $inputs
