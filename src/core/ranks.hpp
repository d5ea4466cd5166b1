// MPI ranks, when cimchar is launched under mpirun (a build option, on when OpenMPI is found).
// Without MPI, or when not launched by mpirun, there is one rank. MPI is process-global state
// like ngspice's: it is touched only here, initialized and finalized by RankGuard in main().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cimchar {

struct Ranks {
  int rank = 0, size = 1;
  bool root() const { return rank == 0; }
};

// Initializes MPI when the process was started by mpirun (and MPI was built in).
class RankGuard {
 public:
  RankGuard(int* argc, char*** argv);
  ~RankGuard();
  RankGuard(const RankGuard&) = delete;
  RankGuard& operator=(const RankGuard&) = delete;
};

Ranks ranks();
// Element-wise sums over all ranks, in place (each rank contributes its own entries and zeros
// elsewhere). No-ops with one rank.
void sum_over_ranks(std::vector<double>& v);
void sum_over_ranks(std::vector<int64_t>& v);
// Every rank's strings (index, text) gathered on all ranks.
void gather_strings(std::vector<std::string>& by_index);
void barrier();

}  // namespace cimchar
