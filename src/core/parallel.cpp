#include "core/parallel.hpp"

#include <sched.h>

#include <cstdlib>
#include <string>

namespace cimchar {

unsigned affinity_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return std::max(CPU_COUNT(&set), 1);
  return std::max(1u, std::thread::hardware_concurrency());
}

unsigned parse_thread_limit(const char* value) {
  if (!value || !*value) return 0;
  const std::string v = value;
  if (v.find_first_not_of("0123456789") != std::string::npos || v.size() > 6) return 0;
  return static_cast<unsigned>(std::stoul(v));
}

unsigned default_threads() {
  const unsigned cores = affinity_cores();
  const unsigned limit = parse_thread_limit(std::getenv("CIMCHAR_THREADS"));
  return limit > 0 ? std::min(limit, cores) : cores;
}

}  // namespace cimchar
