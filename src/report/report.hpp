// The run report (`cimchar report <run-dir>`): one self-contained HTML file drawn by
// tools/report.py (h5py + matplotlib from Debian's packages) from the stage files of a run folder.
#pragma once

#include <filesystem>
#include <string>

namespace cimchar::report {

struct ReportOptions {
  std::filesystem::path run_dir;
  std::filesystem::path out;  // default <run_dir>/report.html
  std::string python;         // default $CIMCHAR_PYTHON, else /usr/bin/python3
};

// The report script: $CIMCHAR_TOOLS/report.py, else the source tree's tools/report.py.
std::filesystem::path report_script();

// Writes the report and returns its path. InputError when run_dir is not a folder; Error when
// the interpreter or the script is missing or the script fails (its stderr goes to ours).
std::filesystem::path make_report(const ReportOptions& opts);

}  // namespace cimchar::report
