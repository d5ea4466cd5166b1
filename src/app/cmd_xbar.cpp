// `cimchar xbar solve`: parse and validate the flags, then call xbar::solve_files.
#include "app/commands.hpp"
#include "app/quantity_flag.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <sstream>

#include "core/error.hpp"
#include "core/param_table.hpp"
#include "core/paths.hpp"
#include "flows/mosfet_tables.hpp"
#include "xbar/cell_card.hpp"
#include "xbar/xbar_files.hpp"

namespace cimchar::app {

namespace {

struct XbarSolveArgs {
  std::string g_file, v_file, out_file, cell = "linear", drive = "near", sense = "far";
  std::string method = "auto";
  double r_wire = 0, r_driver = 0, r_sense = 0, v_sense = 0, v_ref = 0, rtol = 1e-10;
  double r_wire_row = NAN, r_wire_col = NAN;
  std::vector<double> v_gate;
  bool nodes = false;
  std::string command_line;
};

double resistance(double v, const char* flag) {
  if (!std::isfinite(v) || v < 0)
    throw ConfigError(std::string(flag) + ": must be a finite resistance >= 0 ohm, got " +
                      std::to_string(v));
  return v;
}

// The range of node voltages: inputs and the sense voltage bound every node.
void node_range(const XbarSolveArgs& a, double* lo, double* hi) {
  const xbar::Array g = xbar::read_conductances(a.g_file);
  size_t count = 0;
  bool one_d = false;
  const std::vector<double> v = xbar::read_inputs(a.v_file, g.rows, &count, &one_d);
  *lo = *hi = a.v_sense;
  for (double x : v) *lo = std::min(*lo, x), *hi = std::max(*hi, x);
}

// The 1T1R card's BSIM4 transistor as an I-V table from ngspice (bulk at 0 V), at each distinct
// gate voltage, over the nodes' range and 0.1 V beyond (the drain node can sit just outside it
// where a junction leaks); cached on disk (flows/mosfet_tables.hpp).
std::shared_ptr<const device::MosfetTable> one_t_one_r_table(const ParamTable& card,
                                                             const XbarSolveArgs& a) {
  double lo, hi;
  node_range(a, &lo, &hi);
  const device::MosfetTableSpec spec = flows::one_t_one_r_spec(card, a.v_gate, lo, hi);
  spice::PoolOptions o;
  o.progress = false;
  spice::WorkerPool pool(o);
  bool cached = false;
  auto t = flows::build_mosfet_table(pool, spec, devices_dir().string(), flows::default_cache_dir(),
                                     &cached);
  std::cerr << "xbar solve: transistor " << spec.model_name() << " I-V table ("
            << spec.vs_points() << " x " << spec.vds_points << " points per gate) "
            << (cached ? "read from the cache" : "from ngspice") << "\n";
  // A node held below the bulk forward-biases the drain or source junction: the cell then
  // conducts through the junction whatever the gate (physics, not a solver error). Say so.
  if (lo < spec.v_bulk_V - 0.3)
    std::cerr << "xbar solve: note: an input or the sense voltage is " << spec.v_bulk_V - lo
              << " V below the transistor's bulk (" << spec.v_bulk_V << " V): its n+/p junction "
              << "is forward-biased and conducts with the gate off; real arrays hold the bulk at "
              << "the lowest rail (reverse a cell's bias by raising the source line, --v-sense, "
              << "not by driving the bit line negative)\n";
  return t;
}

// The largest |voltage| a cell can see: inputs and the sense voltage bound every node.
double largest_cell_voltage(const XbarSolveArgs& a) {
  double lo, hi;
  node_range(a, &lo, &hi);
  return std::max(hi - lo, 1e-3);
}

void run_xbar_solve(const XbarSolveArgs& a) {
  xbar::SolveFilesRequest req;
  req.g_file = a.g_file, req.v_file = a.v_file, req.out_file = output_file("--out", a.out_file, "I.npy");
  req.write_nodes = a.nodes;
  req.command_line = a.command_line;
  xbar::Wiring& w = req.wiring;
  w.r_wire_row_ohm = resistance(std::isnan(a.r_wire_row) ? a.r_wire : a.r_wire_row,
                                std::isnan(a.r_wire_row) ? "--r-wire" : "--r-wire-row");
  w.r_wire_col_ohm = resistance(std::isnan(a.r_wire_col) ? a.r_wire : a.r_wire_col,
                                std::isnan(a.r_wire_col) ? "--r-wire" : "--r-wire-col");
  w.r_driver_ohm = resistance(a.r_driver, "--r-driver");
  w.r_sense_ohm = resistance(a.r_sense, "--r-sense");
  if (!std::isfinite(a.v_sense)) throw ConfigError("--v-sense: must be finite");
  w.v_sense_V = a.v_sense;
  w.drive = a.drive == "both" ? xbar::Drive::both : xbar::Drive::near;
  w.sense = a.sense == "near" ? xbar::Sense::near : xbar::Sense::far;

  xbar::CellModel& cell = req.cell;
  if (a.cell != "linear") {  // the device decides its read I-V (xbar/cell_card.hpp)
    xbar::CellCardOptions co;
    co.v_ref_V = a.v_ref;
    co.v_max_V = largest_cell_voltage(a);
    const ParamTable card = ParamTable::load_card(find_device_card(a.cell));
    if (!card.rram_card().empty()) {  // a 1T1R card: its BSIM4 transistor as an ngspice table
      if (a.v_gate.empty())
        throw ConfigError("--cell " + a.cell + ": a 1T1R cell needs --v-gate (the word-line gate voltage)");
      co.transistor_table = one_t_one_r_table(card, a);
    }
    xbar::CardCell cc = xbar::cell_from_card(card, co);
    std::cerr << "xbar solve: cell " << cc.how << "\n";
    cell = cc.cell;
  }
  if (!a.v_gate.empty()) {
    if (!cell.transistor)
      throw ConfigError("--v-gate: only for 1T1R cells (--cell one_t_one_r), not --cell " + a.cell);
    cell.v_gate_V = a.v_gate;
  } else if (cell.transistor) {
    throw ConfigError("--cell " + a.cell + ": a 1T1R cell needs --v-gate (the word-line gate voltage)");
  }
  if (!(a.rtol > 0 && a.rtol < 1e-2)) throw ConfigError("--rtol: must be in (0, 1e-2)");
  req.options.current_rtol = a.rtol;
  req.method = a.method == "transfer"    ? xbar::Method::transfer
               : a.method == "iterative" ? xbar::Method::iterative
                                         : xbar::Method::automatic;

  xbar::SolveFilesSummary s = xbar::solve_files(req);
  std::cerr << "xbar solve: " << s.rows << " x " << s.cols << ", " << s.vectors
            << " vector(s) in " << s.seconds << " s";
  if (s.used_transfer)
    std::cerr << " (transfer matrix, direct)";
  else
    std::cerr << "; estimated current error <= " << s.worst_err_est
              << " of max |I|, KCL residual <= " << s.worst_residual;
  std::cerr << "; wrote " << req.out_file.string() << "\n";
}

}  // namespace

void add_xbar_command(CLI::App& app, GlobalOptions& g, Action& action) {
  (void)g;  // xbar solve runs no ngspice and writes one file named by its own --out
  CLI::App* xbar = app.add_subcommand("xbar", "Crossbar arrays: native IR-drop solver");
  xbar->require_subcommand(1);
  auto args = std::make_shared<XbarSolveArgs>();
  CLI::App* solve = xbar->add_subcommand(
      "solve",
      "Column currents of one programmed array for one or more input vectors (docs/crossbar.md)");
  solve->add_option("--g", args->g_file, "conductances G[rows, cols] in S (.npy or HDF5 dataset G)")
      ->required();
  solve->add_option("--v", args->v_file,
                    "inputs V[vectors, rows] or V[rows] in V (.npy or HDF5 dataset V)")
      ->required();
  solve->add_option("--out", args->out_file, "column currents in A: a .npy or .h5/.hdf5 file, or an existing folder ending in / (writes I.npy there)")->required();
  solve->add_option("--r-wire", args->r_wire, "wire resistance per segment, ohm (both line kinds)")
      ->transform(quantity("ohm"));
  solve->add_option("--r-wire-row", args->r_wire_row, "word-line segment resistance, ohm")
      ->transform(quantity("ohm"));
  solve->add_option("--r-wire-col", args->r_wire_col, "bit-line segment resistance, ohm")
      ->transform(quantity("ohm"));
  solve->add_option("--r-driver", args->r_driver, "driver resistance, ohm")
      ->transform(quantity("ohm"));
  solve->add_option("--r-sense", args->r_sense, "sense resistance, ohm")
      ->transform(quantity("ohm"));
  solve->add_option("--v-sense", args->v_sense, "virtual-ground voltage, V")
      ->transform(quantity("V"));
  solve->add_option("--drive", args->drive, "near (column-0 end) or both")
      ->check(CLI::IsMember({"near", "both"}));
  solve->add_option("--sense", args->sense, "far (past the last row) or near (before row 0)")
      ->check(CLI::IsMember({"far", "near"}));
  solve->add_option("--cell", args->cell,
                    "linear, a device card (stanford_asu, or a netlist-only device such as lid, "
                    "whose read I-V ngspice tabulates; G is then the chord conductance at "
                    "--v-ref), or a 1T1R card (one_t_one_r, needs --v-gate)");
  solve->add_option("--v-ref", args->v_ref, "device cells: G is I(v_ref)/v_ref; 0 = slope at 0 V")
      ->transform(quantity("V"));
  solve->add_option("--v-gate", args->v_gate,
                    "1T1R: word-line gate voltage of the card's BSIM4 transistor (one value, or "
                    "one per row; --cell one_t_one_r)")
      ->transform(quantity("V"));
  solve->add_option("--rtol", args->rtol, "target relative error of the column currents")
      ->transform(quantity(""));
  solve->add_flag("--nodes", args->nodes, "also write node voltages (HDF5 output only)");
  solve->add_option("--method", args->method,
                    "auto (transfer matrix for linear cells and >= 48 vectors), iterative, or "
                    "transfer")
      ->check(CLI::IsMember({"auto", "iterative", "transfer"}));
  solve->callback([args, solve, &action]() {
    args->command_line = "# cimchar xbar solve\n" + solve->config_to_str(true, false);
    action = [args] {
      run_xbar_solve(*args);
      return static_cast<int>(kExitOk);
    };
  });
}

}  // namespace cimchar::app
