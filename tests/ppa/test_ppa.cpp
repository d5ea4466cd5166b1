// PPA component models and roll-up: numbers against arithmetic done here from the cited figures
// (ISAAC's ADC power and rate, Horowitz's 45 nm energies scaled by C V^2), the pipeline bounds,
// breakdown = total, the roofline of a tiny layer by hand, and card errors naming the field.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "lut/periph_records.hpp"
#include "core/scheme_traits.hpp"
#include "ppa/architecture.hpp"
#include "ppa/components.hpp"
#include "ppa/names.hpp"
#include "ppa/gpu_model.hpp"
#include "ppa/rollup.hpp"
#include "ppa/tech_card.hpp"

namespace fs = std::filesystem;
using namespace cimchar;
using namespace cimchar::ppa;

namespace {

fs::path card(const std::string& name) {
  return fs::path(CIMCHAR_TEST_SOURCE_DIR) / "characterization" / "tech" / name;
}

ArchCard arch() { return load_arch_card(card("arch_isaac_like.toml")); }

fs::path tmp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("cimchar_ppa_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The card's text without the line that starts with `key`.
std::string without_line(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line))
    if (line.rfind(key, 0) != 0) out += line + "\n";
  return out;
}

}  // namespace

TEST(TechCard, AllNodesLoadWithSources) {
  for (const char* n : {"22nm.toml", "32nm.toml", "45nm.toml", "65nm.toml"}) {
    const TechCard t = load_tech_card(card(n));
    for (const auto& [key, value, unit, source] : t.fields()) {
      EXPECT_FALSE(source.empty()) << n << " " << key;
      EXPECT_TRUE(std::isfinite(value)) << n << " " << key;
    }
  }
  EXPECT_NO_THROW(load_gpu_card(card("gpu_a100.toml")));
}

TEST(TechCard, DerivedFiguresByHand) {
  const TechCard t = load_tech_card(card("32nm.toml"));
  // 1T1R 12 F^2 at F = 32 nm: 12 x (32e-6 mm)^2.
  EXPECT_NEAR(t.cell_area_mm2(), 12 * 32e-6 * 32e-6, 1e-15);
  // rho 3.25 uohm cm (NeuroSim's ITRS table, 32 nm) over 32 nm x 64 nm, times a 2F = 64 nm pitch.
  const double r_um = 3.25e-8 / (32e-9 * 64e-9) * 1e-6;
  EXPECT_NEAR(t.r_wire_per_cell_ohm(), r_um * 0.064, 1e-3 * r_um * 0.064);
  // exp: 3 x (FP16 mult 1.1 pJ + add 0.4 pJ) at 45 nm / 0.9 V, scaled by 32/45 (same supply).
  EXPECT_NEAR(t.e_exp_J(), 3 * 1.5e-12 * 32.0 / 45.0, 1e-3 * t.e_exp_J());
  // The 45 nm card is Horowitz, ISSCC 2014, 45 nm 0.9 V, unscaled: MAC8 0.2 + 0.03 pJ, 32-bit
  // add 0.1 pJ, FP16 add 0.4 / mult 1.1 pJ, 8 KB SRAM 10 pJ per 64-bit read; Cu 2.97 uohm cm.
  const TechCard t45 = load_tech_card(card("45nm.toml"));
  EXPECT_DOUBLE_EQ(t45.vdd_V.value, 0.9);
  EXPECT_NEAR(t45.e_mac8_J.value, 0.23e-12, 1e-6 * 0.23e-12);
  EXPECT_NEAR(t45.e_add32_J.value, 0.1e-12, 1e-6 * 0.1e-12);
  EXPECT_NEAR(t45.e_fp16_add_J.value, 0.4e-12, 1e-6 * 0.4e-12);
  EXPECT_NEAR(t45.e_fp16_mult_J.value, 1.1e-12, 1e-6 * 1.1e-12);
  EXPECT_NEAR(t45.sram_e_bit_J.value, 10e-12 / 64, 1e-6 * 10e-12 / 64);
  EXPECT_NEAR(t45.r_wire_ohm_per_um.value, 2.97e-8 / (45e-9 * 90e-9) * 1e-6, 1e-3);
  // 65 nm by the stated rule E ~ L V^2: x (65/45) x (1.1/0.9)^2.
  const TechCard t65 = load_tech_card(card("65nm.toml"));
  EXPECT_NEAR(t65.e_mac8_J.value, 0.23e-12 * 65 / 45 * 1.21 / 0.81, 1e-4 * t65.e_mac8_J.value);
}

