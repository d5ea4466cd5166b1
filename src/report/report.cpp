#include "report/report.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <vector>

#include "core/data_dir.hpp"
#include "core/error.hpp"
#include "core/h5.hpp"

extern char** environ;

namespace cimchar::report {

std::filesystem::path report_script() {
  if (const char* env = std::getenv("CIMCHAR_TOOLS")) return std::filesystem::path(env) / "report.py";
  return data_dir() / "tools" / "report.py";
}

std::filesystem::path make_report(const ReportOptions& o) {
  std::error_code ec;
  if (!std::filesystem::is_directory(o.run_dir, ec))
    throw InputError(o.run_dir.string() + ": no such run folder");
  const auto out = o.out.empty() ? o.run_dir / "report.html" : o.out;
  // Every stage file must at least be HDF5: a truncated or foreign file is bad input naming it.
  for (const auto& e : std::filesystem::directory_iterator(o.run_dir, ec))
    if (e.path().extension() == ".h5") H5Reader{e.path()};
  std::string python = o.python;
  if (python.empty()) python = std::getenv("CIMCHAR_PYTHON") ? std::getenv("CIMCHAR_PYTHON") : "/usr/bin/python3";
  const auto script = report_script();
  if (!std::filesystem::is_regular_file(script, ec))
    throw Error("the report script " + script.string() + " is missing (set CIMCHAR_TOOLS)");
  std::vector<std::string> args = {python, script.string(), o.run_dir.string(), "--out", out.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);  // it prints the path
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, python.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    throw Error("cannot start " + python + " for the report (Debian's python3 with python3-h5py "
                "and python3-matplotlib; scripts/setup.sh installs them)");
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == kExitBadInput)  // it named the file
    throw InputError("the report of " + o.run_dir.string() + " was not written (see above)");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error("the report script failed (" + script.string() + ", exit " +
                std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  return out;
}

}  // namespace cimchar::report
