#!/usr/bin/env bash
# Installs graphpool's build and test dependencies from Debian bookworm packages (needs root or sudo).
# libblis-serial-dev brings the static BLIS that core/gemm.cpp links. A BLAS package can also become
# the system's libblas.so.3 (Debian's alternatives, by priority; BLIS wins over the reference BLAS,
# not over OpenBLAS), which would change the BLAS of other programs (numpy and torch load
# libblas.so.3): the links that existed before are set back afterwards.
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
blas_links=(libblas.so.3 liblapack.so.3 libopenblas.so.0)
# the file a BLAS alternative points to now (empty when the alternative does not exist)
alternative_of() {
  update-alternatives --query "$1-x86_64-linux-gnu" 2>/dev/null | sed -n 's/^Value: //p' || true
}
declare -A before
for link in "${blas_links[@]}"; do before[$link]=$(alternative_of "$link"); done
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${missing[@]}"
for link in "${blas_links[@]}"; do
  was=${before[$link]}
  if [ -n "$was" ] && [ "$was" != "$(alternative_of "$link")" ]; then
    echo "setup: keeping $link on $was"
    $sudo update-alternatives --set "$link-x86_64-linux-gnu" "$was"
  fi
done