TEST(Components, AdcFromWaldenMatchesIsaacPower) {
  const TechCard t = load_tech_card(card("32nm.toml"));
  // ISAAC Table I: 8 ADCs (8-bit, 1.2 GS/s) burn 16 mW -> 2 mW / 1.2e9 = 1.667 pJ a conversion.
  const Figure a = adc_figure(t, Luts{}, 8);
  EXPECT_NEAR(a.energy_J, 2e-3 / 1.2e9, 1e-4 * 2e-3 / 1.2e9);
  EXPECT_NEAR(a.delay_s, 1 / 1.2e9, 1e-15);
  EXPECT_NE(a.source.find("Walden"), std::string::npos);
  // 4 bits: 16 steps of the same figure of merit.
  EXPECT_NEAR(adc_figure(t, Luts{}, 4).energy_J, 2e-3 / 1.2e9 / 16, 1e-4 * 2e-3 / 1.2e9 / 16);
  // Comparator fallback: a 1-bit conversion (2 steps).
  EXPECT_NEAR(comparator_figure(t, Luts{}).energy_J, 2e-3 / 1.2e9 / 128, 1e-17);
  // WTA fallback over 10 inputs: 10 decisions.
  EXPECT_NEAR(wta_figure(t, Luts{}, 10).energy_J, 10 * 2e-3 / 1.2e9 / 128, 1e-16);
}

TEST(Components, DacAndCycleFromIsaac) {
  const TechCard t = load_tech_card(card("32nm.toml"));
  // ISAAC: 1024 1-bit DACs at 4 mW over a 100 ns read: 0.390625 pJ a row.
  // (the card keeps 4 significant digits: 1e-3 relative)
  EXPECT_NEAR(dac_energy_J(10, 128, 1, t.e_dac_row_J.value), 10 * 128 * 4e-3 / 1024 * 100e-9, 5e-13);
  // 128 columns on one ADC at 1.28 GS/s take exactly the 100 ns read.
  EXPECT_NEAR(read_cycle_s(100e-9, 128, 128, 1 / 1.28e9), 100e-9, 1e-15);
  // 256 columns: two ADCs, still 128 conversions each.
  EXPECT_NEAR(read_cycle_s(100e-9, 256, 128, 1 / 1.28e9), 100e-9, 1e-15);
  // A slow ADC dominates: 128 x 2 ns.
  EXPECT_NEAR(read_cycle_s(100e-9, 128, 128, 2e-9), 256e-9, 1e-15);
}

TEST(Components, ReadAndWriteByHand) {
  // One row at 0.2 V into 128 cells of 100 uS: 2.56 mA, 0.512 mW, 100 ns -> 51.2 pJ.
  EXPECT_NEAR(xbar_read_energy_J(0.2 * 128 * 0.2 * 100e-6, 100e-9), 51.2e-12, 1e-18);
  // 256 cells in rows of 128, 3 pulses of 50 ns at 2 pJ: 2 rows x 3 x 50 ns; 256 x 3 x 2 pJ.
  EXPECT_NEAR(write_time_s(256, 128, 3, 50e-9), 300e-9, 1e-18);
  EXPECT_NEAR(write_energy_J(256, 3, 2e-12), 1536e-12, 1e-20);
  EXPECT_NEAR(digital_time_s(1200, 256, 1.2e9), 1200 / (256 * 1.2e9), 1e-20);
}

