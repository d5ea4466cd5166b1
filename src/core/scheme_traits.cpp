// Scheme traits in attention.h5 (scheme_traits.hpp).
#include "core/scheme_traits.hpp"

#include <initializer_list>
#include <sstream>

#include "core/error.hpp"
#include "core/h5.hpp"

namespace cimchar {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string x;
  while (std::getline(in, x, ','))
    if (!x.empty()) out.push_back(x);
  return out;
}

std::string one_of(const H5Reader& r, const std::string& file, const std::string& key,
                   std::initializer_list<const char*> allowed) {
  const std::string a = "trait_" + key;
  if (!r.has_attr("/", a))
    throw InputError(file + ": no root attribute '" + a + "' (scheme traits, written by cimchar "
                     "attention since the architecture model; rerun the attention run)");
  const std::string v = r.attr_string("/", a);
  std::string list;
  for (const char* x : allowed) {
    if (v == x) return v;
    list += std::string(list.empty() ? "" : ", ") + x;
  }
  throw InputError(file + ": root attribute '" + a + "' is '" + v + "'; expected one of " + list);
}

}  // namespace

void write_scheme_traits(H5Writer& w, const SchemeTraits& t) {
  w.attr("/", "trait_softmax", t.softmax);
  w.attr("/", "trait_selector", t.selector);
  w.attr("/", "trait_select_over", t.select_over);
  w.attr("/", "trait_pipeline", t.pipeline);
  w.attr("/", "trait_luts", join(t.luts));
  w.attr("/", "trait_digital_units", join(t.digital_units));
}

SchemeTraits read_scheme_traits(const H5Reader& r, const std::string& file) {
  using namespace traits;
  SchemeTraits t;
  t.softmax = one_of(r, file, "softmax", {kSoftmaxDigital, kSoftmaxInMemoryLut});
  t.selector = one_of(r, file, "selector", {kSelectNone, kSelectDigitalTopK, kSelectWta, kSelectThreshold});
  t.pipeline = one_of(r, file, "pipeline", {kPipelineLayer, kPipelineFineGrained});
  for (const char* k : {"trait_select_over", "trait_luts", "trait_digital_units"})
    if (!r.has_attr("/", k))
      throw InputError(file + ": no root attribute '" + std::string(k) + "' (rerun the attention run)");
  t.select_over = r.attr_string("/", "trait_select_over");
  if (t.selector == kSelectDigitalTopK && t.select_over.empty())
    throw InputError(file + ": trait_selector is digital_topk but trait_select_over is empty");
  t.luts = split(r.attr_string("/", "trait_luts"));
  t.digital_units = split(r.attr_string("/", "trait_digital_units"));
  return t;
}

}  // namespace cimchar
