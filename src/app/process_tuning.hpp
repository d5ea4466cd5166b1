// Process settings that the C library and OpenBLAS read before main, set by re-executing the
// program once (see process_tuning.cpp for what and why).
#pragma once

namespace cimchar::app {

// Re-executes /proc/self/exe with argv and these set, unless already set:
//  - GLIBC_TUNABLES glibc.malloc.hugetlb=1: malloc backs its large blocks with transparent huge
//    pages (madvise), one page fault per 2 MiB instead of per 4 KiB;
//  - OPENBLAS_NUM_THREADS=1: one OpenBLAS thread; the program runs its own threads
//    (core/parallel.hpp, attention/parallel_product.hpp), and OpenBLAS's, spinning on
//    sched_yield or woken per call, only competed with them for the cores.
// Skipped when CIMCHAR_TUNED is set (to anything: CIMCHAR_TUNED=0 runs the process as started,
// as under gdb or valgrind, which the restart would leave) or under MPI. Returns (untuned) if
// the exec fails.
void tune_process(char** argv);

// --jobs N > 0: CIMCHAR_THREADS=N, the bound of every thread pool and the default ngspice
// worker count (core/parallel.hpp). Called after parsing, before any thread starts.
void bound_threads(int jobs);

}  // namespace cimchar::app
