#include "lut/catalog.hpp"

#include "core/error.hpp"
#include "lut/analysis_records.hpp"
#include "lut/cell_records.hpp"
#include "lut/periph_records.hpp"
#include "lut/xbar_records.hpp"

namespace cimchar::lut {

namespace {

template <class R>
RecordDoc entry() {
  return {R::kGroup, describe<R>(),
          [](const H5Reader& in, const std::string& g) { return to_json(read<R>(in, g)); }};
}

bool is_placeholder(char c) { return c >= 'A' && c <= 'Z'; }

}  // namespace

std::vector<RecordDoc> catalog() {
  return {entry<ReadCurrentLut>(), entry<CellErrorLut>(),   entry<ColumnErrorLut>(),
          entry<AdcErrorLut>(),    entry<WtaDecisionLut>(), entry<WtaTransistorLut>(), entry<ThresholdLut>(),
          entry<ThresholdComparatorLut>(),
          entry<SweepCurves>(), entry<AttributionTable>(), entry<IrDropLut>(),
          entry<IrDropModelLut>(), entry<ProductCounters>()};
}

bool matches(const std::string& pattern, const std::string& group) {
  size_t p = 0, g = 0;
  while (p < pattern.size()) {
    if (is_placeholder(pattern[p])) {
      while (p < pattern.size() && is_placeholder(pattern[p])) ++p;
      const size_t start = g;
      while (g < group.size() && group[g] != '/') ++g;
      if (g == start) return false;
      continue;
    }
    if (g >= group.size() || pattern[p] != group[g]) return false;
    ++p;
    ++g;
  }
  return g == group.size();
}

std::string read_json(const H5Reader& in, const std::string& group) {
  for (const auto& r : catalog())
    if (matches(r.group, group)) return r.json(in, group);
  throw InputError(in.path().string() + ": " + group + " is not a LUT record group");
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
