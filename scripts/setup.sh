#!/usr/bin/env bash
# Installs graphpool's build and test dependencies from Debian bookworm packages (needs root or sudo).
set -euo pipefail
packages=(cmake ninja-build g++ pkg-config
          libtbb-dev libeigen3-dev libboost-graph-dev libhdf5-dev libcli11-dev
          libgtest-dev libgmock-dev libbenchmark-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${missing[@]}"
