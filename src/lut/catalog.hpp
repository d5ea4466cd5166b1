// Every LUT record, listed once (new records are added here): the documentation of each, for
// docs/results-format.md (tools/lut_docs rewrites its blocks; tests/lut checks them).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/h5.hpp"

namespace cimchar::lut {

struct RecordDoc {
  std::string group;     // the marker name in the docs: <!-- lut:GROUP -->
  std::string markdown;  // describe<R>(group)
  // Reads the record at a group of this pattern with the C++ reader, as JSON (to_json).
  std::function<std::string(const H5Reader&, const std::string&)> json;
};

std::vector<RecordDoc> catalog();

// `doc` with the block after each <!-- lut:GROUP --> marker (up to <!-- /lut -->) replaced by
// the record's description. Throws Error for a record whose marker is missing.
std::string rewrite_docs(const std::string& doc);

// Whether `group` is an instance of the catalog pattern `pattern`, whose upper-case runs are
// placeholders for one path segment's text ("/lut/adc/ARCH/bBITS" matches "/lut/adc/sar/b8").
bool matches(const std::string& pattern, const std::string& group);

// The record at `group` of `in` read by the C++ reader, as JSON; InputError naming the file
// when no record has that group.
std::string read_json(const H5Reader& in, const std::string& group);

}  // namespace cimchar::lut
