// Error types for cimchar. Only main() catches them, to choose the exit code:
// ConfigError and InputError -> 2 (bad input), everything else -> 1 (run failed).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace cimchar {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad user input: a flow or card file, a key, a value. Exit code 2.
class ConfigError : public Error {
 public:
  ConfigError(const std::string& file, const std::string& key, int line, const std::string& what);
  explicit ConfigError(const std::string& what) : Error(what) {}
  const std::string& file() const { return file_; }
  const std::string& key() const { return key_; }
  int line() const { return line_; }

 private:
  std::string file_, key_;
  int line_ = 0;
};

// A missing, unreadable or malformed input data file (CSV, HDF5, npy). Exit code 2.
class InputError : public Error {
 public:
  using Error::Error;
};

// A simulation that failed: parse error, no convergence, crash, timeout. Exit code 1,
// or exit code 2 when `bad_input()` says the netlist itself was wrong.
class SpiceError : public Error {
 public:
  SpiceError(const std::string& netlist, const std::string& what,
             std::vector<std::string> stderr_lines = {}, bool bad_input = false);
  const std::string& netlist() const { return netlist_; }
  const std::vector<std::string>& stderr_lines() const { return stderr_; }
  bool bad_input() const { return bad_input_; }

 private:
  std::string netlist_;
  std::vector<std::string> stderr_;
  bool bad_input_ = false;
};

class FitError : public Error {
 public:
  using Error::Error;
};

// Writing output failed (disk, permissions, HDF5).
class IoError : public Error {
 public:
  using Error::Error;
};

// Exit codes documented in `cimchar --help`.
enum ExitCode : int { kExitOk = 0, kExitRunFailed = 1, kExitBadInput = 2 };

// The exit code an exception ends the program with: 2 for bad input (ConfigError, InputError,
// a SpiceError whose netlist was wrong), else 1.
int exit_code_of(const std::exception& e);

[[noreturn]] void throw_check_failure(const char* cond, const char* file, int line,
                                      const std::string& msg);

}  // namespace cimchar

// Internal invariant: throws cimchar::Error with file:line when cond is false.
#define CIMCHAR_CHECK(cond, msg)                                                    \
  do {                                                                              \
    if (!(cond)) ::cimchar::throw_check_failure(#cond, __FILE__, __LINE__, (msg)); \
  } while (0)
