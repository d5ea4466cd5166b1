// Architecture model and scheme traits of the PPA roll-up: the layer pipeline and the weight
// mapping against hand-computed small cases, a made-up scheme costed by its traits alone, and
// no scheme name in src/ppa.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/scheme_traits.hpp"
#include "ppa/architecture.hpp"
#include "ppa/names.hpp"
#include "ppa/rollup.hpp"

namespace fs = std::filesystem;
using namespace cimchar;
using namespace cimchar::ppa;

namespace {

fs::path card(const std::string& name) {
  return fs::path(CIMCHAR_TEST_SOURCE_DIR) / "characterization" / "tech" / name;
}

// proj 4, kv_write 2, score 6, softmax 2, value 4, out_proj 2, ffn 8 (one layer, one sequence);
// score always waits for the whole sequence's K/V; without the fine-grained trait softmax,
// value and out_proj wait for their predecessor too.
std::vector<PipeStage> layer(bool fine) {
  return {{kStageProj, 4, false},   {kStageKvWrite, 2, false}, {kStageScore, 6, true},
          {kStageSoftmax, 2, !fine}, {kStageValue, 4, !fine},  {kStageOutProj, 2, !fine},
          {kStageFfn, 8, false}};
}

double util(const PipelineTiming& p, const std::string& name) {
  for (const auto& [k, v] : p.utilization)
    if (k == name) return v;
  ADD_FAILURE() << name;
  return 0;
}

}  // namespace

// Segments stream n = 2 tokens: a segment of stage times T_i takes sum T_i / 2 + max T_i / 2.
TEST(Architecture, LayerPipelineOfTwoLayersByHand) {
  const PipelineTiming p = pipeline_timing(layer(false), 2, 2, 3);
  // [proj, kv] 5 | score 6 | softmax 2 | value 4 | [out, ffn, proj, kv] 8 + 4 = 12 | 6 | 2 | 4 |
  // [out, ffn] 5 + 4 = 9.
  EXPECT_DOUBLE_EQ(p.latency_sequence_s, 5 + 6 + 2 + 4 + 12 + 6 + 2 + 4 + 9);
  // K/V arrays busy from the write to the last value read: 2 + 6 + 2 + 4 = 14 > ffn's 8.
  EXPECT_DOUBLE_EQ(p.kv_occupancy_s, 14);
  EXPECT_DOUBLE_EQ(p.interval_s, 14);
  EXPECT_EQ(p.bottleneck, kKvArrays);
  EXPECT_DOUBLE_EQ(p.latency_run_s, 50 + 2 * 14);
  EXPECT_DOUBLE_EQ(p.tokens_per_s, 2.0 / 14);
  EXPECT_DOUBLE_EQ(util(p, kStageFfn), 8.0 / 14);
  EXPECT_DOUBLE_EQ(util(p, kKvArrays), 1.0);
}

TEST(Architecture, FineGrainedPipelineOfTwoLayersByHand) {
  const PipelineTiming p = pipeline_timing(layer(true), 2, 2, 1);
  // [proj, kv] 5 | [score .. kv of layer 2] sum 28, max 8: 14 + 4 = 18 | [score .. ffn] 11 + 4.
  EXPECT_DOUBLE_EQ(p.latency_sequence_s, 5 + 18 + 15);
  // K/V: the write 2, then score, softmax, value streamed: 6 + 3 = 9.
  EXPECT_DOUBLE_EQ(p.kv_occupancy_s, 11);
  EXPECT_DOUBLE_EQ(p.interval_s, 11);
  EXPECT_DOUBLE_EQ(p.latency_run_s, p.latency_sequence_s);
}

TEST(Architecture, SlowestStageSetsTheIntervalWhenItExceedsTheKvArrays) {
  std::vector<PipeStage> l = layer(true);
  l.back().time_s = 20;  // ffn
  const PipelineTiming p = pipeline_timing(l, 1, 4, 10);
  EXPECT_EQ(p.bottleneck, kStageFfn);
  EXPECT_DOUBLE_EQ(p.interval_s, 20);
  EXPECT_DOUBLE_EQ(p.tokens_per_s, 4.0 / 20);
  EXPECT_DOUBLE_EQ(p.latency_run_s, p.latency_sequence_s + 9 * 20);
}

