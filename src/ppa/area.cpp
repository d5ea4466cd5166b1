// Area of the mapped chip (rollup.hpp, docs/ppa.md "Architecture").
#include <cmath>

#include "ppa/names.hpp"
#include "ppa/rollup.hpp"

namespace cimchar::ppa {

Parts area_of(const Workload& w, const TechCard& t, const ArchCard& a, const Mapping& m) {
  double cells = 0, adcs = 0, dacs = 0;
  for (const auto& r : w.rows) {
    if (!r.analog || r.programs <= 0) continue;
    const double arrays = is_static_row(r.name)
                              ? r.tiles * m.replication
                              : std::max(r.tiles / r.programs, 1.0) * w.n_heads * w.n_layers;
    cells += arrays * r.x.rows * r.x.cols;
    dacs += arrays * r.x.rows;
    adcs += arrays * std::ceil(r.x.cols / a.columns_per_adc());
  }
  // A buffer per layer holding one sequence's x, Q, K, V, FFN hidden activations and one
  // head's score matrix at 8 bits.
  const double seq = w.seq, d = w.d_model, dff = w.d_ff();
  const double buffer_kb = w.n_layers * (4 * seq * d + seq * dff + seq * seq) / 1024.0;
  return {{kAArrays, cells * t.cell_area_mm2()},
          {kAAdc, adcs * t.adc_area_mm2.value},
          {kADac, dacs * t.dac_area_mm2.value},
          {kADigital, w.n_layers * a.mac_units.value * t.mac8_area_um2.value * 1e-6},
          {kABuffer, buffer_kb * t.sram_area_per_kb_mm2.value}};
}

}  // namespace cimchar::ppa
