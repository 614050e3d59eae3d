#!/usr/bin/env bash
# Interleaved A/B of two builds of one benchmark program on a noisy machine: each round runs A,
# then B, 3 repetitions each, and keeps each side's fastest; the rounds alternate so that a slow
# stretch of the machine hits both. Prints both lists, their medians and the median of the
# per-round ratios B/A (below 1: B is faster).
#   cp build/bench/bench_train_epoch /tmp/old    # before the change
#   bench/ab.sh 12 /tmp/old build/bench/bench_train_epoch
#   bench/ab.sh 8 /tmp/old build/bench/bench_graph_pool --benchmark_filter=gcn_fwd_bwd
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,8p' "$0" >&2; exit 2; }
rounds=$1 a=$2 b=$3
shift 3
fastest() {  # the fastest of 3 repetitions of the (one) selected case, in its time unit
  "$1" --benchmark_repetitions=3 "${@:2}" 2>/dev/null | awk '/real_time / {print $2}' | sort -g | head -1
}
for _ in $(seq "$rounds"); do
  echo "$(fastest "$a" "$@") $(fastest "$b" "$@")"
done | /usr/bin/python3 -c '
import statistics, sys
rows = [tuple(map(float, line.split())) for line in sys.stdin if line.strip()]
a, b = [r[0] for r in rows], [r[1] for r in rows]
print("A", a)
print("B", b)
print("median A %.4g  B %.4g  median ratio B/A %.3f"
      % (statistics.median(a), statistics.median(b), statistics.median([y / x for x, y in rows])))
'
