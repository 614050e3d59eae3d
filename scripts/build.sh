#!/usr/bin/env bash
# Configures (once) and builds graphpool in ./build with Ninja, Release, all cores.
#   scripts/build.sh                         # everything (library, CLI, tests, benchmarks)
#   scripts/build.sh --target graphpool_cli  # one target
#   GRAPHPOOL_CMAKE_ARGS="-DGRAPHPOOL_NATIVE=OFF" scripts/build.sh   # extra configure options
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${GRAPHPOOL_BUILD_DIR:-build}
if [ ! -f "$build_dir/build.ninja" ] || [ -n "${GRAPHPOOL_CMAKE_ARGS:-}" ]; then
  # shellcheck disable=SC2086
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release ${GRAPHPOOL_CMAKE_ARGS:-}
fi
cmake --build "$build_dir" "$@"
