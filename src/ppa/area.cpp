// Area of the mapped chip (rollup.hpp, docs/ppa.md "Architecture").
#include <cmath>

#include "ppa/names.hpp"
#include "ppa/rollup.hpp"

namespace cimchar::ppa {

AreaFigure converter_area(const Workload& w, const CounterRow& r, const TechCard& t,
                          const ArchCard& a, const Luts& l) {
  const double adcs = std::ceil(r.x.cols / a.columns_per_adc()) * t.adc_area_mm2.value;
  const std::string card = t.file + " adc.area_mm2: " + t.adc_area_mm2.source;
  if (r.x.adc_bits > 0) return {adcs, card};
  const bool wta = w.traits.selector == traits::kSelectWta;
  const auto& measured = wta ? l.wta_area_per_input : l.comparator_area;
  if (measured) return {r.x.cols * measured->area_mm2, measured->source + ", one per column"};
  return {adcs, std::string("no measured ") + (wta ? "WTA" : "comparator") +
                    " area: the card's ADCs, ceil(cols / columns_per_adc) an array (" + card + ")"};
}

Area area_of(const Workload& w, const TechCard& t, const ArchCard& a, const Luts& l, const Mapping& m) {
  double cells = 0, adcs = 0, decision = 0, dacs = 0;
  Area out;
  for (const auto& r : w.rows) {
    if (!r.analog || r.programs <= 0) continue;
    const double arrays = is_static_row(r.name)
                              ? r.tiles * m.replication
                              : std::max(r.tiles / r.programs, 1.0) * w.n_heads * w.n_layers;
    cells += arrays * r.x.rows * r.x.cols;
    dacs += arrays * r.x.rows;
    const AreaFigure c = converter_area(w, r, t, a, l);
    (r.x.adc_bits > 0 ? adcs : decision) += arrays * c.area_mm2;
    if (r.x.adc_bits <= 0 && out.sources.empty()) out.sources.push_back({"area_decision", c.source});
  }
  // A buffer per layer holding one sequence's x, Q, K, V, FFN hidden activations and one
  // head's score matrix at 8 bits.
  const double seq = w.seq, d = w.d_model, dff = w.d_ff();
  const double buffer_kb = w.n_layers * (4 * seq * d + seq * dff + seq * seq) / 1024.0;
  out.parts = {{kAArrays, cells * t.cell_area_mm2()},
               {kAAdc, adcs},
               {kADecision, decision},
               {kADac, dacs * t.dac_area_mm2.value},
               {kADigital, w.n_layers * a.mac_units.value * t.mac8_area_um2.value * 1e-6},
               {kABuffer, buffer_kb * t.sram_area_per_kb_mm2.value}};
  return out;
}

}  // namespace cimchar::ppa
