// Typed, versioned LUT records: the one definition of a table's layout that its writer (a flow),
// its readers (attention, ppa) and its documentation (docs/results-format.md) share, so that no
// HDF5 path is typed twice. A record is a struct with
//   static constexpr const char* kGroup;          e.g. "/lut/threshold" (writers may pass another)
//   static constexpr const char* kDescription;    one sentence
//   static constexpr Interpolation kInterpolation; how a consumer should look values up
//   void fields(Visitor& v);                      declares every field, in order
// In the file a record is a group whose coordinates are HDF5 dimension scales (H5DS) attached
// to every variable over them, so xarray (h5netcdf) and netCDF tools see named dimensions.
// Each dataset has `units` (strings that UDUNITS and pint parse; "1" = dimensionless) and
// `description`; the group has `format_version`, `interpolation`, `description` and `axes`.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/h5.hpp"
#include "core/provenance.hpp"

namespace cimchar::lut {

// Version of the record layout: the files' (core/provenance.hpp), bumped when a record changes
// incompatibly. Readers accept files up to their own version.
using cimchar::kFormatVersion;

enum class Interpolation {
  linear,     // piecewise linear along every axis, no extrapolation beyond the axis ends
  monotone,   // monotone piecewise cubic (Fritsch-Carlson) along every axis
  nearest,    // the nearest axis point
  none,       // a table of samples, not meant to be interpolated
};
const char* to_string(Interpolation i);

// What a record's fields() is told about each field. The string arguments are literals.
class Visitor {
 public:
  virtual ~Visitor() = default;
  // A 1-D coordinate (strictly increasing unless said), made a dimension scale named `name`.
  virtual void axis(const char* name, std::vector<double>& values, const char* units,
                    const char* description) = 0;
  // Data over named axes, row-major in the order of `dims`. NaN is allowed where documented.
  virtual void var(const char* name, std::vector<double>& data,
                   std::initializer_list<const char*> dims, const char* units,
                   const char* description) = 0;
  // A number stored as an attribute of the group; `present` (if given) makes it optional.
  virtual void scalar(const char* name, double& value, const char* units, const char* description,
                      bool* present = nullptr) = 0;
  virtual void text(const char* name, std::string& value, const char* description) = 0;
};

struct Header {
  std::string group, description;
  Interpolation interpolation;
};

void write_fields(H5Writer& out, const Header& h, const std::function<void(Visitor&)>& fields);
void read_fields(const H5Reader& in, const std::string& group,
                 const std::function<void(Visitor&)>& fields);
std::string describe_fields(const Header& h, const std::function<void(Visitor&)>& fields);
std::string json_fields(const std::function<void(Visitor&)>& fields);

template <class R>
void write(H5Writer& out, const R& rec, const std::string& group = R::kGroup) {
  R& r = const_cast<R&>(rec);  // the writing visitor only reads the fields
  write_fields(out, {group, R::kDescription, R::kInterpolation}, [&](Visitor& v) { r.fields(v); });
}

// InputError naming the file and the dataset for anything missing, misshapen or too new.
template <class R>
R read(const H5Reader& in, const std::string& group = R::kGroup) {
  R r;
  read_fields(in, group, [&](Visitor& v) { r.fields(v); });
  return r;
}

// A Markdown table of the record's fields (for docs/results-format.md).
template <class R>
std::string describe(const std::string& group = R::kGroup) {
  R r;
  return describe_fields({group, R::kDescription, R::kInterpolation},
                         [&](Visitor& v) { r.fields(v); });
}

// The record's fields as one JSON object (NaN written as NaN, which Python's json reads): what
// the C++ reader sees, for comparing with other readers (tools/lut_dump).
template <class R>
std::string to_json(const R& rec) {
  R& r = const_cast<R&>(rec);  // the printing visitor only reads the fields
  return json_fields([&](Visitor& v) { r.fields(v); });
}

}  // namespace cimchar::lut
