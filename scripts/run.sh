#!/usr/bin/env bash
# README command 1: install dependencies if missing, build the graphpool tool, convert the bundled
# MUTAG (TU text format, data/MUTAG) to HDF5 and train SAGPool_h on it. Outputs in out/mutag/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh --target graphpool_cli
tool=${GRAPHPOOL_BUILD_DIR:-build}/apps/graphpool
mkdir -p out/mutag
"$tool" convert --tu-dir data/MUTAG --name MUTAG --out out/mutag/MUTAG.h5
"$tool" train --data out/mutag/MUTAG.h5 --model sagpool_h --seeds 0 --out out/mutag "$@"
