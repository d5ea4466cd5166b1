#include "cli_runner.hpp"

#include <sys/wait.h>
#include <unistd.h>

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

CliResult run_cimchar(const std::string& args) { return run_cimchar_env("", args); }

CliResult run_cimchar_env(const std::string& env, const std::string& args) {
  static int counter = 0;
  const fs::path dir = fs::temp_directory_path() / "cimchar_cli";
  fs::create_directories(dir);
  const std::string tag = std::to_string(::getpid()) + "_" + std::to_string(counter++);
  const fs::path o = dir / ("out_" + tag), e = dir / ("err_" + tag);
  const std::string cmd = env + (env.empty() ? "" : " ") + std::string(CIMCHAR_TEST_BINARY_DIR) +
                          "/cimchar " + args + " >" +
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

int start_cimchar(const std::string& env, const std::string& args, const fs::path& out,
                  const fs::path& err) {
  const std::string cmd = "exec env " + env + " " + std::string(CIMCHAR_TEST_BINARY_DIR) +
                          "/cimchar " + args + " >" + out.string() + " 2>" + err.string() +
                          " </dev/null";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return static_cast<int>(pid);
}

int wait_cimchar(int pid) {
  int status = 0;
  ::waitpid(static_cast<pid_t>(pid), &status, 0);
  return status;
}