TEST(Pipeline, BoundsAndLimits) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0.1, 10.0);
  for (int k = 0; k < 200; ++k) {
    std::vector<double> s{u(rng), u(rng), u(rng)};
    const double n = 1 + static_cast<int>(u(rng) * 10);
    const double l = pipelined_latency_s(s, n);
    const double sum = s[0] + s[1] + s[2], mx = std::max({s[0], s[1], s[2]});
    EXPECT_LE(mx, l * (1 + 1e-12));
    EXPECT_LE(l, sum * (1 + 1e-12));
  }
  // One item: no overlap. Equal stages of total T, n items: (3 + n - 1) T / n.
  EXPECT_DOUBLE_EQ(pipelined_latency_s({1, 2, 3}, 1), 6);
  EXPECT_DOUBLE_EQ(pipelined_latency_s({4, 4, 4}, 4), (3 + 3) * 4.0 / 4);
}

namespace {

// A hand-made workload: one layer, one head, d = 8, seq = 1, batch = 1, no FFN.
Workload tiny(const std::string& scheme) {
  Workload w;
  w.file = "tiny";
  w.scheme = scheme;
  w.d_model = 8;
  w.n_heads = 1;
  w.n_layers = 1;
  w.batch = 1;
  w.seq = 1;
  const XbarShape x{128, 128, 8, 1, 8, 8, 2, 0.2, 100e-6, 1e-6};
  // A product of `width` outputs per vector: 14 reads, `width` columns converted a read.
  auto add = [&](const char* name, double cells, double width, double macs, double vi) {
    CounterRow r;
    r.name = name;
    r.analog = true;
    r.x = x;
    r.programs = 1;
    r.cell_writes = cells;
    r.tiles = 1;
    r.vectors = 1;
    r.array_reads = 14;
    r.adc_conversions = 14 * width;
    r.macs = macs;
    r.read_vi_W = vi;
    w.rows.push_back(r);
  };
  for (const char* p : {"q_proj", "k_proj", "v_proj", "o_proj"}) add(p, 8 * 64, 64, 64, 1e-4);
  for (const char* p : {"scores", "context"}) add(p, 8 * 8, 8, 8, 2e-5);
  return w;
}

}  // namespace

TEST(RollUp, BreakdownSumsAndHandNumbers) {
  const TechCard t = load_tech_card(card("32nm.toml"));
  const Workload w = tiny("rram-baseline");
  const Result r = roll_up(w, t, arch(), Luts{}, nullptr);
  double sum = 0;
  for (const auto& [k, v] : r.energy_J) sum += v;
  EXPECT_NEAR(sum, r.energy_total_J, 1e-12 * r.energy_total_J);
  auto part = [&](const std::string& k) {
    for (const auto& [n, v] : r.energy_J)
      if (n == k) return v;
    ADD_FAILURE() << k;
    return 0.0;
  };
  // Reads: (4 x 1e-4 + 2 x 2e-5) W x 100 ns.
  EXPECT_NEAR(part("xbar_read"), (4e-4 + 4e-5) * 100e-9, 1e-20);
  // ADC: (4 x 14 x 64 + 2 x 14 x 8) conversions at ISAAC's 2 mW / 1.2 GS/s = 1.667 pJ.
  EXPECT_NEAR(part("adc"), (4 * 14 * 64 + 2 * 14 * 8) * 2e-3 / 1.2e9, 1e-4 * part("adc"));
  // K and V writes only (one pulse each without cell.h5): 2 x 64 cells x 2 pJ.
  EXPECT_NEAR(part("xbar_write"), 128 * 2e-12, 1e-20);
  EXPECT_NEAR(r.static_write_energy_J, 4 * 512 * 2e-12, 1e-18);
  EXPECT_LE(r.latency_max_stage_s, r.latency_s);
  EXPECT_LE(r.latency_s, r.latency_sum_s * (1 + 1e-12));
  // Dense work: 4 x 64 + 2 x 8 MACs.
  EXPECT_DOUBLE_EQ(r.ops_dense, 2.0 * (4 * 64 + 2 * 8));
  EXPECT_NEAR(r.tops_per_w, r.ops_dense / r.energy_total_J / 1e12, 1e-12);
}

