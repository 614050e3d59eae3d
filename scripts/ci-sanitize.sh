#!/usr/bin/env bash
# CI step 2 (after scripts/test.sh): one clang-14 build with AddressSanitizer + UndefinedBehavior-
# Sanitizer (-O1, UB aborts) and libFuzzer coverage; runs the whole test suite in it, then each
# fuzz harness for GRAPHPOOL_FUZZ_SECONDS (60) from its seed corpus. Fails on any test failure,
# any sanitizer report (also from child processes: reports go to files that are checked) and
# any fuzzer finding. How to run the parts by hand: docs/reliability.md.
#   scripts/ci-sanitize.sh                       # build-asan/, all of it
#   GRAPHPOOL_FUZZ_SECONDS=10 scripts/ci-sanitize.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build_dir=${GRAPHPOOL_ASAN_BUILD_DIR:-build-asan}
fuzz_seconds=${GRAPHPOOL_FUZZ_SECONDS:-60}
start=$(date +%s)
elapsed() { echo "$(( $(date +%s) - start )) s"; }

# UBSan's pointer checks (alignment, null, object-size, vptr, pointer-overflow) overlap with ASan
# (a bad pointer is caught when it is used) and more than double the compile time of the Eigen
# kernels (core/ops.cpp: 28 s with ASan, 61 s with all of UBSan, ~32 s without these five), so
# CI leaves them out to stay under 30 minutes; every other UBSan check (signed overflow, shifts,
# bounds, float-cast overflow, division by zero, bool/enum loads, ...) is on and aborts.
ub_skip=${GRAPHPOOL_UB_SKIP-alignment,null,object-size,vptr,pointer-overflow}
cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG -D_GLIBCXX_ASSERTIONS" \
  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG" \
  -DGRAPHPOOL_SANITIZE=address,undefined -DGRAPHPOOL_SANITIZE_SKIP="$ub_skip" \
  -DGRAPHPOOL_FUZZ=ON -DGRAPHPOOL_BUILD_BENCH=OFF
cmake --build "$build_dir"
echo "ci-sanitize: built after $(elapsed)"

# Every report aborts its process and is also written to $reports/<tool>.<pid>, so a report in a
# child process (the CLI tests run the graphpool tool) fails CI even when the test only looked
# at the exit code.
reports=$root/$build_dir/sanitizer-reports
rm -rf "$reports" && mkdir -p "$reports"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=0:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
export LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp"
[ -x /usr/lib/llvm-14/bin/llvm-symbolizer ] &&
  export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer  # file:line in reports
check_reports() {
  if compgen -G "$reports/*" > /dev/null; then
    echo "ci-sanitize: sanitizer reports ($1):"
    cat "$reports"/*
    exit 1
  fi
}

# The consumer test installs graphpool and builds a separate project with the system compiler,
# which cannot link clang-sanitized libraries; it runs in the main build (scripts/test.sh).
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" -E '^Consumer\.'
check_reports "test suite"
echo "ci-sanitize: tests passed after $(elapsed)"

# Fuzzing: a fresh working corpus per harness (the committed seeds stay untouched); a finding
# is written to $build_dir/fuzz-findings/ and fails CI.
findings=$root/$build_dir/fuzz-findings
mkdir -p "$findings"
# fuzz <harness> <seed dir or ""> <libFuzzer flags...>: new inputs go to the first corpus
# directory, the working one; the seeds are only read.
fuzz() {
  local name=$1 seeds=$2; shift 2
  local work=$root/$build_dir/fuzz-corpus/$name
  rm -rf "$work" && mkdir -p "$work"
  echo "ci-sanitize: fuzz_$name for $fuzz_seconds s"
  "$build_dir/fuzz/fuzz_$name" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
    -artifact_prefix="$findings/$name-" "$@" "$work" ${seeds:+"$seeds"} || {
    echo "ci-sanitize: fuzz_$name found a bug; input: $(ls "$findings"/"$name"-*)"
    exit 1
  }
}
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
fuzz tu_reader fuzz/corpus/tu_reader -dict=fuzz/tu_reader.dict
fuzz dataset "" -max_len=512 -len_control=0
fuzz checkpoint "" -max_len=512 -len_control=0
# The raw-byte harnesses find bugs inside HDF5 itself (docs/reliability.md), so CI only checks
# that every seed file (written by graphpool) loads without a report.
"$build_dir/fuzz/fuzz_dataset_raw" -runs=0 fuzz/corpus/dataset
"$build_dir/fuzz/fuzz_checkpoint_raw" -runs=0 fuzz/corpus/checkpoint
# Inputs that once crashed a harness (fuzz/regressions; also tests/io/test_fuzz_regressions.cpp).
"$build_dir/fuzz/fuzz_dataset_raw" fuzz/regressions/dataset-*
"$build_dir/fuzz/fuzz_tu_reader" fuzz/regressions/tu-*
echo "ci-sanitize: done after $(elapsed)"
