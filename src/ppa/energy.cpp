// Energy breakdown of an attention run (rollup.hpp, docs/ppa.md "Component models").
#include <cmath>
#include <map>

#include "ppa/names.hpp"
#include "ppa/rollup.hpp"

namespace cimchar::ppa {

namespace {

// 8-bit elements in and out of the buffer per input vector of a product.
double buffer_elements(const Workload& w, const CounterRow& r) {
  const double d = w.d_model, dh = w.d_head(), dff = w.d_ff();
  if (r.vectors <= 0) return 0.0;
  if (r.name == rows::kFfn1) return d + dff;
  if (r.name == rows::kFfn2) return dff + d;
  if (is_static_row(r.name)) return 2 * d;
  const double keys = r.macs / (r.vectors * dh);
  if (r.name == rows::kContext) return keys + dh;  // probabilities in, context out
  return dh + keys;  // scores and their variants: a query in, a score per key out
}

struct Acc {
  std::map<std::string, double> e;
  double core = 0;
  void add(const char* k, double v, bool in_core) {
    e[k] += v;
    if (in_core) core += v;
  }
};

void analog_row(Acc& a, Energy& out, const Workload& w, const CounterRow& r, const TechCard& t,
                const Luts& l, bool& used_adc) {
  const bool core = !is_static_row(r.name);
  a.add(kEXbarRead, xbar_read_energy_J(r.read_vi_W, t.t_read_s.value), core);
  const double pulses = l.pulses_for(static_cast<int>(r.x.bits_per_cell));
  const double we = write_energy_J(r.cell_writes, pulses, t.e_write_pulse_J.value);
  if (core)
    a.add(kEXbarWrite, we, true);
  else
    out.static_write_J += we;
  a.add(kEDac, dac_energy_J(r.array_reads, r.x.rows, static_cast<int>(r.x.dac_bits), t.e_dac_row_J.value), core);
  if (r.x.adc_bits > 0) {
    const Figure f = adc_figure(t, l, static_cast<int>(r.x.adc_bits));
    used_adc = true;
    a.add(kEAdc, r.adc_conversions * f.energy_J, core);
    a.add(kEShiftAdd, r.adc_conversions * t.e_add32_J.value, core);
  } else {
    const Decision d = decisions(w, r, t, l);
    a.add(kEComparator, d.energy_J, core);
    const std::string key = w.traits.selector == traits::kSelectWta ? "wta" : "comparator";
    bool seen = false;
    for (const auto& [k, v] : out.sources) seen = seen || k == key;
    if (!seen) out.sources.push_back({key, d.source});
  }
}

// Softmax over the kept scores, by the softmax trait; top-k selection by the selector trait.
void softmax_and_select(Acc& a, const Workload& w, const TechCard& t, const Luts& l, bool& used_adc) {
  const double elems = softmax_elements(w);
  if (w.traits.softmax == traits::kSoftmaxInMemoryLut) {
    // Per element one 8-bit lookup read (a row drive and a conversion), the subtraction of the
    // row maximum and the normalizing multiply in digital.
    const Figure f = adc_figure(t, l, 8);
    a.add(kESoftmax, elems * (f.energy_J + t.e_dac_row_J.value + t.e_add32_J.value + t.e_fp16_mult_J.value), true);
    used_adc = true;
  } else {
    // max (compare), exp (polynomial), sum (add), normalize (multiply by 1/sum).
    a.add(kESoftmax, elems * (t.e_exp_J() + 2 * t.e_fp16_add_J.value + t.e_fp16_mult_J.value), true);
  }
  a.add(kESelect, select_candidates(w) * t.e_add32_J.value, true);  // a compare per candidate
}

}  // namespace

Energy energy_of(const Workload& w, const TechCard& t, const Luts& l, double area_mm2) {
  Energy out;
  out.sources.push_back({"write_pulses", !l.write_pulses.empty() ? l.write_pulses_source
                                                                  : "1 pulse per cell (no cell.h5: write without verify)"});
  Acc a;
  bool used_adc = false;
  double elems = 0, elems_core = 0;
  for (const auto& r : w.rows) {
    if (r.analog)
      analog_row(a, out, w, r, t, l, used_adc);
    else if (r.macs > 0)
      a.add(kEDigitalMac, r.macs * t.e_mac8_J.value, !is_static_row(r.name));
    const double n = r.vectors * buffer_elements(w, r);
    elems += n;
    if (!is_static_row(r.name)) elems_core += n;
  }
  softmax_and_select(a, w, t, l, used_adc);
  const double e_bit_buffer = t.sram_e_bit_J.value;
  const double e_bit_wire = t.noc_e_bit_mm_J.value * 0.5 * std::sqrt(area_mm2);
  a.add(kEBuffer, 8.0 * elems * e_bit_buffer, false);
  a.add(kEInterconnect, 8.0 * elems * e_bit_wire, false);
  a.core += 8.0 * elems_core * (e_bit_buffer + e_bit_wire);
  for (const char* k : kEnergyParts) {
    out.parts.push_back({k, a.e[k]});
    out.total_J += a.e[k];
  }
  out.core_J = a.core;
  if (used_adc) out.sources.push_back({"adc", adc_figure(t, l, 8).source});
  return out;
}

}  // namespace cimchar::ppa
