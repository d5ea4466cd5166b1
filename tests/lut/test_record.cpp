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
#include "lut/cell_records.hpp"
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

// The records of the cell, variation, adc and wta stages: what is written is what the C++
// reader returns, each variable carries the scales of its axes by name, units as declared.
TEST(LutRecord, CellVariationAdcWtaRecordsRoundTrip) {
  const fs::path p = fs::temp_directory_path() / "cimchar_lut_records.h5";
  lut::ReadCurrentLut rc;
  rc.state = {0.5e-9, 1e-9, 1.5e-9};
  rc.v_read = {0.0, 0.1};
  rc.i = {0, 1e-6, 0, 5e-7, 0, 2e-7};
  rc.state_units = "m";
  lut::ColumnErrorLut ce;
  ce.size = {16, 32};
  ce.ir_drop = {0, 1};
  ce.mean = {1e-3, -2e-3, 1.5e-3, -4e-3};
  ce.sigma = ce.q05 = ce.q95 = ce.mean;
  ce.r_wire_ohm = 2.5;
  ce.arrays = 8;
  lut::AdcErrorLut adc;
  adc.transition = {1, 2, 3};
  adc.transition_error_mean = {0.1, -0.2, 0.05};
  adc.transition_error_sigma = {0.3, 0.2, 0.1};
  adc.enob_mean = 1.93;
  adc.sfdr_sigma = 0.7;
  adc.lsb_V = 0.25;
  lut::WtaDecisionLut w;
  w.capacitance = {50e-15, 200e-15};
  w.margin = {0.01, 0.05, 0.1};
  w.p_error = {0.4, 0.1, 0.0, 0.2, 0.01, 0.0};
  w.p_error_ngspice = {std::nan(""), 0.1, 0.0, 0.25, 0.0, 0.0};
  w.resolved_margin = {0.07, 0.04};
  w.delay = w.delay_max = {5e-9, 20e-9};
  w.energy = {8e-14, 3.2e-13};
  w.sigma_total = {6e-3, 5e-3};
  w.v_trip_V = 0.5;
  w.k = 2;
  {
    H5Writer out(p);
    lut::write(out, rc);
    lut::write(out, ce);
    lut::write(out, adc, lut::AdcErrorLut::group("sar", 2));
    lut::write(out, w);
    out.commit();
  }
  H5Reader in(p);
  const auto rc2 = lut::read<lut::ReadCurrentLut>(in);
  EXPECT_EQ(rc2.i, rc.i);
  EXPECT_EQ(in.attr_string("/lut/read_current/state", "units"), "m");
  EXPECT_EQ(in.scale_names("/lut/read_current/i"), (std::vector<std::string>{"state", "v_read"}));
  const auto ce2 = lut::read<lut::ColumnErrorLut>(in);
  EXPECT_EQ(ce2.mean, ce.mean);
  EXPECT_EQ(ce2.r_wire_ohm, 2.5);
  EXPECT_EQ(ce2.arrays, 8);
  EXPECT_EQ(in.attr_string("/lut/column_error", "r_wire_ohm_units"), "ohm");
  EXPECT_EQ(in.scale_names("/lut/column_error/q95"), (std::vector<std::string>{"size", "ir_drop"}));
  const auto adc2 = lut::read<lut::AdcErrorLut>(in, "/lut/adc/sar/b2");
  EXPECT_EQ(adc2.transition_error_sigma, adc.transition_error_sigma);
  EXPECT_EQ(adc2.enob_mean, 1.93);
  EXPECT_EQ(adc2.sfdr_sigma, 0.7);
  EXPECT_EQ(in.attr_string("/lut/adc/sar/b2", "enob_mean_units"), "bit");
  EXPECT_EQ(in.attr_string("/lut/adc/sar/b2", "interpolation"), "none");
  const auto w2 = lut::read<lut::WtaDecisionLut>(in);
  EXPECT_TRUE(std::isnan(w2.p_error_ngspice[0]));
  EXPECT_EQ(w2.p_error[4], 0.01);
  EXPECT_EQ(w2.sigma_total, w.sigma_total);
  EXPECT_EQ(w2.v_trip_V, 0.5);
  EXPECT_EQ(in.attr_string("/lut/wta/capacitance", "units"), "F");
  EXPECT_EQ(in.scale_names("/lut/wta/p_error"), (std::vector<std::string>{"capacitance", "margin"}));
  EXPECT_EQ(in.scale_names("/lut/wta/energy"), std::vector<std::string>{"capacitance"});
  EXPECT_NO_THROW(w2.validate("f.h5"));
}

// Bilinear interpolation of the read current against the hand-computed value of a plane
// through the four corners; points off the table are refused, not extrapolated.
TEST(LutRecord, ReadCurrentInterpolatesBilinearly) {
  lut::ReadCurrentLut rc;
  rc.state = {0.0, 1.0, 3.0};
  rc.v_read = {0.0, 0.2};
  // i = 1e-6 (1 + s) v / 0.2 at the grid points: bilinear reproduces it exactly between them.
  for (double s : rc.state)
    for (double v : rc.v_read) rc.i.push_back(1e-6 * (1 + s) * v / 0.2);
  EXPECT_NEAR(rc.current_A(2.0, 0.05, "f.h5"), 1e-6 * 3 * 0.25, 1e-21);
  EXPECT_NEAR(rc.current_A(0.25, 0.15, "f.h5"), 1e-6 * 1.25 * 0.75, 1e-21);
  EXPECT_EQ(rc.current_A(3.0, 0.2, "f.h5"), 4e-6);
  EXPECT_THROW(rc.current_A(3.5, 0.1, "f.h5"), InputError);
  EXPECT_THROW(rc.current_A(1.0, -0.01, "f.h5"), InputError);
}

TEST(LutRecord, WtaValidateRefusesWhatTheExecutorCannotUse) {
  lut::WtaDecisionLut w;
  w.capacitance = {50e-15, 0};
  w.delay = w.energy = w.sigma_total = {1, 1};
  w.v_trip_V = 0.5;
  EXPECT_THROW(w.validate("f.h5"), InputError);
  w.capacitance = {50e-15, 1e-13};
  w.energy = {1};
  EXPECT_THROW(w.validate("f.h5"), InputError);
  w.energy = {1, 1};
  w.v_trip_V = 0;
  EXPECT_THROW(w.validate("f.h5"), InputError);
}
