#!/usr/bin/env bash
# Builds cimchar with AddressSanitizer + UndefinedBehaviorSanitizer (CIMCHAR_SANITIZE, in
# build-asan/) and runs the default test suite (unit, spice, e2e; not `slow`) under it
# (docs/fuzzing-and-sanitizers.md). Every report of every process (the test programs, the cimchar
# binary the e2e scripts run, and each forked ngspice worker) goes to a log file; the script
# fails if ctest fails or if any report is left, other than those of the pool's crash test,
# which crashes its workers on purpose (CIMCHAR_SPICE_TEST_HOOKS, tests/spice/test_pool_failures.cpp).
#   scripts/sanitize.sh [extra ctest arguments, e.g. -R unit]
#   CIMCHAR_SANITIZE_BUILD_DIR  build folder (default: build-asan)
#   CIMCHAR_JOBS                parallel compile jobs (default: number of cores)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${CIMCHAR_SANITIZE_BUILD_DIR:-build-asan}
jobs=${CIMCHAR_JOBS:-$(nproc)}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCIMCHAR_SANITIZE=ON \
  -DCIMCHAR_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j "$jobs"

logs=$(cd "$build" && pwd)/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"
# Appended to the defaults compiled into every executable (tools/sanitizers/defaults.cpp.in).
export ASAN_OPTIONS="log_path=$logs/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
start=$(date +%s)
rc=0
# Tests that run under mpirun (Open MPI) go in a second pass without LeakSanitizer: Open MPI
# leaves its own allocations at MPI_Finalize inside dlopen'ed components that LeakSanitizer
# cannot symbolize (so no suppression can name them). ASan and UBSan stay on for them.
mpi_tests='e2e\.(mpi_sweeps|variation_flow)$'
# The pool's crash test makes its workers abort and write through a null pointer on purpose
# (CIMCHAR_SPICE_TEST_HOOKS): it runs last, its reports going to a folder that is not checked.
crash_test='spice\.PoolFailures\.CrashIsIsolatedAndRetriedOnce$'
# ngspice 39.3's expression parser reads past the end of a truncated B-source expression
# ("i = {gleak}*v(top"): under ASan's heap layout that read faults (SIGSEGV inside libngspice,
# which is not instrumented, in the forked worker; glibc's layout hides it and ngspice reports
# the syntax error). The pool contains it, and the probe's exit 2 names the file either way.
# On the retry the same parse reads freed memory through a libc interceptor called by libngspice
# (heap-use-after-free, every time in 10 runs). ASan's reports of both are cut short (its
# unwinder faults again in ngspice's frames), so the test runs in its own pass with
# handle_segv=0 (the worker's SIGSEGV is left to the pool) and the suppression
# interceptor_via_lib:libngspice.so (tools/sanitizers/ngspice_fault.supp): 0 reports in 10 runs.
# Every check of cimchar's own code stays on, and any report the pass leaves counts.
ngspice_fault_test='e2e\.CliFaults\.ProbeRefusesSyntaxError$'
ctest --test-dir "$build" -LE slow -E "$mpi_tests|$crash_test|$ngspice_fault_test" \
  --output-on-failure -j2 "$@" || rc=$?
ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" \
  ctest --test-dir "$build" -LE slow -R "$mpi_tests" --output-on-failure -j2 || rc=$?
mkdir -p "$logs/deliberate"
ASAN_OPTIONS="log_path=$logs/deliberate/asan" UBSAN_OPTIONS="log_path=$logs/deliberate/ubsan" \
  ctest --test-dir "$build" -R "$crash_test" --output-on-failure || rc=$?
ASAN_OPTIONS="$ASAN_OPTIONS:handle_segv=0:suppressions=$PWD/tools/sanitizers/ngspice_fault.supp" \
  ctest --test-dir "$build" -R "$ngspice_fault_test" --output-on-failure || rc=$?
echo "sanitize: ctest took $(( $(date +%s) - start )) s (exit $rc)"

reports=0
for f in "$logs"/*; do
  [ -f "$f" ] || continue
  reports=$((reports + 1))
  echo "sanitize: report in $f:" >&2
  head -60 "$f" >&2
done
if [ "$reports" -gt 0 ]; then
  echo "sanitize: $reports sanitizer report(s); logs in $logs" >&2
  exit 1
fi
[ "$rc" -eq 0 ] || exit "$rc"
echo "sanitize: clean (no sanitizer report)"
