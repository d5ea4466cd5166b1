#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, in build-fuzz/) and runs each on its seed
# corpus for a bounded time (docs/fuzzing-and-sanitizers.md).
#   scripts/fuzz.sh [seconds per target (default 60)] [target ...]   (default: every target)
# Targets: flow device_card npy model_file netlist. New corpus entries go to a scratch folder,
# crash/leak/timeout reproducers to build-fuzz/fuzz/artifacts/<target>/. Exit 1 when a target
# finds anything; the last line per target gives its executions and executions per second.
#   CIMCHAR_FUZZ_BUILD_DIR  build folder (default: build-fuzz)
#   CIMCHAR_JOBS            parallel compile jobs (default: number of cores)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(flow device_card npy model_file netlist)
build=${CIMCHAR_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${CIMCHAR_JOBS:-$(nproc)}

cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCIMCHAR_FUZZ=ON -DCIMCHAR_BUILD_TESTS=OFF \
  -DCIMCHAR_BUILD_BENCH=OFF -DCIMCHAR_MPI=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target "${targets[@]/#/fuzz_}"

failed=()
for t in "${targets[@]}"; do
  art="$build/fuzz/artifacts/$t"
  work=$(mktemp -d "${TMPDIR:-/tmp}/cimchar-fuzz-corpus-$t.XXXXXX")
  mkdir -p "$art"
  log="$build/fuzz/$t.log"
  # -timeout: one input taking 10 s is a hang; -rss/-malloc_limit: an input that makes the
  # reader allocate gigabytes is a bug (headers are validated before allocating).
  rc=0
  "$build/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$art/" \
    "$work" "fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  rm -rf "$work"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  if [ "$rc" -ne 0 ]; then
    failed+=("$t")
    tail -40 "$log" >&2
    echo "fuzz: $t: FOUND A BUG after ${runs:-?} runs (exit $rc); log $log, reproducer in $art/" >&2
  else
    echo "fuzz: $t: ${secs} s, ${runs:-?} runs, ${rate:-?} exec/s, clean"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]}" >&2
  exit 1
fi
