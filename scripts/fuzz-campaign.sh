#!/usr/bin/env bash
# Long fuzzing campaigns (issue 9: at least 10 million executions per harness) on a machine whose
# sessions end before a campaign does: the campaign is a series of segments over one persistent
# corpus, and the executions of all its segments add up.
#   scripts/fuzz-campaign.sh build                  # build-fuzz/: clang-14, -O2, UBSan + libFuzzer
#   scripts/fuzz-campaign.sh run dataset [runs]     # one segment (default: up to 10M runs), nice 19
#   scripts/fuzz-campaign.sh total dataset          # executions, coverage and findings so far
# Segments may also run side by side on one corpus (one per idle core): libFuzzer reloads the
# corpus directory every second, and their executions add up the same way. Stop one with SIGINT.
# The build has UBSan (UB aborts) but not ASan: the HDF5 harnesses run about 4x as fast without it
# (dataset ~940, checkpoint ~570 exec/s on an idle core, against ~260 and ~130), and CI's 60 s
# runs, the replays and the test suite keep ASan on everything. A segment runs a snapshot of the
# binary (build-fuzz/fuzz-long/image/), so a rebuild does not touch a running fuzzer.
# Files: build-fuzz/fuzz-long/<name>-corpus/ (corpus), <name>-<UTC start>.log (one per segment),
# <name>-finding-* (crashing inputs), status (segment starts and ends).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=build-fuzz
dir=$build_dir/fuzz-long

case "${1:-}" in
build)
  cmake -S . -B "$build_dir" -G Ninja \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -gline-tables-only -DNDEBUG -D_GLIBCXX_ASSERTIONS" \
    "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -gline-tables-only -DNDEBUG" \
    -DGRAPHPOOL_SANITIZE=undefined \
    -DGRAPHPOOL_SANITIZE_SKIP=alignment,null,object-size,vptr,pointer-overflow \
    -DGRAPHPOOL_FUZZ=ON -DGRAPHPOOL_BUILD_BENCH=OFF -DGRAPHPOOL_BUILD_TESTS=OFF \
    -DGRAPHPOOL_BUILD_APPS=OFF
  cmake --build "$build_dir" --target fuzz_dataset fuzz_checkpoint fuzz_tu_reader
  mkdir -p "$dir/image"
  cp "$build_dir"/fuzz/fuzz_{dataset,checkpoint,tu_reader} "$dir/image/"
  ;;
run)
  name=${2:?harness name: dataset, checkpoint or tu_reader}
  runs=${3:-10000000}
  binary=$dir/image/fuzz_$name
  [ -x "$binary" ] || { echo "fuzz-campaign: no $binary; run: $0 build" >&2; exit 1; }
  flags=(-max_len=512 -len_control=0)
  seeds=()
  if [ "$name" = tu_reader ]; then
    flags=(-dict=fuzz/tu_reader.dict)
    seeds=(fuzz/corpus/tu_reader)
  fi
  mkdir -p "$dir/$name-corpus"
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  echo "$stamp start $name runs=$runs" >> "$dir/status"
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  rc=0
  # Its own session, whose autogroup gets nice 19 too: with the kernel's autogroup scheduling a
  # plain `nice -n 19` only ranks processes within their session, and a fuzzer started from
  # another session takes a full core from builds and benchmarks.
  setsid -w bash -c 'echo 19 > /proc/self/autogroup 2> /dev/null; exec nice -n 19 "$@"' fuzz \
    "$binary" -runs="$runs" -print_final_stats=1 "${flags[@]}" \
    -artifact_prefix="$dir/$name-finding-" "$dir/$name-corpus" "${seeds[@]}" \
    > "$dir/$name-$stamp.log" 2>&1 || rc=$?
  echo "$(date -u +%FT%TZ) end $name rc=$rc" >> "$dir/status"
  exit $rc
  ;;
total)
  name=${2:?harness name}
  total=0
  for log in "$dir/$name"-2*.log; do
    [ -f "$log" ] || continue
    # a finished segment says "Done N runs", an interrupted one (SIGINT) prints its final stats;
    # a killed one counts up to its last status line
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    runs=$(grep -oE '^Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' || true)
    [ -n "$runs" ] || runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    [ -n "$runs" ] || runs=$(echo "$last" | grep -oE '^#[0-9]+' | tr -d '#' || true)
    runs=${runs:-0}
    echo "$log: $runs executions; last: ${last:0:90}"
    total=$((total + runs))
  done
  # a "slow unit" is also written when the fuzzer was paused (SIGSTOP during benchmarks):
  # replay it (binary + file) to tell a real slow input from a pause
  findings=$(find "$dir" -maxdepth 1 -name "$name-finding-*" ! -name '*slow-unit*' | wc -l)
  slow=$(find "$dir" -maxdepth 1 -name "$name-finding-slow-unit-*" | wc -l)
  echo "$name: $total executions in all; findings: $findings; slow units to replay: $slow"
  ;;
*)
  sed -n '2,15p' "$0" >&2
  exit 2
  ;;
esac
