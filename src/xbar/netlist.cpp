#include "xbar/netlist.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/error.hpp"

namespace cimchar::xbar {

namespace {
// ngspice's Newton iterates can wander far from the solution, and sinh of a large argument is
// a hard error there ("out of range for sinh"); the clamp keeps iterates finite and is never
// active at a physical solution (|V| < 50 V0, e.g. 12.5 V for V0 = 0.25 V).
constexpr int kSinhArgMax = 50;

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}
std::string idx(const char* p, size_t i) { return p + std::to_string(i); }
std::string idx(const char* p, size_t i, size_t j) {
  std::string s = p;
  s += std::to_string(i);
  s += '_';
  s += std::to_string(j);
  return s;
}
std::string row_node(const Wiring& w, size_t r, size_t c) {
  if (w.r_wire_row_ohm > 0) return idx("u", r, c);
  return w.r_driver_ohm > 0 ? idx("d", r) : idx("in", r);
}
std::string col_node(const Wiring& w, size_t r, size_t c) {
  if (w.r_wire_col_ohm > 0) return idx("w", r, c);
  return w.r_sense_ohm > 0 ? idx("s", c) : idx("vg", c);
}
}  // namespace

std::string row_node_vector(const Wiring& w, size_t r, size_t c) {
  return "v(" + row_node(w, r, c) + ")";
}
std::string col_node_vector(const Wiring& w, size_t r, size_t c) {
  return "v(" + col_node(w, r, c) + ")";
}

std::vector<std::string> column_current_vectors(size_t cols) {
  std::vector<std::string> v;
  for (size_t c = 0; c < cols; ++c) v.push_back("i(" + idx("vs", c) + ")");
  return v;
}

