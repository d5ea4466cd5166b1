// Shared helpers of the libFuzzer targets (fuzz/README.md, docs/fuzzing-and-sanitizers.md): a
// private scratch folder per process, bytes to a file, and the rule every target enforces:
// bad input may only end in a cimchar::ConfigError or InputError (exit 2 with a message naming
// the file); any other exception, a crash, a leak or a sanitizer report is a bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace cimchar::fuzz {

// A folder of this process under $TMPDIR (or /tmp), created on first use, removed at exit.
const std::filesystem::path& scratch_dir();
// Writes `bytes` to scratch_dir()/name (truncating) and returns the path.
std::filesystem::path write_scratch(const std::string& name, std::string_view bytes);
std::string read_file(const std::filesystem::path& path);
// The source tree (devices/, netlists/, models/, tests/ data), baked in at configure time.
std::filesystem::path source_dir();

// Runs fn; ConfigError and InputError (rejected input) return false, success returns true;
// anything else propagates, so libFuzzer reports it as a crash (an uncaught exception).
template <class F>
bool accepts(F&& fn);

// Stops the fuzzer with `what` when an accepted input breaks an invariant.
[[noreturn]] void invariant_failed(const std::string& what);

}  // namespace cimchar::fuzz

#include "core/error.hpp"

template <class F>
bool cimchar::fuzz::accepts(F&& fn) {
  try {
    fn();
    return true;
  } catch (const cimchar::ConfigError&) {
    return false;
  } catch (const cimchar::InputError&) {
    return false;
  }
}
