// NumPy .npy files (format 1.0/2.0): little-endian float64/float32/int64/int32, C order.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace cimchar {

// InputError naming the file when it is missing, not .npy, Fortran-ordered or non-numeric.
std::vector<double> read_npy(const std::filesystem::path& path, std::vector<size_t>* dims);
// Atomic: temporary file, then rename.
void write_npy(const std::filesystem::path& path, const std::vector<double>& data,
               const std::vector<size_t>& dims);

// CSV with a header line of column names; returns columns by name. Blank lines and lines
// starting with '#' are skipped. InputError naming file:line on a bad cell.
struct CsvTable {
  std::vector<std::string> names;
  std::vector<std::vector<double>> columns;
  const std::vector<double>& column(const std::string& name, const std::string& file) const;
};
CsvTable read_csv(const std::filesystem::path& path);

}  // namespace cimchar
