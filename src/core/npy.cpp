#include "core/npy.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace cimchar {

namespace {

// The header is a Python dict literal; only what NumPy writes is accepted, and every field is
// checked before anything is allocated (a header may claim any shape).
[[noreturn]] void bad_header(const std::filesystem::path& path, const std::string& what) {
  throw InputError(path.string() + ": malformed .npy header: " + what);
}

std::string header_value(const std::filesystem::path& path, const std::string& h,
                         const std::string& key) {
  const auto k = h.find("'" + key + "'");
  if (k == std::string::npos) bad_header(path, "no '" + key + "' entry");
  const auto colon = h.find_first_not_of(' ', k + key.size() + 2);
  if (colon == std::string::npos || h[colon] != ':') bad_header(path, "no ':' after '" + key + "'");
  const auto start = h.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos) bad_header(path, "no value for '" + key + "'");
  const auto end = h[start] == '(' ? h.find(')', start) : h.find_first_of(",}", start);
  if (end == std::string::npos) bad_header(path, "unterminated value of '" + key + "'");
  return h.substr(start, end - start + (h[start] == '(' ? 1 : 0));
}

// "(2, 3)", "(5,)", "()": non-negative decimal integers, at most 32 of them (NumPy's limit).
std::vector<size_t> parse_shape(const std::filesystem::path& path, const std::string& shape) {
  std::vector<size_t> d;
  if (shape.size() < 2 || shape.front() != '(' || shape.back() != ')')
    bad_header(path, "shape " + shape + " is not a tuple");
  size_t i = 1;
  const size_t last = shape.size() - 1;
  while (true) {
    while (i < last && shape[i] == ' ') ++i;
    if (i == last) break;
    size_t j = i;
    uint64_t v = 0;
    while (j < last && shape[j] >= '0' && shape[j] <= '9') {
      if (v > (UINT64_MAX - 9) / 10) bad_header(path, "shape " + shape + " is too large");
      v = v * 10 + static_cast<uint64_t>(shape[j] - '0');
      ++j;
    }
    if (j == i) bad_header(path, "shape " + shape + " holds something other than sizes");
    d.push_back(v);
    while (j < last && shape[j] == ' ') ++j;
    if (j < last && shape[j] != ',') bad_header(path, "shape " + shape + " is not a tuple");
    if (j < last) ++j;
    i = j;
  }
  if (d.size() > 32) bad_header(path, "shape " + shape + " has more than 32 axes");
  return d;
}

size_t dtype_size(const std::filesystem::path& path, const std::string& descr) {
  if (descr == "'<f8'" || descr == "'<i8'") return 8;
  if (descr == "'<f4'" || descr == "'<i4'") return 4;
  throw InputError(path.string() + ": unsupported dtype " + descr +
                   " (use float64, float32, int64 or int32)");
}

}  // namespace