namespace {

// The cells' own models: the device card's library (with the sinh twin's I0 and g0 for the
// state of a given G), or the transistor's card. Returns the card whose
// static subcircuit stands in every cell (nullptr for linear cells).
const ParamTable* write_models(std::ostream& os, const CellModel& cell, const NetlistOptions& o,
                               double* i0, double* g0) {
  const ParamTable* card = cell.element != Element::linear ? o.rram_card : nullptr;
  if (cell.element == Element::table && !card)
    throw ConfigError("netlist: a tabulated cell needs its device card (NetlistOptions::rram_card)");
  if (card && cell.element == Element::table) {
    if (card->static_subckt().empty())
      throw ConfigError(card->card_path().string(), "model.static_subckt", 0,
                        "crossbar netlists need a static subcircuit");
    os << ".include " << card->lib_path().string() << "\n";
  } else if (card) {
    if (card->static_subckt().empty() || card->state_name().empty() || !card->has("I0") ||
        !card->has("g0") || !card->has("V0"))
      throw ConfigError(card->card_path().string(), "model.static_subckt", 0,
                        "crossbar netlists need a static subcircuit with I0, g0, V0 and a state");
    if (std::abs(card->get("V0") - cell.sinh.v0_V) > 1e-12 * cell.sinh.v0_V)
      throw ConfigError(card->card_path().string(), "params.V0", 0,
                        "the card's V0 differs from the crossbar cell's V0");
    *i0 = card->get("I0"), *g0 = card->get("g0");
    os << ".include " << card->lib_path().string() << "\n";
  }
  if (cell.mos_table) {
    if (o.devices_dir.empty())
      throw ConfigError("netlist: a 1T1R cell with a transistor table needs devices_dir");
    const device::MosfetTableSpec& t = cell.mos_table->spec();
    os << ".include " << t.mod_path(o.devices_dir) << "\nVBULK vbulk 0 DC " << num(t.v_bulk_V) << "\n";
  } else if (cell.transistor) {
    throw ConfigError("netlist: a 1T1R cell needs its transistor table (CellModel::mos_table)");
  }
  return card;
}

// Row r: its source, driver resistor(s), word-line segments and gate source.
void write_row(std::ostream& os, size_t r, size_t M, const Wiring& w, const CellModel& cell,
               double v) {
  const bool row_wire = w.r_wire_row_ohm > 0;
  os << idx("VIN", r) << " " << idx("in", r) << " 0 DC " << num(v) << "\n";
  // Driver output node(s): the driven end of the word line (merged when a resistance is 0).
  std::string d = w.r_driver_ohm > 0 ? idx("d", r) : idx("in", r);
  std::string e = w.r_driver_ohm > 0 ? idx("e", r) : idx("in", r);
  if (w.r_driver_ohm > 0) {
    os << idx("RD", r) << " " << idx("in", r) << " " << d << " " << num(w.r_driver_ohm) << "\n";
    if (w.drive == Drive::both)
      os << idx("RDB", r) << " " << idx("in", r) << " " << (row_wire ? e : d) << " "
         << num(w.r_driver_ohm) << "\n";
  }
  if (row_wire) {
    os << idx("RW", r, 0) << " " << d << " " << row_node(w, r, 0) << " " << num(w.r_wire_row_ohm)
       << "\n";
    for (size_t c = 0; c + 1 < M; ++c)
      os << idx("RW", r, c + 1) << " " << row_node(w, r, c) << " " << row_node(w, r, c + 1) << " "
         << num(w.r_wire_row_ohm) << "\n";
    if (w.drive == Drive::both)
      os << idx("RWB", r) << " " << row_node(w, r, M - 1) << " " << e << " "
         << num(w.r_wire_row_ohm) << "\n";
  }
  if (cell.transistor)
    os << idx("VG", r) << " " << idx("g", r) << " 0 DC " << num(cell.gate(r)) << "\n";
}

// Column c: its sense source, sense resistor and bit-line segments.
void write_column(std::ostream& os, size_t c, size_t N, const Wiring& w) {
  const size_t end = w.sense == Sense::far ? N - 1 : 0;
  os << idx("VS", c) << " " << idx("vg", c) << " 0 DC " << num(w.v_sense_V) << "\n";
  std::string s = w.r_sense_ohm > 0 ? idx("s", c) : idx("vg", c);
  if (w.r_sense_ohm > 0)
    os << idx("RS", c) << " " << s << " " << idx("vg", c) << " " << num(w.r_sense_ohm) << "\n";
  if (w.r_wire_col_ohm <= 0) return;
  for (size_t r = 0; r + 1 < N; ++r)
    os << idx("RB", r, c) << " " << col_node(w, r, c) << " " << col_node(w, r + 1, c) << " "
       << num(w.r_wire_col_ohm) << "\n";
  os << idx("RB", end == 0 ? N : end, c) << " " << col_node(w, end, c) << " " << s << " "
     << num(w.r_wire_col_ohm) << "\n";
}

// Cell (r, c): its resistive element and, for 1T1R, its transistor.
// amp: the cell's element amplitude (CellModel::amplitudes).
void write_cell(std::ostream& os, size_t r, size_t c, double amp, const Wiring& w,
                const CellModel& cell, const ParamTable* card, double i0, double g0) {
  std::string u = row_node(w, r, c), wn = col_node(w, r, c);
  std::string top = cell.transistor ? idx("x", r, c) : wn;
  if (cell.element == Element::linear)
    os << idx("R", r, c) << " " << u << " " << top << " " << num(1 / amp) << "\n";
  else if (card)  // the device's own subcircuit at the state the cell's G maps to
    os << idx("X", r, c) << " " << u << " " << top << " " << card->static_subckt() << " "
       << card->render_instance_params() << " " << card->state_name() << "="
       << num(cell.element == Element::table ? amp : -g0 * std::log(amp / i0)) << "\n";
  else
    os << idx("B", r, c) << " " << u << " " << top << " I=" << num(amp) << "*sinh(min(max((v("
       << u << ")-v(" << top << "))/" << num(cell.sinh.v0_V) << ",-" << kSinhArgMax << "),"
       << kSinhArgMax << "))\n";
  if (cell.mos_table)
    os << cell.mos_table->spec().instance(idx("M", r, c), top, idx("g", r), wn, "vbulk") << "\n";
}

}  // namespace

std::string crossbar_netlist(const Array& a, const Wiring& w, const CellModel& cell,
                             const std::vector<double>& v_in, const NetlistOptions& o) {
  a.validate();
  w.validate();
  cell.validate(a.rows);
  if (v_in.size() != a.rows)
    throw InputError("netlist: " + std::to_string(v_in.size()) + " input voltages for " +
                     std::to_string(a.rows) + " rows");
  const size_t N = a.rows, M = a.cols;
  std::ostringstream os;
  os << "* " << o.title << "\n* " << N << " x " << M << " cells, " << cell.describe() << "\n* "
     << w.describe() << "\n";
  os << ".options reltol=" << num(o.reltol) << " vntol=" << num(o.vntol_V)
     << " abstol=" << num(o.abstol_A) << " gmin=1e-12\n";  // ngspice's default
  if (!o.solver_options.empty()) os << o.solver_options << "\n";
  double i0 = 0, g0 = 0;
  const ParamTable* card = write_models(os, cell, o, &i0, &g0);
  for (size_t r = 0; r < N; ++r) write_row(os, r, M, w, cell, v_in[r]);
  for (size_t c = 0; c < M; ++c) write_column(os, c, N, w);
  const std::vector<double> amp = cell.amplitudes(a.g_S);  // a table's shapes at v_ref once
  for (size_t r = 0; r < N; ++r)
    for (size_t c = 0; c < M; ++c) write_cell(os, r, c, amp[r * M + c], w, cell, card, i0, g0);
  os << ".end\n";
  return os.str();
}

}  // namespace cimchar::xbar