TEST(RollUp, AttentionCoreIsTotalLessTheStaticProducts) {
  const TechCard t = load_tech_card(card("32nm.toml"));
  const Result r = roll_up(tiny("rram-baseline"), t, arch(), Luts{}, nullptr);
  // The four projections: reads, row drives, 8-bit conversions with their shift-adds, and
  // their buffer and interconnect traffic (8 + 8 elements of 8 bits each).
  const double e_conv = 2e-3 / 1.2e9, conv = 4 * 14 * 64;
  const double bits = 4 * 16 * 8.0;
  const double proj = 4e-4 * 100e-9 + 4 * 14 * 128 * t.e_dac_row_J.value + conv * e_conv +
                      conv * t.e_add32_J.value +
                      bits * (t.sram_e_bit_J.value +
                              t.noc_e_bit_mm_J.value * 0.5 * std::sqrt(r.area_total_mm2));
  EXPECT_NEAR(r.energy_core_J, r.energy_total_J - proj, 1e-3 * r.energy_core_J);
  EXPECT_LE(r.latency_core_s, r.latency_s);
  EXPECT_GT(r.latency_core_s, 0);
  // Dense Q K^T and P V of one head, d_head 8, one token: 2 x (8 + 8) operations.
  EXPECT_NEAR(r.tops_per_w_core, 32.0 / r.energy_core_J / 1e12, 1e-9 * r.tops_per_w_core);
}

TEST(RollUp, FineGrainedPipelineTraitStreamsScoreSoftmaxValue) {
  const TechCard t = load_tech_card(card("32nm.toml"));
  Workload w = tiny("made-up");
  w.seq = 64;
  for (auto& r : w.rows) r.vectors = 64;
  const Result layer = roll_up(w, t, arch(), Luts{}, nullptr);
  w.traits.pipeline = traits::kPipelineFineGrained;
  const Result fine = roll_up(w, t, arch(), Luts{}, nullptr);
  EXPECT_EQ(fine.pipeline, traits::kPipelineFineGrained);
  EXPECT_LT(fine.latency_s, layer.latency_s);
  EXPECT_LE(fine.latency_max_stage_s, fine.latency_s);
  // The same work: the same energy.
  EXPECT_DOUBLE_EQ(fine.energy_total_J, layer.energy_total_J);
}

TEST(RollUp, GpuRooflineOfATinyLayerByHand) {
  const TechCard t = load_tech_card(card("32nm.toml"));
  const GpuCard g = load_gpu_card(card("gpu_a100.toml"));
  const Result r = roll_up(tiny("rram-baseline"), t, arch(), Luts{}, &g);
  ASSERT_TRUE(r.gpu);
  // d = 8, S = 1: four projections of 128 FLOPs and 64 + 16 elements; scores and context
  // 16 FLOPs and 17 elements each; softmax 5 FLOPs and 2 elements. FP16: 2 bytes an element.
  const double flops = 4 * 128 + 16 + 16 + 5, bytes = 2.0 * (4 * 80 + 17 + 17 + 2);
  EXPECT_DOUBLE_EQ(r.gpu->flops, flops);
  EXPECT_DOUBLE_EQ(r.gpu->bytes, bytes);
  // Every kernel is memory bound at this size: bytes at 88% of 1555 GB/s.
  const double bw = 0.88 * 1555e9;
  EXPECT_NEAR(r.gpu->time_s, bytes / bw, 1e-6 * bytes / bw);
  // Energy: 400 W board power x time; no separate HBM term (the board power includes it).
  EXPECT_NEAR(r.gpu->energy_J, 400 * bytes / bw, 1e-6 * 400 * bytes / bw);
  EXPECT_NEAR(r.gpu->energy_ratio, r.gpu->energy_J / r.energy_total_J, 1e-12);
  EXPECT_EQ(r.gpu->basis, "roofline");
  // The core: scores, softmax and context kernels only.
  const double cb = 2.0 * (17 + 2 + 17);
  EXPECT_NEAR(r.gpu->core_energy_J, 400 * cb / bw, 1e-6 * 400 * cb / bw);
  EXPECT_NEAR(r.gpu->core_time_s, cb / bw, 1e-6 * cb / bw);
}