TEST(Architecture, ReplicationUpToTheAreaBudget) {
  const TechCard t = load_tech_card(card("32nm.toml"));
  const ArchCard a = load_arch_card(card("arch_isaac_like.toml"));
  ASSERT_DOUBLE_EQ(a.budget_area_mm2.value, 100);
  // 128 x 128 at 32 nm, 1T1R 12 F^2: 16384 x 12 x (32e-6 mm)^2; 128 row drivers of
  // 0.00017 / 1024 mm^2; one ADC (128 columns share it) of 0.0096 / 8 mm^2 (ISAAC Table I).
  const double cell = 12 * 32e-6 * 32e-6;
  EXPECT_NEAR(array_area_mm2(a, t, 128, 128), 16384 * cell + 128 * 0.00017 / 1024 + 0.0012, 1e-9);
  ArrayDemand d;
  d.arrays_static = 1000;
  d.area_static_mm2 = 10;
  d.arrays_kv = 100;
  d.area_kv_mm2 = 5;
  d.kv_cols = 128;
  // floor((100 - 5) / 10) = 9 copies; fewer when the sequence has fewer tokens.
  Mapping m = map_weights(a, t, d, 64);
  EXPECT_DOUBLE_EQ(m.replication, 9);
  EXPECT_DOUBLE_EQ(m.arrays_used, 9 * 1000 + 100);
  EXPECT_DOUBLE_EQ(m.area_used_mm2, 95);
  EXPECT_DOUBLE_EQ(map_weights(a, t, d, 4).replication, 4);
  // Write power: 128 columns x 2 pJ / 50 ns = 5.12 mW an array; 1 W writes 195 at once.
  EXPECT_DOUBLE_EQ(m.write_parallel, 195);
  d.area_static_mm2 = 99;
  try {
    map_weights(a, t, d, 64);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("budget.array_area_mm2"), std::string::npos) << e.what();
  }
}

TEST(Architecture, CardFieldWithoutSourceNamesIt) {
  const fs::path p = fs::temp_directory_path() / "cimchar_arch_nosource.toml";
  std::ifstream in(card("arch_isaac_like.toml"));
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  const std::string key = "pes = { value = 12, source = \"";
  const size_t i = text.find(key);
  ASSERT_NE(i, std::string::npos);
  text = text.substr(0, i) + "pes = { value = 12 }" + text.substr(text.find('\n', i));
  std::ofstream(p) << text;
  try {
    load_arch_card(p);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("tile.pes"), std::string::npos) << e.what();
  }
}

namespace {

// One layer, one head, d = 8, 4 tokens: q/k/v/o projections and scores/context on 128 x 128
// arrays with 8-bit ADCs; the scheme's name is not one the project knows.
Workload made_up(const SchemeTraits& tr) {
  Workload w;
  w.file = "made-up.h5";
  w.scheme = "no-such-scheme";
  w.traits = tr;
  w.d_model = 8;
  w.seq = 4;
  const XbarShape x{128, 128, 8, 1, 8, 8, 2, 0.2, 100e-6, 1e-6};
  auto add = [&](const char* name, double macs, double adc_bits) {
    CounterRow r;
    r.name = name;
    r.analog = true;
    r.x = x;
    r.x.adc_bits = adc_bits;
    r.programs = 1;
    r.cell_writes = 64;
    r.tiles = 1;
    r.vectors = 4;
    r.array_reads = 56;
    r.adc_conversions = 56 * 8;
    r.macs = macs;
    r.read_vi_W = 1e-5;
    w.rows.push_back(r);
  };
  for (const char* p : {rows::kQProj, rows::kKProj, rows::kVProj, rows::kOProj}) add(p, 256, 8);
  add(rows::kScores, 4 * 4 * 8, 8);   // 4 queries x 4 keys x d_head 8: 16 scores
  add(rows::kContext, 4 * 4 * 8, 8);
  return w;
}

double value_of(const Parts& parts, const std::string& k) {
  for (const auto& [n, v] : parts)
    if (n == k) return v;
  ADD_FAILURE() << k;
  return 0;
}

double part(const Result& r, const std::string& k) { return value_of(r.energy_J, k); }

}  // namespace

