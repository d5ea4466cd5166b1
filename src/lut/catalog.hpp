// Every LUT record, listed once (new records are added here): the documentation of each, for
// docs/results-format.md (tools/lut_docs rewrites its blocks; tests/lut checks them).
#pragma once

#include <string>
#include <vector>

namespace cimchar::lut {

struct RecordDoc {
  std::string group;     // the marker name in the docs: <!-- lut:GROUP -->
  std::string markdown;  // describe<R>(group)
};

std::vector<RecordDoc> catalog();

// `doc` with the block after each <!-- lut:GROUP --> marker (up to <!-- /lut -->) replaced by
// the record's description. Throws Error for a record whose marker is missing.
std::string rewrite_docs(const std::string& doc);

}  // namespace cimchar::lut
