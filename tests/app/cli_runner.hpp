// Runs build/cimchar with arguments and captures exit code, stdout and stderr.
#pragma once

#include <filesystem>
#include <string>

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

CliResult run_cimchar(const std::string& args);
// The same with environment assignments before the binary ("CIMCHAR_NETLISTS=/x TMPDIR=/y").
CliResult run_cimchar_env(const std::string& env, const std::string& args);
// Starts cimchar in the background (stdout/stderr to the named files); returns its process id.
int start_cimchar(const std::string& env, const std::string& args, const std::filesystem::path& out,
                  const std::filesystem::path& err);
// Waits for a process started by start_cimchar; returns its wait status.
int wait_cimchar(int pid);
// A fresh, empty temporary folder for one test.
std::filesystem::path fresh_dir(const std::string& name);
void write_text(const std::filesystem::path& p, const std::string& text);
