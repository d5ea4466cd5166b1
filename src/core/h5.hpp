// HDF5 output and input through the C API. Every C call is checked and turned into an
// IoError/InputError carrying HDF5's own message. H5Writer writes to a temporary file in the
// target folder and renames it on commit(), so a failed run leaves no partial file.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/signal_cleanup.hpp"

namespace cimchar {

class H5Writer {
 public:
  explicit H5Writer(std::filesystem::path final_path);
  ~H5Writer();
  H5Writer(const H5Writer&) = delete;
  H5Writer& operator=(const H5Writer&) = delete;

  // obj_path: "/" or a group/dataset path; groups are created as needed.
  void attr(const std::string& obj_path, const std::string& name, const std::string& value);
  void attr(const std::string& obj_path, const std::string& name, double value);
  void attr(const std::string& obj_path, const std::string& name, int64_t value);
  void attr(const std::string& obj_path, const std::string& name,
            const std::vector<double>& value);
  void group(const std::string& path);

  // Row-major data with the given dims; `units` is stored as the dataset's `units` attribute.
  void write(const std::string& path, const std::vector<double>& data,
             const std::vector<size_t>& dims, const std::string& units);
  void write_int(const std::string& path, const std::vector<int64_t>& data,
             const std::vector<size_t>& dims, const std::string& units);
  void write_strings(const std::string& path, const std::vector<std::string>& data);

  // Dimension scales (HDF5-HL H5DS), so that netCDF tools and xarray see named dimensions:
  // make the 1-D dataset `scale` a dimension scale called `name`, then attach it to axis
  // `axis` of `dataset`.
  void make_scale(const std::string& scale, const std::string& name);
  void attach_scale(const std::string& dataset, const std::string& scale, unsigned axis);

  // Flushes, closes and atomically renames onto the final path.
  void commit();
  const std::filesystem::path& final_path() const { return final_; }

 private:
  hid_t open_object(const std::string& path);
  void ensure_parent(const std::string& path);
  std::filesystem::path final_, tmp_;
  SignalCleanup cleanup_;  // the temporary file goes if a signal ends the run
  hid_t file_ = -1;
  bool committed_ = false;
};

class H5Reader {
 public:
  explicit H5Reader(const std::filesystem::path& path);  // InputError if missing/unreadable
  ~H5Reader();
  H5Reader(const H5Reader&) = delete;
  H5Reader& operator=(const H5Reader&) = delete;

  bool has(const std::string& path) const;
  // Reads any numeric dataset as double. InputError naming file and dataset when absent, not
  // numeric, or declaring more values than the file stores (checked before allocating).
  std::vector<double> read(const std::string& path, std::vector<size_t>* dims = nullptr) const;
  // The shape of a numeric dataset, without reading it.
  std::vector<size_t> dims(const std::string& path) const;
  // A 1-D dataset of strings (as write_strings writes). InputError when absent or not strings.
  std::vector<std::string> read_strings(const std::string& path) const;
  // The names of the dimension scales attached to each axis of a dataset ("" where none).
  std::vector<std::string> scale_names(const std::string& dataset) const;
  // One value (scalar or one-element attribute); InputError naming file, object and attribute
  // when absent, of another type, or an array.
  std::string attr_string(const std::string& obj_path, const std::string& name) const;
  double attr_double(const std::string& obj_path, const std::string& name) const;
  bool has_attr(const std::string& obj_path, const std::string& name) const;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  hid_t file_ = -1;
};

}  // namespace cimchar