TEST(GpuModel, KernelTimeIsTheRooflineAtAchievableFractions) {
  const GpuCard g = load_gpu_card(card("gpu_a100.toml"));
  // A 4096^3 FP16 GEMM: 2 x 4096^3 FLOPs over 3 x 4096^2 x 2 bytes, compute bound at
  // 80% of 312 TFLOP/s: 1.374e11 / 2.496e14 = 0.5507 ms.
  const double n = 4096, f = 2 * n * n * n, b = 3 * n * n * 2;
  EXPECT_NEAR(kernel_time_s(g, KernelClass::gemm, {f, b}), f / (0.8 * 312e12), 1e-12);
  // Softmax over 1M scores (5 FLOPs, 4 bytes each): memory bound, 4 MB at 88% of 1555 GB/s.
  EXPECT_NEAR(kernel_time_s(g, KernelClass::vector, {5e6, 4e6}), 4e6 / (0.88 * 1555e9), 1e-15);
  // Compute-bound vector work falls on the 19.5 TFLOP/s CUDA cores at 80%.
  EXPECT_NEAR(kernel_time_s(g, KernelClass::vector, {1e12, 1}), 1e12 / (0.8 * 19.5e12), 1e-9);
}

// With the card's 4 us launch interval every kernel of the tiny layer (7 kernels of at most
// 160 bytes: nanoseconds on the roofline) takes the interval; a large GEMM keeps its roofline
// time; without an interval the launch-floor time equals the roofline.
TEST(GpuModel, LaunchFloorLiftsShortKernelsOnly) {
  GpuCard g = load_gpu_card(card("gpu_a100.toml"));
  ASSERT_DOUBLE_EQ(g.launch_interval_s.value, 4e-6);
  GpuShape s{1, 1, 8, 1, 0, 1, 4};  // 4 projections, scores, softmax, context: 7 kernels
  const GpuBaseline tiny = gpu_baseline(g, s);
  EXPECT_NEAR(tiny.time_launch_s, 7 * 4e-6, 1e-18);
  EXPECT_NEAR(tiny.core_time_launch_s, 3 * 4e-6, 1e-18);
  EXPECT_LT(tiny.time_s, 1e-8);
  // One layer of d_model 4096, 2048 tokens: each projection 2 x 2048 x 4096^2 FLOPs at 80% of
  // 312 TFLOP/s = 275 us, far above 4 us; the other kernels are above it too.
  const GpuBaseline big = gpu_baseline(g, GpuShape{1, 2048, 4096, 32, 0, 1, 4});
  EXPECT_DOUBLE_EQ(big.time_launch_s, big.time_s);
  g.launch_interval_s = {0, "not given"};
  EXPECT_DOUBLE_EQ(gpu_baseline(g, s).time_launch_s, tiny.time_s);
}

TEST(GpuModel, MeasuredLayerTimeReplacesTheRooflineOnlyForItsShape) {
  GpuCard g = load_gpu_card(card("gpu_a100.toml"));
  GpuMeasured m;
  m.time_s = {2e-3, "measured: tools/gpu_measure.py"};
  m.batch = 1;
  m.seq = 128;
  m.d_model = 768;
  m.heads = 12;
  m.d_ff = 3072;
  g.measured = m;
  GpuShape s{1, 128, 768, 12, 3072, 12, 4};
  const GpuBaseline r = gpu_baseline(g, s);
  // 12 layers x 2 ms, at 400 W.
  EXPECT_DOUBLE_EQ(r.time_s, 24e-3);
  EXPECT_DOUBLE_EQ(r.energy_J, 400 * 24e-3);
  EXPECT_NE(r.basis.find("measured"), std::string::npos);
  s.seq = 256;  // another shape: the roofline
  EXPECT_EQ(gpu_baseline(g, s).basis, "roofline");
}

