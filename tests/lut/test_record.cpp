// Typed LUT records (src/lut): what a record writes is what it reads, with HDF5 dimension
// scales attached by name, units and format_version; bad files are refused naming file and
// dataset; the documentation in docs/results-format.md is the record's own description.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "lut/catalog.hpp"
#include "lut/periph_records.hpp"

namespace fs = std::filesystem;
using namespace cimchar;

namespace {

lut::ThresholdLut sample_threshold() {
  lut::ThresholdLut t;
  t.distance = {-0.01, 0.0, 0.01};
  t.distance_current = {-1e-7, 0.0, 1e-7};
  t.p_prune = {0.98, 0.5, 0.02};
  t.p_prune_spice = {1.0, 0.45, 0.0};
  t.p_prune_gaussian = {0.977, 0.5, 0.023};
  t.p_false_prune = {std::nan(""), std::nan(""), 0.02};
  t.p_false_keep = {0.02, std::nan(""), std::nan("")};
  t.sigma_total_V = 5e-3;
  t.current_threshold_A = 5e-6;
  t.t_decision_s = 1e-8;
  t.e_decision_J = 5e-14;
  t.definition = "test";
  return t;
}

fs::path write_sample(const std::string& name, const std::function<void(H5Writer&)>& more = {}) {
  const fs::path p = fs::temp_directory_path() / ("cimchar_lut_" + name + ".h5");
  H5Writer out(p);
  lut::write(out, sample_threshold());
  if (more) more(out);
  out.commit();
  return p;
}

}  // namespace

TEST(LutRecord, RoundTripWithScalesUnitsAndVersion) {
  const auto p = write_sample("roundtrip");
  H5Reader in(p);
  const auto t = lut::read<lut::ThresholdLut>(in);
  const auto ref = sample_threshold();
  EXPECT_EQ(t.distance, ref.distance);
  EXPECT_EQ(t.p_prune, ref.p_prune);
  EXPECT_TRUE(std::isnan(t.p_false_prune[0]));
  EXPECT_EQ(t.p_false_prune[2], 0.02);
  EXPECT_EQ(t.sigma_total_V, 5e-3);
  EXPECT_EQ(t.e_decision_J, 5e-14);
  EXPECT_EQ(t.definition, "test");
  // Every variable's axis 0 carries the scale named "distance"; the coordinate is its own.
  for (const char* v : {"p_prune", "p_prune_spice", "p_false_keep", "distance_current"})
    EXPECT_EQ(in.scale_names(std::string("/lut/threshold/") + v),
              std::vector<std::string>{"distance"}) << v;
  EXPECT_EQ(in.attr_string("/lut/threshold/distance", "units"), "V");
  EXPECT_EQ(in.attr_string("/lut/threshold/p_prune", "units"), "1");
  EXPECT_EQ(in.attr_double("/lut/threshold", "format_version"),
            static_cast<double>(lut::kFormatVersion));
  EXPECT_EQ(in.attr_string("/lut/threshold", "interpolation"), "linear");
  EXPECT_EQ(in.attr_string("/lut/threshold", "axes"), "distance");
}

TEST(LutRecord, NewerFormatVersionIsRefusedNamingTheFile) {
  const auto p = write_sample("newer", [](H5Writer& out) {
    out.attr("/lut/threshold", "format_version", static_cast<int64_t>(lut::kFormatVersion + 1));
  });
  try {
    lut::read<lut::ThresholdLut>(H5Reader(p));
    FAIL() << "a newer format was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("format_version"), std::string::npos) << e.what();
  }
}

TEST(LutRecord, MisshapenOrMissingDataIsRefusedNamingTheDataset) {
  const fs::path p = fs::temp_directory_path() / "cimchar_lut_misshapen.h5";
  {
    H5Writer out(p);
    auto t = sample_threshold();
    t.p_prune.push_back(0.1);  // 4 values over a 3-point axis, written by hand
    out.write("/lut/threshold/distance", t.distance, {3}, "V");
    out.write("/lut/threshold/distance_current", t.distance_current, {3}, "A");
    out.write("/lut/threshold/p_prune", t.p_prune, {4}, "1");
    out.commit();
  }
  try {
    lut::read<lut::ThresholdLut>(H5Reader(p));
    FAIL() << "a misshapen table was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/lut/threshold/p_prune"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("shape"), std::string::npos) << e.what();
  }
  const fs::path q = fs::temp_directory_path() / "cimchar_lut_missing.h5";
  {
    H5Writer out(q);
    out.write("/lut/threshold/distance", {0.0, 1.0}, {2}, "V");
    out.commit();
  }
  EXPECT_THROW(lut::read<lut::ThresholdLut>(H5Reader(q)), InputError);
}

TEST(LutRecord, ValidateRefusesWhatTheExecutorCannotUse) {
  auto t = sample_threshold();
  t.distance = {0.0, -0.01, 0.01};
  EXPECT_THROW(t.validate("f.h5"), InputError);
  t = sample_threshold();
  t.p_prune[1] = 1.5;
  EXPECT_THROW(t.validate("f.h5"), InputError);
  EXPECT_NO_THROW(sample_threshold().validate("f.h5"));
}

// docs/results-format.md carries each record's generated description between markers
// <!-- lut:GROUP --> and <!-- /lut -->; a record that changes without its docs fails here
// (build/src/lut/lut_docs docs/results-format.md rewrites the blocks).
TEST(LutRecord, DocsAreTheRecordsOwnDescription) {
  std::ifstream in(fs::path(CIMCHAR_TEST_SOURCE_DIR) / "docs" / "results-format.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  for (const auto& r : lut::catalog()) {
    const std::string begin = "<!-- lut:" + r.group + " -->\n", end = "<!-- /lut -->";
    const auto a = doc.find(begin);
    ASSERT_NE(a, std::string::npos) << "docs/results-format.md has no " << begin;
    const auto b = doc.find(end, a);
    ASSERT_NE(b, std::string::npos);
    EXPECT_EQ(doc.substr(a + begin.size(), b - a - begin.size()), r.markdown)
        << "run build/src/lut/lut_docs docs/results-format.md";
  }
  EXPECT_EQ(lut::rewrite_docs(doc), doc);
}