// A scheme the roll-up has never heard of costs what its traits say.
TEST(SchemeTraits, MadeUpSchemeCostsWhatItsTraitsSay) {
  const TechCard t = load_tech_card(card("32nm.toml"));
  const ArchCard a = load_arch_card(card("arch_isaac_like.toml"));
  SchemeTraits tr;
  const Result digital = roll_up(made_up(tr), t, a, Luts{}, nullptr);
  // 16 scores: exp (3 x (FP16 mult + add)) + 2 FP16 adds + 1 FP16 multiply each.
  const double e_dig = 16 * (3 * (t.e_fp16_mult_J.value + t.e_fp16_add_J.value) +
                             2 * t.e_fp16_add_J.value + t.e_fp16_mult_J.value);
  EXPECT_NEAR(part(digital, kESoftmax), e_dig, 1e-9 * e_dig);
  EXPECT_EQ(part(digital, kESelect), 0);
  tr.softmax = traits::kSoftmaxInMemoryLut;
  tr.selector = traits::kSelectDigitalTopK;
  tr.select_over = rows::kScores;
  const Result lut = roll_up(made_up(tr), t, a, Luts{}, nullptr);
  // Per score an 8-bit conversion (2 mW / 1.2 GS/s, ISAAC), a row drive, a 32-bit add and an
  // FP16 multiply; the top-k a 32-bit compare per candidate score.
  const double e_lut = 16 * (2e-3 / 1.2e9 + t.e_dac_row_J.value + t.e_add32_J.value + t.e_fp16_mult_J.value);
  EXPECT_NEAR(part(lut, kESoftmax), e_lut, 1e-4 * e_lut);
  EXPECT_NEAR(part(lut, kESelect), 16 * t.e_add32_J.value, 1e-24);
  // Everything else is the same hardware.
  EXPECT_DOUBLE_EQ(part(lut, kEAdc), part(digital, kEAdc));
}

// The in-memory LUT softmax with the scores formed in digital (no score arrays to borrow ADCs
// from): one lookup engine per head, so the softmax stage takes 16 lookups of one 8-bit
// conversion each (ISAAC: 1/1.2 GS/s) plus the digital normalization, not forever.
TEST(SchemeTraits, LutSoftmaxWithDigitalScoresHasAFiniteLatency) {
  const TechCard t = load_tech_card(card("32nm.toml"));
  const ArchCard a = load_arch_card(card("arch_isaac_like.toml"));
  SchemeTraits tr;
  tr.softmax = traits::kSoftmaxInMemoryLut;
  Workload w = made_up(tr);
  for (auto& r : w.rows)
    if (r.name == rows::kScores || r.name == rows::kContext) r.analog = false, r.x = XbarShape{};
  const Result res = roll_up(w, t, a, Luts{}, nullptr);
  double softmax = -1;
  for (const auto& st : res.stages)
    if (st.name == kStageSoftmax) softmax = st.time_s;
  const double lookups = 16 / 1.2e9;
  EXPECT_GE(softmax, lookups * (1 - 1e-9));
  EXPECT_LT(softmax, lookups + 16 * 10 / t.clock_Hz.value);
  EXPECT_TRUE(std::isfinite(res.latency_sequence_s));
  EXPECT_GT(res.latency_sequence_s, 0);
}

