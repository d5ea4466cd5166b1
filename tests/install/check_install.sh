#!/bin/bash
# Installs the build tree into a temporary prefix, builds tests/install/consumer against it with
# find_package(cimchar), runs the consumer (a crossbar solved by the library vs by hand), then
# runs the installed binary from a folder outside the tree: it must find its data under
# <prefix>/share/cimchar (not the source tree), run the shipped fit flow by its short name and
# write the report of that run with the installed tools. Usage: check_install.sh BUILD SOURCE
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d /tmp/cimchar-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
unset CIMCHAR_DATA CIMCHAR_DEVICES CIMCHAR_NETLISTS CIMCHAR_TOOLS
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/cimchar lib/cmake/cimchar/cimcharConfig.cmake lib/cmake/cimchar/cimcharConfigVersion.cmake \
         include/cimchar/xbar/solver.hpp include/cimchar/core/build_info.hpp \
         share/cimchar/devices/stanford_asu.toml share/cimchar/netlists/adc.lib \
         share/cimchar/characterization/default.toml share/cimchar/models/digits.h5 \
         share/cimchar/tools/report.py share/cimchar/python/cimchar/__init__.py; do
  [[ -e $prefix/$f ]] || { echo "not installed: $f"; exit 1; }
done

cmake -S "$src/tests/install/consumer" -B "$tmp/consumer" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/consumer.log" 2>&1 || { cat "$tmp/consumer.log"; exit 1; }
cmake --build "$tmp/consumer" >>"$tmp/consumer.log" 2>&1 || { cat "$tmp/consumer.log"; exit 1; }
"$tmp/consumer/consumer"

mkdir "$tmp/elsewhere" && cd "$tmp/elsewhere"
version=$("$prefix/bin/cimchar" --version)
echo "$version"
grep -qx "data: $prefix/share/cimchar" <<<"$version" || { echo "installed binary does not use its share/cimchar"; exit 1; }
"$prefix/bin/cimchar" fit -q --out run >"$tmp/fit.log" 2>&1 || { cat "$tmp/fit.log"; exit 1; }
[[ -s run/fit.h5 ]] || { echo "fit.h5 not written"; cat "$tmp/fit.log"; exit 1; }
if python3 -c 'import h5py, matplotlib' 2>/dev/null; then
  "$prefix/bin/cimchar" report run >"$tmp/report.log" 2>&1 || { cat "$tmp/report.log"; exit 1; }
  [[ -s run/report.html ]] || { echo "report.html not written"; exit 1; }
fi
echo "install: ok"
