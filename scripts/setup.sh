#!/usr/bin/env bash
# Installs what cimchar needs from Debian 12 packages (as root; only what is missing), then
# configures and builds it in Release under build/. Safe to run again: it only rebuilds.
#   CIMCHAR_BUILD_DIR   build folder (default: build)
#   CIMCHAR_JOBS        parallel compile jobs (default: number of cores)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake g++ make pkg-config git
  libngspice0-dev libeigen3-dev libboost-dev libhdf5-dev libtomlplusplus-dev libcli11-dev
  libgtest-dev libbenchmark-dev libsuitesparse-dev libopenblas-dev
  python3-numpy python3-h5py python3-torch python3-matplotlib python3-sklearn libopenmpi-dev
  python3-xarray python3-h5netcdf python3-pint python3-pandas
  openmpi-bin chromium
  clang libclang-rt-14-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The Python package (python/cimchar) for Debian's python3: a .pth file in its site folder
# points at this checkout (no other registry is reachable, and nothing is copied).
if [ "$(id -u)" -eq 0 ]; then
  site=$(/usr/bin/python3 -c 'import site; print(site.getsitepackages()[0])')
  mkdir -p "$site"
  echo "$(pwd)/python" > "$site/cimchar.pth"
fi

build=${CIMCHAR_BUILD_DIR:-build}
jobs=${CIMCHAR_JOBS:-$(nproc)}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$jobs"
