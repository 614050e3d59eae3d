#!/usr/bin/env bash
# README command 2: install dependencies if missing, build, and run every test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
ctest --test-dir "${GRAPHPOOL_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)"