// A threshold table with one distance: 3 fJ and 4 ns a decision.
lut::ThresholdLut threshold_lut() {
  lut::ThresholdLut t;
  t.distance = t.distance_current = {0.0};
  t.p_prune = t.p_prune_spice = t.p_prune_gaussian = t.p_false_prune = t.p_false_keep = {0.5};
  t.e_decision_J = 3e-15;
  t.t_decision_s = 4e-9;
  return t;
}

TEST(Luts, MeasuredFiguresReplaceTheCard) {
  const fs::path d = tmp_dir("luts");
  {
    H5Writer w(d / "threshold.h5");
    lut::write(w, threshold_lut());
    w.commit();
  }
  {
    H5Writer w(d / "wta.h5");
    lut::WtaDecisionLut l;
    l.capacitance = {50e-15, 200e-15};
    l.margin = {0.1};
    l.p_error = l.p_error_ngspice = {0.1, 0.01};
    l.resolved_margin = l.sigma_total = l.delay_max = {0, 0};
    l.energy = {1e-15, 3e-15};
    l.delay = {1e-9, 2e-9};
    lut::write(w, l);
    w.commit();
  }
  {
    H5Writer w(d / "cell.h5");
    w.write("/program/b2/pulses", {2, 4, 6, 8}, {2, 2}, "");
    w.write("/program/b4/pulses", {10, 14}, {2, 1}, "");
    w.commit();
  }
  const TechCard t = load_tech_card(card("32nm.toml"));
  const Luts l = load_luts(d);
  const Figure c = comparator_figure(t, l);
  EXPECT_DOUBLE_EQ(c.energy_J, 3e-15);
  EXPECT_DOUBLE_EQ(c.delay_s, 4e-9);
  EXPECT_NE(c.source.find("threshold.h5"), std::string::npos);
  const Figure wt = wta_figure(t, l, 16);
  EXPECT_DOUBLE_EQ(wt.energy_J, 2e-15);
  EXPECT_DOUBLE_EQ(wt.delay_s, 1.5e-9);
  EXPECT_DOUBLE_EQ(l.pulses_for(2), 5.0);
  EXPECT_DOUBLE_EQ(l.pulses_for(4), 12.0);
  EXPECT_DOUBLE_EQ(l.pulses_for(1), 5.0);  // nearest measured precision
  EXPECT_DOUBLE_EQ(Luts{}.pulses_for(2), 1.0);
  // No adc.h5: the ADC stays on the card's figure of merit.
  EXPECT_NE(adc_figure(t, l, 8).source.find("Walden"), std::string::npos);
}

// The transistor-level records' areas: the WTA's per input (area / n_inputs, mean over the
// capacitance axis) and the StrongARM's per comparator; a behavioural comparator has none.
TEST(Luts, TransistorRecordsGiveTheDecisionCircuitsArea) {
  const fs::path d = tmp_dir("luts_area");
  {
    H5Writer w(d / "wta.h5");
    lut::WtaTransistorLut l;
    l.capacitance = {100e-15, 1e-12};
    l.t_decision = {7e-9, 70e-9};
    l.e_decision = {5e-13, 4e-12};
    l.e_comparators = l.e_inputs = {1e-13, 1e-12};
    l.area = {200e-12, 2000e-12};  // 200 and 2000 um^2 for 10 inputs
    l.v_trip_fit = l.t_comp_fit = l.x_trip = l.fit_max_rel_err = {0, 0};
    l.n_inputs = 10;
    l.k = 1;
    lut::write(w, l);
    w.commit();
  }
  {
    H5Writer w(d / "threshold.h5");
    lut::write(w, threshold_lut());
    lut::ThresholdComparatorLut c;
    c.kind = "strongarm";
    c.area_m2 = 8.55e-12;
    lut::write(w, c);
    w.commit();
  }
  const Luts l = load_luts(d);
  ASSERT_TRUE(l.wta_area_per_input && l.comparator_area);
  EXPECT_NEAR(l.wta_area_per_input->area_mm2, 110e-6, 1e-15);  // (200 + 2000) / 2 / 10 um^2
  EXPECT_NEAR(l.comparator_area->area_mm2, 8.55e-6, 1e-18);
  EXPECT_NE(l.comparator_area->source.find("/lut/threshold_comparator"), std::string::npos);
  EXPECT_FALSE(Luts{}.wta_area_per_input);
}

