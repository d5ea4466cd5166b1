// The machine-readable summary of a run (`cimchar run --json`): one JSON object on stdout with
// the status, the exit code, the output folder, each stage with its wall time, and every file
// written. Documented in docs/cli.md.
#pragma once

#include <string>

#include "flows/flow.hpp"

namespace cimchar::flows {

// {"status":"ok","exit_code":0,"out_dir":...,"seconds":...,"stages":[...],"files":[...]}
std::string run_summary_json(const FlowResult& r);
// {"status":"failed"|"bad_input","exit_code":N,"error":"..."} for a run that threw.
std::string failed_run_json(int exit_code, const std::string& error);

// JSON string literal of `s` (quotes, backslashes and control characters escaped).
std::string json_string(const std::string& s);

}  // namespace cimchar::flows
