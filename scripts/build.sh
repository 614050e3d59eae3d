#!/usr/bin/env bash
# Configures (once) and builds graphpool in ./build with Ninja, Release, all cores.
# Extra arguments go to the CMake configure step, e.g. scripts/build.sh -DGRAPHPOOL_NATIVE=OFF
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${GRAPHPOOL_BUILD_DIR:-build}
if [ ! -f "$build_dir/build.ninja" ] || [ $# -gt 0 ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
fi
cmake --build "$build_dir"