// An adc.h5 with the SAR testbench's timing but no energy (the default flow's: 10 ns sample +
// 8 x 10 ns bits) does not replace the card ADC's 1 / 1.2 GS/s: energy, rate and column sharing
// stay one design (with its 90 ns a read of 128 columns took 11.5 us instead of 106.7 ns).
TEST(Components, SarTimingWithoutEnergyKeepsTheCardsAdc) {
  const TechCard t = load_tech_card(card("32nm.toml"));
  Luts l;
  l.adc_t_sample_s = 10e-9;
  l.adc_t_bit_s = 10e-9;
  l.adc_timing_source = "adc.h5 /adc t_sample_s + bits x t_bit_s";
  const Figure a = adc_figure(t, l, 8);
  EXPECT_NEAR(a.delay_s, 1 / 1.2e9, 1e-15);
  EXPECT_NEAR(a.energy_J, 2e-3 / 1.2e9, 1e-4 * 2e-3 / 1.2e9);
  EXPECT_NE(a.source.find("not the adc.h5"), std::string::npos) << a.source;
  EXPECT_NEAR(read_cycle_s(t.t_read_s.value, 128, 128, a.delay_s), 128 / 1.2e9, 1e-15);
}

TEST(TechCard, MissingFieldNamesIt) {
  const std::string text = slurp(card("32nm.toml"));
  const fs::path d = tmp_dir("card");
  for (const char* key : {"walden_fom", "read_pulse", "mac8_energy", "r_per_um_ohm"}) {
    const fs::path p = d / (std::string(key) + ".toml");
    std::ofstream(p) << without_line(text, key);
    try {
      load_tech_card(p);
      ADD_FAILURE() << key << ": no error";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("missing field"), std::string::npos) << e.what();
    }
  }
  // A field without its source.
  std::string nosrc = text;
  const auto at = nosrc.find("walden_fom = { value = \"6.5104 fJ\"");
  ASSERT_NE(at, std::string::npos);
  const auto end = nosrc.find('\n', at);
  nosrc.replace(at, end - at, "walden_fom = { value = \"6.5104 fJ\" }");
  std::ofstream(d / "nosrc.toml") << nosrc;
  try {
    load_tech_card(d / "nosrc.toml");
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("adc.walden_fom.source"), std::string::npos) << e.what();
  }
}

TEST(GpuModel, MeasuredEntryWithoutItsShapeNamesTheKey) {
  const fs::path d = tmp_dir("gpu_measured");
  const fs::path p = d / "gpu.toml";
  std::ofstream(p) << slurp(card("gpu_a100.toml"))
                   << "[measured]\nlayer_time = { value = \"1 ms\", source = \"test\" }\n"
                   << "batch = 1\nseq = 128\nd_model = 768\nheads = 12\n";
  try {
    load_gpu_card(p);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("d_ff"), std::string::npos) << e.what();
  }
  std::ofstream(p) << slurp(card("gpu_a100.toml"))
                   << "[measured]\nlayer_time = { value = \"1 ms\", source = \"test\" }\n"
                   << "batch = 1\nseq = 128\nd_model = 768\nheads = 12\nd_ff = 3072\n";
  const GpuCard g = load_gpu_card(p);
  ASSERT_TRUE(g.measured);
  EXPECT_DOUBLE_EQ(g.measured->time_s.value, 1e-3);
  EXPECT_DOUBLE_EQ(g.measured->d_ff, 3072);
}
