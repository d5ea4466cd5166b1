#include "cli_runner.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

static std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CliResult run_cimchar(const std::string& args) {
  static int counter = 0;
  const fs::path dir = fs::temp_directory_path() / "cimchar_cli";
  fs::create_directories(dir);
  const std::string tag = std::to_string(::getpid()) + "_" + std::to_string(counter++);
  const fs::path o = dir / ("out_" + tag), e = dir / ("err_" + tag);
  const std::string cmd = std::string(CIMCHAR_TEST_BINARY_DIR) + "/cimchar " + args + " >" +
                          o.string() + " 2>" + e.string() + " </dev/null";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(o);
  r.err = slurp(e);
  fs::remove(o);
  fs::remove(e);
  return r;
}

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("cimchar_e2e_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
}
