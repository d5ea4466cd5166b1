#include "core/ranks.hpp"

#include <cstdlib>
#include <cstring>

#ifdef CIMCHAR_HAVE_MPI
#include <mpi.h>
#endif

namespace cimchar {

#ifdef CIMCHAR_HAVE_MPI
namespace {
bool launched_by_mpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK");
}
bool active() {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  return init && !fin;
}
}  // namespace

RankGuard::RankGuard(int* argc, char*** argv) {
  if (launched_by_mpirun()) MPI_Init(argc, argv);
}
RankGuard::~RankGuard() {
  if (active()) MPI_Finalize();
}
Ranks ranks() {
  Ranks r;
  if (!active()) return r;
  MPI_Comm_rank(MPI_COMM_WORLD, &r.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &r.size);
  return r;
}
void sum_over_ranks(std::vector<double>& v) {
  if (ranks().size > 1)
    MPI_Allreduce(MPI_IN_PLACE, v.data(), static_cast<int>(v.size()), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}
void sum_over_ranks(std::vector<int64_t>& v) {
  if (ranks().size > 1)
    MPI_Allreduce(MPI_IN_PLACE, v.data(), static_cast<int>(v.size()), MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
}
void gather_strings(std::vector<std::string>& by_index) {
  if (ranks().size <= 1) return;
  // Serialize this rank's non-empty strings as (index, length, bytes), share them all.
  std::string mine;
  for (size_t i = 0; i < by_index.size(); ++i) {
    if (by_index[i].empty()) continue;
    const uint64_t idx = i, len = by_index[i].size();
    mine.append(reinterpret_cast<const char*>(&idx), 8);
    mine.append(reinterpret_cast<const char*>(&len), 8);
    mine += by_index[i];
  }
  const int n = ranks().size;
  int my_len = static_cast<int>(mine.size());
  std::vector<int> lens(static_cast<size_t>(n)), offs(static_cast<size_t>(n));
  MPI_Allgather(&my_len, 1, MPI_INT, lens.data(), 1, MPI_INT, MPI_COMM_WORLD);
  int total = 0;
  for (int k = 0; k < n; ++k) {
    offs[static_cast<size_t>(k)] = total;
    total += lens[static_cast<size_t>(k)];
  }
  std::string all(static_cast<size_t>(total), '\0');
  MPI_Allgatherv(mine.data(), my_len, MPI_CHAR, all.data(), lens.data(), offs.data(), MPI_CHAR,
                 MPI_COMM_WORLD);
  for (size_t p = 0; p + 16 <= all.size();) {
    uint64_t idx, len;
    std::memcpy(&idx, all.data() + p, 8);
    std::memcpy(&len, all.data() + p + 8, 8);
    if (idx < by_index.size()) by_index[idx] = all.substr(p + 16, len);
    p += 16 + len;
  }
}
void barrier() {
  if (ranks().size > 1) MPI_Barrier(MPI_COMM_WORLD);
}
#else
RankGuard::RankGuard(int*, char***) {}
RankGuard::~RankGuard() = default;
Ranks ranks() { return {}; }
void sum_over_ranks(std::vector<double>&) {}
void sum_over_ranks(std::vector<int64_t>&) {}
void gather_strings(std::vector<std::string>&) {}
void barrier() {}
#endif

}  // namespace cimchar
