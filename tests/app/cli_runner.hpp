// Runs build/cimchar with arguments and captures exit code, stdout and stderr.
#pragma once

#include <filesystem>
#include <string>

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

CliResult run_cimchar(const std::string& args);
// A fresh, empty temporary folder for one test.
std::filesystem::path fresh_dir(const std::string& name);
void write_text(const std::filesystem::path& p, const std::string& text);
