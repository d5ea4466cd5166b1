#include "core/h5.hpp"

#include <hdf5_hl.h>

#include <unistd.h>

#include <atomic>
#include <cstring>

#include "core/error.hpp"

namespace cimchar {

namespace {

// Collects the innermost HDF5 error message of the current error stack.
herr_t walk_cb(unsigned n, const H5E_error2_t* err, void* data) {
  auto* out = static_cast<std::string*>(data);
  if (n == 0 && err && err->desc) *out = err->desc;
  return 0;
}

std::string hdf5_message() {
  std::string msg;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk_cb, &msg);
  H5Eclear2(H5E_DEFAULT);
  return msg.empty() ? "unknown HDF5 error" : msg;
}

// Silence HDF5's automatic printing once; we report errors ourselves.
void quiet_hdf5() {
  static std::atomic<bool> done{false};
  if (done.exchange(true)) return;
  // No library shutdown at exit: after a failed write (a full disk) HDF5's atexit handler
  // flushes the file it still holds open and crashed there (exit 139 instead of 1). Every file
  // is closed by its owner; the operating system reclaims the rest.
  H5dont_atexit();
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

template <class E>
hid_t checked(hid_t id, const std::string& what) {
  if (id < 0) throw E(what + ": " + hdf5_message());
  return id;
}

struct Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Handle() {
    if (id >= 0) close(id);
  }
};

std::vector<std::string> split_path(const std::string& p) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    if (j > i) parts.push_back(p.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

// The message of a failed write: the output file, what failed, HDF5's reason, and whether its
// file system is full (HDF5 reports ENOSPC only deep in its error stack).
std::string write_failure(const std::filesystem::path& file, const std::string& what) {
  std::string m = file.string() + ": cannot " + what + ": " + hdf5_message();
  std::error_code ec;
  const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  const auto sp = std::filesystem::space(dir, ec);
  if (!ec && sp.available < (1u << 20))
    m += " (the file system of " + dir.string() + " is full: " + std::to_string(sp.available) +
         " bytes free)";
  return m;
}

}  // namespace

H5Writer::H5Writer(std::filesystem::path final_path) : final_(std::move(final_path)) {
  quiet_hdf5();
  std::error_code ec;
  if (std::filesystem::is_directory(final_, ec))
    throw InputError(final_.string() + ": is a folder; name the output file");
  if (final_.has_parent_path()) std::filesystem::create_directories(final_.parent_path(), ec);
  tmp_ = final_;
  tmp_ += ".tmp." + std::to_string(::getpid());
  cleanup_ = SignalCleanup(tmp_);
  file_ = H5Fcreate(tmp_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (file_ < 0) throw IoError("cannot create " + tmp_.string() + ": " + hdf5_message());
}

H5Writer::~H5Writer() {
  if (file_ >= 0) H5Fclose(file_);
  if (!committed_) {
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
  }
}

void H5Writer::group(const std::string& path) {
  std::string cur;
  for (const auto& part : split_path(path)) {
    cur += "/" + part;
    if (H5Lexists(file_, cur.c_str(), H5P_DEFAULT) > 0) continue;
    hid_t g = checked<IoError>(H5Gcreate2(file_, cur.c_str(), H5P_DEFAULT, H5P_DEFAULT,
                                          H5P_DEFAULT),
                               "cannot create group " + cur);
    H5Gclose(g);
  }
}

void H5Writer::ensure_parent(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) group(path.substr(0, slash));
}

hid_t H5Writer::open_object(const std::string& path) {
  if (path.empty() || path == "/") return H5Oopen(file_, "/", H5P_DEFAULT);
  if (H5Lexists(file_, path.c_str(), H5P_DEFAULT) <= 0) group(path);
  return checked<IoError>(H5Oopen(file_, path.c_str(), H5P_DEFAULT), "cannot open " + path);
}

void H5Writer::attr(const std::string& obj_path, const std::string& name,
                    const std::string& value) {
  // Variable-length UTF-8, so that h5py reads a str (not bytes).
  Handle obj{open_object(obj_path), H5Oclose};
  Handle type{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(type.id, H5T_VARIABLE);
  H5Tset_cset(type.id, H5T_CSET_UTF8);
  Handle space{H5Screate(H5S_SCALAR), H5Sclose};
  if (H5Aexists(obj.id, name.c_str()) > 0) H5Adelete(obj.id, name.c_str());
  Handle a{checked<IoError>(H5Acreate2(obj.id, name.c_str(), type.id, space.id, H5P_DEFAULT,
                                       H5P_DEFAULT),
                            "cannot create attribute " + name),
           H5Aclose};
  const char* data = value.c_str();
  if (H5Awrite(a.id, type.id, &data) < 0)
    throw IoError(write_failure(final_, "write attribute " + name));
}

void H5Writer::attr(const std::string& obj_path, const std::string& name,
                    const std::vector<double>& value) {
  Handle obj{open_object(obj_path), H5Oclose};
  hsize_t n = value.size();
  Handle space{H5Screate_simple(1, &n, nullptr), H5Sclose};
  if (H5Aexists(obj.id, name.c_str()) > 0) H5Adelete(obj.id, name.c_str());
  Handle a{checked<IoError>(H5Acreate2(obj.id, name.c_str(), H5T_IEEE_F64LE, space.id,
                                       H5P_DEFAULT, H5P_DEFAULT),
                            "cannot create attribute " + name),
           H5Aclose};
  if (H5Awrite(a.id, H5T_NATIVE_DOUBLE, value.data()) < 0)
    throw IoError(write_failure(final_, "write attribute " + name));
}

namespace {
void scalar_attr(const std::filesystem::path& out_file, hid_t obj, const std::string& name,
                 hid_t file_type, hid_t mem_type, const void* value) {
  Handle space{H5Screate(H5S_SCALAR), H5Sclose};
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  Handle a{checked<IoError>(H5Acreate2(obj, name.c_str(), file_type, space.id, H5P_DEFAULT,
                                       H5P_DEFAULT),
                            "cannot create attribute " + name),
           H5Aclose};
  if (H5Awrite(a.id, mem_type, value) < 0)
    throw IoError(write_failure(out_file, "write attribute " + name));
}
}  // namespace

void H5Writer::attr(const std::string& obj_path, const std::string& name, double value) {
  Handle obj{open_object(obj_path), H5Oclose};
  scalar_attr(final_, obj.id, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

void H5Writer::attr(const std::string& obj_path, const std::string& name, int64_t value) {
  Handle obj{open_object(obj_path), H5Oclose};
  scalar_attr(final_, obj.id, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

namespace {
template <class T>
void write_numeric(const std::filesystem::path& out_file, hid_t file, const std::string& path,
                   const std::vector<T>& data, const std::vector<size_t>& dims, hid_t file_type,
                   hid_t mem_type) {
  size_t total = 1;
  std::vector<hsize_t> hd;
  for (size_t d : dims) {
    total *= d;
    hd.push_back(d);
  }
  CIMCHAR_CHECK(total == data.size(), "dataset " + path + ": dims do not match data size");
  Handle space{hd.empty() ? H5Screate(H5S_SCALAR)
                          : H5Screate_simple(static_cast<int>(hd.size()), hd.data(), nullptr),
               H5Sclose};
  Handle ds{checked<IoError>(H5Dcreate2(file, path.c_str(), file_type, space.id, H5P_DEFAULT,
                                        H5P_DEFAULT, H5P_DEFAULT),
                             "cannot create dataset " + path),
            H5Dclose};
  if (total > 0 && H5Dwrite(ds.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0)
    throw IoError(write_failure(out_file, "write dataset " + path));
}
}  // namespace

void H5Writer::write(const std::string& path, const std::vector<double>& data,
                     const std::vector<size_t>& dims, const std::string& units) {
  ensure_parent(path);
  write_numeric(final_, file_, path, data, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
  attr(path, "units", units.empty() ? std::string("1") : units);  // "1": dimensionless
}

void H5Writer::write_int(const std::string& path, const std::vector<int64_t>& data,
                     const std::vector<size_t>& dims, const std::string& units) {
  ensure_parent(path);
  write_numeric(final_, file_, path, data, dims, H5T_STD_I64LE, H5T_NATIVE_INT64);
  attr(path, "units", units.empty() ? std::string("1") : units);  // "1": dimensionless
}

void H5Writer::write_strings(const std::string& path, const std::vector<std::string>& data) {
  ensure_parent(path);
  Handle type{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(type.id, H5T_VARIABLE);
  H5Tset_cset(type.id, H5T_CSET_UTF8);
  hsize_t n = data.size();
  Handle space{H5Screate_simple(1, &n, nullptr), H5Sclose};
  Handle ds{checked<IoError>(H5Dcreate2(file_, path.c_str(), type.id, space.id, H5P_DEFAULT,
                                        H5P_DEFAULT, H5P_DEFAULT),
                             "cannot create dataset " + path),
            H5Dclose};
  std::vector<const char*> ptrs;
  for (const auto& s : data) ptrs.push_back(s.c_str());
  if (n > 0 && H5Dwrite(ds.id, type.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
    throw IoError(write_failure(final_, "write dataset " + path));
  attr(path, "units", std::string(""));
}

void H5Writer::make_scale(const std::string& scale, const std::string& name) {
  Handle ds{checked<IoError>(H5Dopen2(file_, scale.c_str(), H5P_DEFAULT), "cannot open " + scale),
            H5Dclose};
  if (H5DSset_scale(ds.id, name.c_str()) < 0)
    throw IoError("cannot make " + scale + " a dimension scale: " + hdf5_message());
}

void H5Writer::attach_scale(const std::string& dataset, const std::string& scale, unsigned axis) {
  Handle ds{checked<IoError>(H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT),
                             "cannot open " + dataset),
            H5Dclose};
  Handle sc{checked<IoError>(H5Dopen2(file_, scale.c_str(), H5P_DEFAULT), "cannot open " + scale),
            H5Dclose};
  if (H5DSattach_scale(ds.id, sc.id, axis) < 0)
    throw IoError("cannot attach " + scale + " to axis " + std::to_string(axis) + " of " +
                  dataset + ": " + hdf5_message());
}

void H5Writer::commit() {
  CIMCHAR_CHECK(!committed_, "H5Writer committed twice");
  if (H5Fflush(file_, H5F_SCOPE_GLOBAL) < 0 || H5Fclose(file_) < 0) {
    file_ = -1;
    throw IoError(write_failure(final_, "finish " + tmp_.string()));
  }
  file_ = -1;
  std::error_code ec;
  std::filesystem::rename(tmp_, final_, ec);
  if (ec) throw IoError("cannot rename " + tmp_.string() + " to " + final_.string() + ": " +
                        ec.message());
  committed_ = true;
}

H5Reader::H5Reader(const std::filesystem::path& path) : path_(path) {
  quiet_hdf5();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw InputError(path.string() + ": no such file");
  file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file_ < 0) throw InputError(path.string() + ": not a readable HDF5 file (" +
                                  hdf5_message() + ")");
}

H5Reader::~H5Reader() {
  if (file_ >= 0) H5Fclose(file_);
}

bool H5Reader::has(const std::string& path) const {
  // H5Lexists fails on a missing intermediate group, so walk the path.
  std::string cur;
  for (const auto& part : split_path(path)) {
    cur += "/" + part;
    if (H5Lexists(file_, cur.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return true;
}

namespace {

// A numeric dataset's shape and its element count (overflow-checked), or an InputError.
std::vector<size_t> numeric_dims(hid_t ds, const std::string& file, const std::string& path,
                                 size_t* total) {
  Handle type{H5Dget_type(ds), H5Tclose};
  const H5T_class_t cls = H5Tget_class(type.id);
  if (cls != H5T_FLOAT && cls != H5T_INTEGER)
    throw InputError(file + ": dataset '" + path + "' is not numeric");
  Handle space{H5Dget_space(ds), H5Sclose};
  const int rank = H5Sget_simple_extent_ndims(space.id);
  if (rank < 0) throw InputError(file + ": dataset '" + path + "' has no simple shape");
  std::vector<hsize_t> hd(static_cast<size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space.id, hd.data(), nullptr);
  std::vector<size_t> dims;
  size_t n = 1;
  for (hsize_t d : hd) {
    if (__builtin_mul_overflow(n, static_cast<size_t>(d), &n) || d > SIZE_MAX)
      throw InputError(file + ": dataset '" + path + "' declares more values than can be addressed");
    dims.push_back(static_cast<size_t>(d));
  }
  *total = n;
  return dims;
}

// The bytes a read would allocate must be backed by data in the file: a dataset may declare any
// shape while storing nothing (unwritten chunks read as the fill value), and a corrupt or hostile
// file must not make the reader allocate terabytes. Compressed data may expand, by at most
// deflate's 1032:1; small datasets are always read.
void check_backed(hid_t ds, const std::string& file, const std::string& path, size_t total) {
  constexpr double kSmallBytes = 64.0 * (1 << 20), kMaxExpansion = 1032;
  const double bytes = static_cast<double>(total) * sizeof(double);
  const double stored = static_cast<double>(H5Dget_storage_size(ds));
  if (bytes > kSmallBytes && bytes > kMaxExpansion * stored)
    throw InputError(file + ": dataset '" + path + "' declares " + std::to_string(total) +
                     " values but the file stores only " + std::to_string(H5Dget_storage_size(ds)) +
                     " bytes of them");
}

}  // namespace

std::vector<size_t> H5Reader::dims(const std::string& path) const {
  if (!has(path)) throw InputError(path_.string() + ": no dataset '" + path + "'");
  Handle ds{checked<InputError>(H5Dopen2(file_, path.c_str(), H5P_DEFAULT),
                                path_.string() + ": cannot open dataset '" + path + "'"),
            H5Dclose};
  size_t total = 0;
  return numeric_dims(ds.id, path_.string(), path, &total);
}

std::vector<double> H5Reader::read(const std::string& path, std::vector<size_t>* dims) const {
  if (!has(path)) throw InputError(path_.string() + ": no dataset '" + path + "'");
  Handle ds{checked<InputError>(H5Dopen2(file_, path.c_str(), H5P_DEFAULT),
                                path_.string() + ": cannot open dataset '" + path + "'"),
            H5Dclose};
  size_t total = 0;
  std::vector<size_t> d = numeric_dims(ds.id, path_.string(), path, &total);
  check_backed(ds.id, path_.string(), path, total);
  if (dims) *dims = d;
  std::vector<double> out(total);
  if (total > 0 && H5Dread(ds.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    throw InputError(path_.string() + ": cannot read dataset '" + path + "': " + hdf5_message());
  return out;
}

std::vector<std::string> H5Reader::read_strings(const std::string& path) const {
  if (!has(path)) throw InputError(path_.string() + ": no dataset '" + path + "'");
  Handle ds{checked<InputError>(H5Dopen2(file_, path.c_str(), H5P_DEFAULT),
                                path_.string() + ": cannot open dataset '" + path + "'"),
            H5Dclose};
  Handle type{H5Dget_type(ds.id), H5Tclose};
  if (H5Tget_class(type.id) != H5T_STRING || H5Tis_variable_str(type.id) <= 0)
    throw InputError(path_.string() + ": dataset '" + path + "' is not a list of strings");
  Handle space{H5Dget_space(ds.id), H5Sclose};
  const hssize_t n = H5Sget_simple_extent_npoints(space.id);
  std::vector<char*> raw(static_cast<size_t>(std::max<hssize_t>(n, 0)), nullptr);
  Handle mt{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(mt.id, H5T_VARIABLE);
  H5Tset_cset(mt.id, H5Tget_cset(type.id));
  if (n > 0 && H5Dread(ds.id, mt.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0)
    throw InputError(path_.string() + ": cannot read dataset '" + path + "': " + hdf5_message());
  std::vector<std::string> out;
  for (char* c : raw) {
    out.emplace_back(c ? c : "");
    H5free_memory(c);
  }
  return out;
}

bool H5Reader::has_attr(const std::string& obj_path, const std::string& name) const {
  if (obj_path != "/" && !has(obj_path)) return false;
  return H5Aexists_by_name(file_, obj_path.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

std::vector<std::string> H5Reader::scale_names(const std::string& dataset) const {
  if (!has(dataset)) throw InputError(path_.string() + ": no dataset '" + dataset + "'");
  Handle ds{checked<InputError>(H5Dopen2(file_, dataset.c_str(), H5P_DEFAULT),
                                path_.string() + ": cannot open " + dataset),
            H5Dclose};
  Handle space{H5Dget_space(ds.id), H5Sclose};
  const int rank = std::max(H5Sget_simple_extent_ndims(space.id), 0);
  std::vector<std::string> names(static_cast<size_t>(rank));
  for (int a = 0; a < rank; ++a) {
    std::string* out = &names[static_cast<size_t>(a)];
    H5DSiterate_scales(ds.id, static_cast<unsigned>(a), nullptr,
                       [](hid_t, unsigned, hid_t scale, void* data) -> herr_t {
                         char buf[256] = {};
                         if (H5DSget_scale_name(scale, buf, sizeof buf) > 0)
                           *static_cast<std::string*>(data) = buf;
                         return 1;  // the first scale of the axis is enough
                       },
                       out);
  }
  return names;
}

namespace {

// An attribute must hold one value (a scalar or a one-element array): the readers read into a
// single variable, so an array attribute would overrun it.
void check_single(hid_t attr, const std::string& file, const std::string& obj,
                  const std::string& name) {
  Handle space{H5Aget_space(attr), H5Sclose};
  if (H5Sget_simple_extent_npoints(space.id) != 1)
    throw InputError(file + ": attribute '" + name + "' on '" + obj + "' must hold one value, it holds " +
                     std::to_string(H5Sget_simple_extent_npoints(space.id)));
}

}  // namespace

std::string H5Reader::attr_string(const std::string& obj_path, const std::string& name) const {
  if (!has_attr(obj_path, name))
    throw InputError(path_.string() + ": no attribute '" + name + "' on '" + obj_path + "'");
  Handle a{H5Aopen_by_name(file_, obj_path.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
           H5Aclose};
  const std::string what = path_.string() + ": attribute '" + name + "' on '" + obj_path + "'";
  Handle type{H5Aget_type(a.id), H5Tclose};
  if (H5Tget_class(type.id) != H5T_STRING) throw InputError(what + " is not a string");
  check_single(a.id, path_.string(), obj_path, name);
  if (H5Tis_variable_str(type.id) > 0) {
    char* s = nullptr;
    Handle mt{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_size(mt.id, H5T_VARIABLE);
    H5Tset_cset(mt.id, H5Tget_cset(type.id));
    if (H5Aread(a.id, mt.id, &s) < 0) throw InputError(what + ": cannot read it: " + hdf5_message());
    std::string out = s ? s : "";
    H5free_memory(s);
    return out;
  }
  std::string out(H5Tget_size(type.id), '\0');
  if (H5Aread(a.id, type.id, out.data()) < 0)
    throw InputError(what + ": cannot read it: " + hdf5_message());
  out.resize(std::strlen(out.c_str()));
  return out;
}

double H5Reader::attr_double(const std::string& obj_path, const std::string& name) const {
  if (!has_attr(obj_path, name))
    throw InputError(path_.string() + ": no attribute '" + name + "' on '" + obj_path + "'");
  Handle a{H5Aopen_by_name(file_, obj_path.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
           H5Aclose};
  const std::string what = path_.string() + ": attribute '" + name + "' on '" + obj_path + "'";
  Handle type{H5Aget_type(a.id), H5Tclose};
  const H5T_class_t cls = H5Tget_class(type.id);
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) throw InputError(what + " is not a number");
  check_single(a.id, path_.string(), obj_path, name);
  double v = 0;
  if (H5Aread(a.id, H5T_NATIVE_DOUBLE, &v) < 0)
    throw InputError(what + ": cannot read it: " + hdf5_message());
  return v;
}

}  // namespace cimchar
