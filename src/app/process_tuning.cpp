// Measured on the BERT-base layer of bench/bench_bert_layer.py (bench/RESULTS.md): huge pages
// took page faults from 165,000-250,000 to 11,000-14,000 and the run from 4.0-4.8 s to 2.3-2.5 s
// (with OpenBLAS's idle threads sleeping early); one OpenBLAS thread instead of two, the
// large products split by attention/parallel_product.hpp, a further 1.6-2.7 s -> 1.3-1.4 s,
// and the recall model's per-read run 17.7 s -> 12.1 s (system time 7.4 s -> 2.9 s).
#include "app/process_tuning.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace cimchar::app {

void tune_process(char** argv) {
  if (std::getenv("CIMCHAR_TUNED")) return;
  for (const char* mpi : {"OMPI_COMM_WORLD_SIZE", "PMI_RANK", "PMIX_RANK"})
    if (std::getenv(mpi)) return;
  bool changed = false;
  const char* t = std::getenv("GLIBC_TUNABLES");
  const std::string tunables = t ? t : "";
  if (tunables.find("glibc.malloc.hugetlb") == std::string::npos) {
    const std::string add = "glibc.malloc.hugetlb=1";
    setenv("GLIBC_TUNABLES", (tunables.empty() ? add : tunables + ":" + add).c_str(), 1);
    changed = true;
  }
  if (!std::getenv("OPENBLAS_NUM_THREADS")) {
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    changed = true;
  }
  setenv("CIMCHAR_TUNED", "1", 1);
  if (!changed) return;
  // The binary's own path, so that the process keeps its name (ps, top) rather than "exe".
  char self[4096];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) return;
  self[len] = '\0';
  execv(self, argv);  // returns only on failure: run as started
}

void bound_threads(int jobs) {
  if (jobs > 0) setenv("CIMCHAR_THREADS", std::to_string(jobs).c_str(), 1);
}

}  // namespace cimchar::app
