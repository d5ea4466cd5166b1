#include "xbar/cell_card.hpp"

#include <cstdio>

#include "core/error.hpp"
#include "device/card_check.hpp"
#include "device/model.hpp"
#include "device/tabulate.hpp"
#include "spice/pool.hpp"

namespace cimchar::xbar {

namespace {

bool has_sinh_twin(const ParamTable& card) { return card.has("V0") && device::has_twin(card); }

void tabulated_element(const ParamTable& card, const CellCardOptions& o, CardCell& out) {
  device::check_card_against_lib(card);
  spice::PoolOptions po;
  po.workers = o.jobs;
  po.library = o.ngspice_library;
  po.progress = o.progress;
  po.progress_label = "tabulating " + card.model_name();
  spice::WorkerPool pool(po);
  device::check_card_with_ngspice(card, pool);
  device::TabulateOptions to;
  // 5% beyond the largest expected cell voltage, so that Newton's iterates stay in the table.
  to.v_max_V = 1.05 * o.v_max_V;
  to.rtol = o.table_rtol;
  const device::Tabulated t = device::tabulate_read_iv(card, pool, to);
  out.cell.element = Element::table;
  out.cell.table = t.twin;
  out.cell.table_v_ref_V = o.v_ref_V;
  out.table_state_err = t.state_err, out.table_v_err = t.v_err;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%s: read I-V tabulated by ngspice (%zu states x %zu V points over +-%.3g V, %zu "
                "sweeps; interpolation error <= %.2g in state, %.2g in V, of max |I|)",
                card.model_name().c_str(), t.twin->states().size(), t.twin->v_points(),
                to.v_max_V, t.simulations, t.state_err, t.v_err);
  out.how = buf;
}

}  // namespace

CardCell cell_from_card(const ParamTable& card_in, const CellCardOptions& o) {
  CardCell out;
  ParamTable card = card_in;
  if (!card.rram_card().empty()) {  // a 1T1R card: its transistor, and the RRAM card it names
    if (!o.transistor_table)
      throw ConfigError(card.card_path().string(), "model.rram", 0,
                        "a 1T1R cell needs its transistor's ngspice I-V table at the word-line "
                        "gate voltages (`cimchar xbar solve --cell " + card.model_name() +
                        " --v-gate ...` and the irdrop stage build it)");
    out.cell.transistor = true;
    out.cell.mos_table = o.transistor_table;  // BSIM4, bulk on its own node (device/mosfet_table)
    card = ParamTable::load_card(find_device_card(card.rram_card()));
  }
  out.rram_card = std::make_shared<ParamTable>(card);
  if (has_sinh_twin(card)) {
    out.cell.element = Element::sinh;
    out.cell.sinh.v0_V = card.get("V0");
    out.cell.sinh.v_ref_V = o.v_ref_V;
    out.how = card.model_name() + ": sinh read-out of its C++ twin (V0 = " +
              std::to_string(card.get("V0")) + " V)";
    return out;
  }
  tabulated_element(card, o, out);
  return out;
}

}  // namespace cimchar::xbar
