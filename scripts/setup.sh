#!/usr/bin/env bash
# Installs graphpool's build and test dependencies from Debian bookworm packages (needs root or sudo).
# libblis-serial-dev brings the static BLIS that core/gemm.cpp links. Its runtime package also
# registers BLIS as a candidate for the system's libblas.so.3 (Debian's alternatives, priority 70:
# above the reference BLAS, below OpenBLAS), which would change the BLAS of other programs (numpy
# and torch load libblas.so.3, and the PyTorch peer needs OpenBLAS there). graphpool only links the
# static archive, so when this script installs BLIS it takes BLIS out of those alternatives again:
# the system keeps choosing its BLAS as it would without graphpool, now and after later installs.
set -euo pipefail
packages=(cmake ninja-build g++ pkg-config
          libtbb-dev libeigen3-dev libboost-graph-dev libhdf5-dev libcli11-dev
          libgtest-dev libgmock-dev libbenchmark-dev libblis-serial-dev)
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
# BLIS's shared libblas.so.3 (and the libblas.so of its -dev package) out of the alternatives
blis_dir=/usr/lib/x86_64-linux-gnu/blis-serial
for link in libblas.so.3 libblas.so; do
  if update-alternatives --query "$link-x86_64-linux-gnu" 2>/dev/null |
    grep -qx "Alternative: $blis_dir/$link"; then
    echo "setup: BLIS is linked statically; not a candidate for the system's $link"
    $sudo update-alternatives --remove "$link-x86_64-linux-gnu" "$blis_dir/$link"
  fi
done
