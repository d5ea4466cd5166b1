#include "lut/catalog.hpp"

#include "core/error.hpp"
#include "lut/analysis_records.hpp"
#include "lut/periph_records.hpp"

namespace cimchar::lut {

std::vector<RecordDoc> catalog() {
  return {
      {ThresholdLut::kGroup, describe<ThresholdLut>()},
      {SweepCurves::kGroup, describe<SweepCurves>()},
      {AttributionTable::kGroup, describe<AttributionTable>()},
  };
}

std::string rewrite_docs(const std::string& doc) {
  std::string out = doc;
  for (const auto& r : catalog()) {
    const std::string begin = "<!-- lut:" + r.group + " -->\n", end = "<!-- /lut -->";
    const auto a = out.find(begin);
    if (a == std::string::npos) throw Error("the docs have no marker " + begin);
    const auto b = out.find(end, a);
    if (b == std::string::npos) throw Error("the docs' block " + begin + " has no " + end);
    out.replace(a + begin.size(), b - a - begin.size(), r.markdown);
  }
  return out;
}

}  // namespace cimchar::lut