std::vector<double> read_npy(const std::filesystem::path& path, std::vector<size_t>* dims) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError(path.string() + ": is a directory, not a .npy file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string() + ": cannot open file");
  char magic[8];
  in.read(magic, 8);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw InputError(path.string() + ": not a NumPy .npy file");
  if (magic[6] < 1 || magic[6] > 3)
    throw InputError(path.string() + ": .npy format version " + std::to_string(int(magic[6])) +
                     " is not supported (1, 2 or 3)");
  uint32_t hlen = 0;
  unsigned char b[4] = {0, 0, 0, 0};
  in.read(reinterpret_cast<char*>(b), magic[6] == 1 ? 2 : 4);
  hlen = b[0] | (b[1] << 8) | (b[2] << 16) | (uint32_t(b[3]) << 24);
  const auto file_size = std::filesystem::file_size(path, ec);
  const uint64_t data_at = (magic[6] == 1 ? 10u : 12u) + uint64_t{hlen};
  if (!in || ec || data_at > file_size) throw InputError(path.string() + ": truncated .npy header");
  std::string h(hlen, '\0');
  in.read(h.data(), hlen);
  if (!in) throw InputError(path.string() + ": truncated .npy header");
  const std::string descr = header_value(path, h, "descr");
  const std::string fortran = header_value(path, h, "fortran_order");
  if (fortran != "False" && fortran != "True")
    bad_header(path, "fortran_order is " + fortran + ", not True or False");
  if (fortran == "True")
    throw InputError(path.string() + ": Fortran-ordered arrays are not supported; save with C order");
  const size_t item = dtype_size(path, descr);
  std::vector<size_t> d = parse_shape(path, header_value(path, h, "shape"));
  // The data must be in the file: this bounds the allocation by the file's size.
  const uint64_t available = (file_size - data_at) / item;
  uint64_t total = 1;
  for (size_t n : d) {
    if (n != 0 && total > available / n) total = available + 1;
    else total *= n;
  }
  if (total > available)
    throw InputError(path.string() + ": file is shorter than its shape says");
  if (dims) *dims = d;
  std::vector<double> out(total);
  auto read_as = [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> raw(total);
    in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(total * sizeof(T)));
    if (!in) throw InputError(path.string() + ": file is shorter than its shape says");
    for (size_t i = 0; i < total; ++i) out[i] = static_cast<double>(raw[i]);
  };
  if (descr == "'<f8'") read_as(double{});
  else if (descr == "'<f4'") read_as(float{});
  else if (descr == "'<i8'") read_as(int64_t{});
  else read_as(int32_t{});
  return out;
}

void write_npy(const std::filesystem::path& path, const std::vector<double>& data,
               const std::vector<size_t>& dims) {
  std::string shape = "(";
  for (size_t i = 0; i < dims.size(); ++i) shape += std::to_string(dims[i]) + ",";
  if (dims.size() > 1) shape.pop_back();
  shape += ")";
  std::string h = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  auto tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw IoError("cannot create " + tmp.string());
    out.write("\x93NUMPY\x01\x00", 8);
    const unsigned char len[2] = {static_cast<unsigned char>(h.size() & 0xff),
                                  static_cast<unsigned char>(h.size() >> 8)};
    out.write(reinterpret_cast<const char*>(len), 2);
    out.write(h.data(), static_cast<std::streamsize>(h.size()));
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size() * sizeof(double)));
    if (!out) {
      std::filesystem::remove(tmp);
      throw IoError("cannot write " + tmp.string());
    }
  }
  std::filesystem::rename(tmp, path);
}

const std::vector<double>& CsvTable::column(const std::string& name,
                                            const std::string& file) const {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return columns[i];
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  throw InputError(file + ": no column '" + name + "' (columns: " + list + ")");
}

CsvTable read_csv(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path.string() + ": cannot open file");
  CsvTable t;
  std::string line;
  int lineno = 0;
  auto split = [](const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string cell;
    while (std::getline(ss, cell, ',')) {
      cell.erase(0, cell.find_first_not_of(" \t\r"));
      cell.erase(cell.find_last_not_of(" \t\r") + 1);
      out.push_back(cell);
    }
    return out;
  };
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') continue;
    auto cells = split(line);
    if (t.names.empty()) {
      t.names = cells;
      t.columns.resize(cells.size());
      continue;
    }
    if (cells.size() != t.names.size())
      throw InputError(path.string() + ":" + std::to_string(lineno) + ": expected " +
                       std::to_string(t.names.size()) + " values, found " +
                       std::to_string(cells.size()));
    for (size_t i = 0; i < cells.size(); ++i) {
      char* end = nullptr;
      double v = std::strtod(cells[i].c_str(), &end);
      if (cells[i].empty() || *end != '\0' || !std::isfinite(v))
        throw InputError(path.string() + ":" + std::to_string(lineno) + ": '" + cells[i] +
                         "' in column '" + t.names[i] + "' is not a finite number");
      t.columns[i].push_back(v);
    }
  }
  if (t.names.empty()) throw InputError(path.string() + ": empty file (a header line is expected)");
  if (t.columns[0].empty()) throw InputError(path.string() + ": no data rows after the header");
  return t;
}

}  // namespace cimchar
