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
std::string header_value(const std::string& h, const std::string& key) {
  auto k = h.find("'" + key + "'");
  if (k == std::string::npos) return "";
  auto colon = h.find(':', k);
  auto start = h.find_first_not_of(' ', colon + 1);
  if (h[start] == '(') return h.substr(start, h.find(')', start) - start + 1);
  auto end = h.find_first_of(",}", start);
  return h.substr(start, end - start);
}
}  // namespace

std::vector<double> read_npy(const std::filesystem::path& path, std::vector<size_t>* dims) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string() + ": cannot open file");
  char magic[8];
  in.read(magic, 8);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    throw InputError(path.string() + ": not a NumPy .npy file");
  uint32_t hlen = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    hlen = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    hlen = b[0] | (b[1] << 8) | (b[2] << 16) | (uint32_t(b[3]) << 24);
  }
  std::string h(hlen, '\0');
  in.read(h.data(), hlen);
  if (!in) throw InputError(path.string() + ": truncated .npy header");
  std::string descr = header_value(h, "descr");
  if (header_value(h, "fortran_order") == "True")
    throw InputError(path.string() + ": Fortran-ordered arrays are not supported; save with C order");
  std::string shape = header_value(h, "shape");
  std::vector<size_t> d;
  size_t total = 1;
  for (size_t i = 1; i < shape.size();) {
    size_t j = shape.find_first_of(",)", i);
    std::string tok = shape.substr(i, j - i);
    tok.erase(0, tok.find_first_not_of(' '));
    if (!tok.empty()) {
      d.push_back(std::stoull(tok));
      total *= d.back();
    }
    i = j + 1;
  }
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
  else if (descr == "'<i4'") read_as(int32_t{});
  else
    throw InputError(path.string() + ": unsupported dtype " + descr +
                     " (use float64, float32, int64 or int32)");
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
