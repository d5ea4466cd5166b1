#include "core/provenance.hpp"

#include <ctime>

#include "core/build_info.hpp"
#include "core/h5.hpp"

namespace cimchar {

const char* cimchar_version() { return CIMCHAR_VERSION_STRING; }
const char* cimchar_git_hash() { return CIMCHAR_GIT_HASH_STRING; }

std::string iso8601_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void write_provenance(H5Writer& out, const Provenance& p) {
  out.attr("/", "format_version", kFormatVersion);
  out.attr("/", "cimchar_version", std::string(cimchar_version()));
  out.attr("/", "git_hash", std::string(cimchar_git_hash()));
  out.attr("/", "ngspice_version", p.ngspice_version);
  out.attr("/", "config", p.config_text);
  out.attr("/", "seed", static_cast<int64_t>(p.seed));
  out.attr("/", "created", iso8601_now());
}

}  // namespace cimchar