TEST(SchemeTraits, TraitsThatCannotBeCostedAreInputErrors) {
  const TechCard t = load_tech_card(card("32nm.toml"));
  const ArchCard a = load_arch_card(card("arch_isaac_like.toml"));
  SchemeTraits tr;
  tr.selector = traits::kSelectDigitalTopK;
  tr.select_over = "no_such_row";
  EXPECT_THROW(roll_up(made_up(tr), t, a, Luts{}, nullptr), InputError);
  // An array without ADCs needs a comparator trait (wta or threshold).
  Workload w = made_up(SchemeTraits{});
  w.rows.back().x.adc_bits = 0;
  EXPECT_THROW(roll_up(w, t, a, Luts{}, nullptr), InputError);
  w.traits.selector = traits::kSelectThreshold;
  EXPECT_NO_THROW(roll_up(w, t, a, Luts{}, nullptr));
}

// PPA reads traits only: no scheme's name appears in its sources.
TEST(SchemeTraits, NoSchemeNameInSrcPpa) {
  const fs::path dir = fs::path(CIMCHAR_TEST_SOURCE_DIR) / "src" / "ppa";
  int files = 0;
  for (const auto& f : fs::directory_iterator(dir)) {
    std::ifstream in(f.path());
    std::stringstream s;
    s << in.rdbuf();
    const std::string text = s.str();
    ++files;
    for (const char* name : {"\"ideal\"", "\"rram-baseline\"", "\"star\"", "\"attar\"", "\"sprint\"",
                             "\"hardsea\"", "\"hybrid-cim\""})
      EXPECT_EQ(text.find(name), std::string::npos) << f.path() << " names " << name;
  }
  EXPECT_GT(files, 10);
}

// Arrays without ADCs carry their decision circuits in the area, one per column, not the
// card's ADCs: the measured WTA's area per input (or StrongARM's), else the card's ADCs as for
// an array with them; the mapping's area budget counts the same converters.
TEST(Area, DecisionCircuitsOfArraysWithoutAdcs) {
  const TechCard t = load_tech_card(card("32nm.toml"));
  const ArchCard a = load_arch_card(card("arch_isaac_like.toml"));
  SchemeTraits tr;
  tr.selector = traits::kSelectWta;
  Workload w = made_up(tr);
  for (auto& r : w.rows)
    if (r.name == rows::kScores) r.x.adc_bits = 0;
  auto part = [](const Result& r, const std::string& k) { return value_of(r.area_mm2, k); };
  const double adc = 0.0096 / 8;  // ISAAC Table I, one ADC for 128 columns
  const Result card_only = roll_up(w, t, a, Luts{}, nullptr);
  // Six arrays with converters; without a measurement the score array keeps the card's ADC.
  EXPECT_NEAR(part(card_only, kAAdc) + part(card_only, kADecision),
              (4 * card_only.mapping.replication + 2) * adc, 1e-12);
  EXPECT_NEAR(part(card_only, kADecision), adc, 1e-12);
  Luts l;
  l.wta_area_per_input = AreaFigure{20e-6, "wta.h5"};  // 20 um^2 an input
  const Result measured = roll_up(w, t, a, l, nullptr);
  EXPECT_NEAR(part(measured, kADecision), 128 * 20e-6, 1e-12);
  EXPECT_NEAR(part(measured, kAAdc), (4 * measured.mapping.replication + 1) * adc, 1e-12);
  bool named = false;
  for (const auto& [k, v] : measured.sources) named = named || (k == "area_decision" && v.find("wta.h5") == 0);
  EXPECT_TRUE(named);
  // The budget's demand: the K/V-side arrays (scores, context) with their own converters.
  const ArrayDemand d = array_demand(w, a, t, l);
  const double array = 16384 * t.cell_area_mm2() + 128 * t.dac_area_mm2.value;
  EXPECT_NEAR(d.area_kv_mm2, 2 * array + adc + 128 * 20e-6, 1e-12);
  // A threshold selector takes the comparator's measured area instead.
  w.traits.selector = traits::kSelectThreshold;
  l.comparator_area = AreaFigure{8.55e-6, "threshold.h5"};
  EXPECT_NEAR(part(roll_up(w, t, a, l, nullptr), kADecision), 128 * 8.55e-6, 1e-12);
}
