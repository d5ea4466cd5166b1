#include "fuzz_support.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/build_info.hpp"

namespace cimchar::fuzz {

namespace {
struct Scratch {
  std::filesystem::path dir;
  Scratch() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/cimchar-fuzz-XXXXXX";
    if (!::mkdtemp(tmpl.data())) {
      std::perror("cimchar fuzz: mkdtemp");
      std::abort();
    }
    dir = tmpl;
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};
}  // namespace

const std::filesystem::path& scratch_dir() {
  static Scratch s;
  return s.dir;
}

std::filesystem::path write_scratch(const std::string& name, std::string_view bytes) {
  const auto p = scratch_dir() / name;
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) invariant_failed("cannot write the scratch file " + p.string());
  return p;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) invariant_failed("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::filesystem::path source_dir() { return CIMCHAR_SOURCE_DIR_STRING; }

void invariant_failed(const std::string& what) {
  std::fprintf(stderr, "cimchar fuzz: invariant broken: %s\n", what.c_str());
  std::abort();
}

}  // namespace cimchar::fuzz
