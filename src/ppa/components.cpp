// Component models (components.hpp).
#include "ppa/components.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "lut/periph_records.hpp"

namespace cimchar::ppa {

namespace {

double mean_finite(const std::vector<double>& v) {
  double s = 0;
  int n = 0;
  for (double x : v)
    if (std::isfinite(x)) {
      s += x;
      ++n;
    }
  return n ? s / n : std::nan("");
}

}  // namespace

double Luts::pulses_for(int bits) const {
  if (write_pulses.empty()) return 1.0;
  auto best = write_pulses.begin();
  for (auto it = write_pulses.begin(); it != write_pulses.end(); ++it)
    if (std::abs(it->first - bits) < std::abs(best->first - bits)) best = it;
  return best->second;
}

namespace {

// cell.h5: the mean write-verify pulses per precision.
void read_cell(const std::filesystem::path& file, Luts& l) {
  H5Reader r(file);
  for (int b = 1; b <= 8; ++b) {
    const std::string g = "/program/b" + std::to_string(b) + "/pulses";
    if (!r.has(g)) continue;
    const double m = mean_finite(r.read(g));
    if (!std::isfinite(m) || m <= 0) throw InputError(r.path().string() + ": " + g + " has no pulses");
    l.write_pulses[b] = m;
  }
  l.write_pulses_source = r.path().string() +
                          " /program/b<bits>/pulses (mean over levels and trials, at the arrays' "
                          "bits per cell or the nearest measured)";
}

// threshold.h5: the decision's energy and delay; the StrongARM's area where it was measured.
void read_threshold(const std::filesystem::path& file, Luts& l) {
  H5Reader r(file);
  const auto lut = lut::read<lut::ThresholdLut>(r);
  Figure f;
  f.energy_J = lut.e_decision_J;
  f.delay_s = lut.t_decision_s;
  f.source = r.path().string() + " " + lut::ThresholdLut::kGroup + " e_decision_J, t_decision_s";
  if (r.has(lut::ThresholdComparatorLut::kGroup)) {  // older files have no such record
    const auto cmp = lut::read<lut::ThresholdComparatorLut>(r);
    cmp.validate(r.path().string());
    const std::string what = cmp.kind == "strongarm"
                                 ? std::string(", transistor level: its energy_J, energy_clk_J "
                                               "and delay_s in ") +
                                       lut::ThresholdComparatorLut::kGroup + " included"
                                 : ", its own energy and delay not modelled";
    f.source += " (comparator: " + cmp.kind + what + ")";
    if (cmp.kind == "strongarm" && std::isfinite(cmp.area_m2) && cmp.area_m2 > 0)
      l.comparator_area = AreaFigure{cmp.area_m2 * 1e6, r.path().string() + " " +
                                                            lut::ThresholdComparatorLut::kGroup +
                                                            " area_m2 (the StrongARM's devices)"};
  }
  l.threshold = f;
}

// wta.h5: the transistor-level record where there is one (energy, delay, area per input), else
// the behavioural one (bit lines only).
void read_wta(const std::filesystem::path& file, Luts& l) {
  H5Reader r(file);
  Figure f;
  if (r.has(lut::WtaTransistorLut::kGroup)) {  // measured at transistor level: comparators included
    const auto t = lut::read<lut::WtaTransistorLut>(r);
    t.validate(r.path().string());
    f.energy_J = mean_finite(t.e_decision);
    f.delay_s = mean_finite(t.t_decision);
    f.source = r.path().string() + " " + lut::WtaTransistorLut::kGroup +
               " e_decision (bit lines + transistor comparators), t_decision (means over the "
               "capacitance axis)";
    const double a = mean_finite(t.area);
    if (std::isfinite(a) && a > 0 && t.n_inputs > 0)
      l.wta_area_per_input = AreaFigure{a / t.n_inputs * 1e6,
                                        r.path().string() + " " + lut::WtaTransistorLut::kGroup +
                                            " area / n_inputs (mean over the capacitance axis)"};
  } else {
    const auto lut = lut::read<lut::WtaDecisionLut>(r);
    f.energy_J = mean_finite(lut.energy);
    f.delay_s = mean_finite(lut.delay);
    f.source = r.path().string() + " " + lut::WtaDecisionLut::kGroup +
               " energy, delay (mean over the capacitance axis; bit lines only, the "
               "behavioural comparators' own energy not modelled)";
  }
  l.wta = f;
}

// adc.h5: the energy per conversion when the stage records it; else the SAR timing only.
void read_adc(const std::filesystem::path& file, Luts& l) {
  H5Reader r(file);
  if (r.has_attr("/lut/adc", "e_conversion_J") && r.has_attr("/lut/adc", "t_conversion_s") &&
      r.has_attr("/lut/adc", "bits")) {
    Figure f;
    f.energy_J = r.attr_double("/lut/adc", "e_conversion_J");
    f.delay_s = r.attr_double("/lut/adc", "t_conversion_s");
    f.source = r.path().string() + " /lut/adc e_conversion_J, t_conversion_s";
    l.adc = f;
    l.adc_bits = static_cast<int>(r.attr_double("/lut/adc", "bits"));
  } else if (r.has_attr("/adc", "t_sample_s") && r.has_attr("/adc", "t_bit_s")) {
    l.adc_t_sample_s = r.attr_double("/adc", "t_sample_s");
    l.adc_t_bit_s = r.attr_double("/adc", "t_bit_s");
    l.adc_timing_source = r.path().string() + " /adc t_sample_s + bits x t_bit_s";
  }
}

}  // namespace

Luts load_luts(const std::filesystem::path& dir) {
  Luts l;
  namespace fs = std::filesystem;
  if (fs::exists(dir / "cell.h5")) read_cell(dir / "cell.h5", l);
  if (fs::exists(dir / "threshold.h5")) read_threshold(dir / "threshold.h5", l);
  if (fs::exists(dir / "wta.h5")) read_wta(dir / "wta.h5", l);
  if (fs::exists(dir / "adc.h5")) read_adc(dir / "adc.h5", l);
  return l;
}

Figure adc_figure(const TechCard& t, const Luts& l, int bits) {
  if (l.adc && l.adc_bits == bits) return *l.adc;
  // One ADC design for energy, rate and area: the card's. A SAR timing alone (adc.h5 without an
  // energy) is the characterized test circuit's clock, not the card ADC's speed; taking it
  // with the card's energy and column sharing made every read cycle 100x longer
  // (docs/ppa.md, "Speed assumptions").
  Figure f;
  f.energy_J = t.adc_fom_J.value * std::ldexp(1.0, bits);
  f.delay_s = 1.0 / t.adc_fs_Hz.value;
  f.source = "Walden FoM x 2^bits (" + t.file + " adc.walden_fom: " + t.adc_fom_J.source +
             "); delay 1 / adc.sample_rate";
  if (l.adc_t_sample_s && l.adc_t_bit_s)
    f.source += " (not the " + l.adc_timing_source + ": it records no energy)";
  return f;
}

Figure comparator_figure(const TechCard& t, const Luts& l) {
  if (l.threshold) return *l.threshold;
  Figure f;
  f.energy_J = 2.0 * t.adc_fom_J.value;
  f.delay_s = 1.0 / t.adc_fs_Hz.value;
  f.source = "1-bit conversion under the Walden FoM (" + t.file + " adc.walden_fom)";
  return f;
}

Figure wta_figure(const TechCard& t, const Luts& l, double n_inputs) {
  if (l.wta) return *l.wta;
  const Figure c = comparator_figure(t, l);
  Figure f;
  f.energy_J = n_inputs * c.energy_J;
  f.delay_s = c.delay_s;
  f.source = "n_inputs comparator decisions in parallel (" + c.source + ")";
  return f;
}

double xbar_read_energy_J(double read_vi_W, double t_read_s) { return read_vi_W * t_read_s; }

double write_energy_J(double cell_writes, double pulses, double e_pulse_J) {
  return cell_writes * pulses * e_pulse_J;
}

double write_time_s(double cell_writes, double cols, double pulses, double t_pulse_s) {
  return cols > 0 ? cell_writes / cols * pulses * t_pulse_s : 0.0;
}

double dac_energy_J(double array_reads, double rows, int dac_bits, double e_row_J) {
  return array_reads * rows * std::max(dac_bits, 1) * e_row_J;
}

double read_cycle_s(double t_read_s, double cols, double columns_per_adc, double t_conv_s) {
  const double n_adc = std::ceil(cols / columns_per_adc);
  return std::max(t_read_s, std::ceil(cols / n_adc) * t_conv_s);
}

double digital_time_s(double ops, double units, double clock_Hz) { return ops / (units * clock_Hz); }

}  // namespace cimchar::ppa
