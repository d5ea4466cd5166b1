// libFuzzer target: the netlist renderers that turn a device card and bench settings into ngspice
// text (src/flows/cell_jobs: the cell benches; src/xbar/netlist: crossbar cells from the card's
// static subcircuit; src/periph: the WTA, ADC and threshold benches from netlists/*.lib).
// Input: a device card's TOML, optionally followed by a line "#%%" and bytes that choose the
// parameter values (inside the card's ranges) and bench settings. Every netlist rendered from an
// accepted card must be well-formed ngspice input (check_netlist below): nothing a card holds
// may inject a line, an unparsable token or a non-finite number.
#include "data_provider.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <sstream>

#include "core/param_table.hpp"
#include "flows/cell_jobs.hpp"
#include "fuzz_support.hpp"
#include "periph/adc_netlist.hpp"
#include "periph/threshold.hpp"
#include "periph/wta_netlist.hpp"
#include "xbar/netlist.hpp"

namespace {

using cimchar::fuzz::invariant_failed;

bool is_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

void fail(const std::string& what, const std::string& line, const std::string& netlist) {
  invariant_failed(what + " in line '" + line + "' of\n" + netlist);
}

// name=value tokens: an identifier and a finite number; bare numeric tokens finite.
void check_tokens(const std::string& line, const std::string& netlist) {
  std::istringstream ls(line);
  std::string tok;
  while (ls >> tok) {
    if (tok.find_first_of("(){}") != std::string::npos) continue;  // expressions, pwl(...)
    if (tok == "=") continue;  // a behavioural source's `v = <expression>`
    std::string value = tok;
    if (const auto eq = tok.find('='); eq != std::string::npos) {
      if (!is_identifier(tok.substr(0, eq))) fail("parameter name is not an identifier", line, netlist);
      value = tok.substr(eq + 1);
      char* end = nullptr;
      const double v = std::strtod(value.c_str(), &end);
      const bool number = !value.empty() && *end == '\0';
      if (number ? !std::isfinite(v) : !is_identifier(value))  // `method=gear` is a keyword
        fail("parameter value is neither a finite number nor a keyword", line, netlist);
    } else {
      char* end = nullptr;
      const double v = std::strtod(value.c_str(), &end);
      if (end != value.c_str() && *end == '\0' && !std::isfinite(v))
        fail("non-finite number", line, netlist);
    }
  }
}

// Printable ASCII lines; no control block, shell escape or second `.end`; `.include` names one
// existing file; name=value tokens well-formed.
void check_netlist(const std::string& netlist) {
  std::istringstream in(netlist);
  std::string line;
  bool ended = false;
  for (int n = 0; std::getline(in, line); ++n) {
    for (char c : line)
      if (static_cast<unsigned char>(c) < 0x20 ? c != '\t' : static_cast<unsigned char>(c) > 0x7e)
        fail("control or non-ASCII character", line, netlist);
    if (n == 0 || line.empty() || line[0] == '*') continue;  // title, blank, comment
    if (ended) fail("text after .end", line, netlist);
    std::string low;
    for (char c : line) low += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (low.rfind(".control", 0) == 0 || low.rfind(".endc", 0) == 0 || low.rfind("shell", 0) == 0)
      fail("control line", line, netlist);
    if (low == ".end") {
      ended = true;
      continue;
    }
    if (low.rfind(".include", 0) == 0) {
      const std::string path = line.substr(9);
      if (path.find_first_of(" \t") != std::string::npos || !std::filesystem::is_regular_file(path))
        fail(".include does not name one existing file", line, netlist);
      continue;
    }
    check_tokens(line, netlist);
  }
}

void check_job(const cimchar::spice::Job& j) {
  check_netlist(j.netlist);
  for (const auto& c : j.commands)
    if (c.find('\n') != std::string::npos) invariant_failed("multi-line command '" + c + "'");
}

// A value in [lo, hi] chosen by the input.
double pick(FuzzedDataProvider& p, double lo, double hi) {
  // Clamped: lo + (hi - lo) * 1 rounds to 0, outside [-1e6, -1e-12] (a harness finding).
  return std::clamp(lo + (hi - lo) * p.ConsumeProbability<double>(), lo, hi);
}

void render_cell_benches(const cimchar::ParamTable& card, FuzzedDataProvider& p) {
  cimchar::flows::CellBenchSettings b;
  b.r_series_ohm = pick(p, 0, 1e6);
  b.c_cell_F = pick(p, 1e-18, 1e-12);
  const double state = pick(p, 0, 3e-9), v = pick(p, 0.05, 3), w = pick(p, 1e-10, 1e-6);
  check_job(cimchar::flows::iv_loop_job(card, b, state, v, -v, pick(p, 1e3, 1e8)));
  check_job(cimchar::flows::pulse_read_job(card, b, state, v, w, 0.1));
  check_job(cimchar::flows::disturb_job(card, b, state, 0.1, w, p.ConsumeIntegralInRange(1, 20)));
  if (!card.static_subckt().empty())
    check_job(cimchar::flows::read_iv_job(card, state, {0.05, 0.1, pick(p, 0.15, 0.5)}));
}

void render_crossbar(const cimchar::ParamTable& card, FuzzedDataProvider& p) {
  if (card.static_subckt().empty() || !card.has("V0") || !card.has("I0") || !card.has("g0")) return;
  cimchar::xbar::Array a;
  a.rows = p.ConsumeIntegralInRange<size_t>(1, 3);
  a.cols = p.ConsumeIntegralInRange<size_t>(1, 3);
  for (size_t k = 0; k < a.rows * a.cols; ++k) a.g_S.push_back(pick(p, 1e-7, 1e-4));
  cimchar::xbar::Wiring w;
  w.r_wire_row_ohm = pick(p, 0, 5);
  w.r_wire_col_ohm = pick(p, 0, 5);
  cimchar::xbar::CellModel cell;
  cell.element = cimchar::xbar::Element::sinh;
  cell.sinh.v0_V = card.get("V0");
  cimchar::xbar::NetlistOptions o;
  o.rram_card = &card;
  std::vector<double> v(a.rows);
  for (auto& x : v) x = pick(p, 0, 0.3);
  check_netlist(cimchar::xbar::crossbar_netlist(a, w, cell, v, o));
}

void render_peripherals(FuzzedDataProvider& p) {
  namespace pe = cimchar::periph;
  pe::WtaCircuit wc;
  wc.n_inputs = p.ConsumeIntegralInRange<size_t>(2, 8);
  wc.k = p.ConsumeIntegralInRange<size_t>(1, wc.n_inputs);
  wc.c_F = pick(p, 1e-15, 1e-12);
  std::vector<double> i(wc.n_inputs), off(wc.n_inputs);
  for (auto& x : i) x = pick(p, 1e-7, 1e-4);
  for (auto& x : off) x = pick(p, -0.05, 0.05);
  const double t_stop = pe::wta_stop_time(wc, 1e-7, 0.05);
  check_netlist(pe::render_wta_bench(wc, pe::wta_param_values(i, off), t_stop));
  pe::ThresholdCircuit tc;
  tc.c_int = pick(p, 1e-15, 1e-12);
  tc.v_th = pick(p, 0.05, 0.9);
  check_netlist(pe::threshold_netlist(tc, cimchar::find_netlist("threshold.lib").string(),
                                      pick(p, 1e-8, 1e-5), pick(p, -0.05, 0.05)));
  pe::AdcDesign d;
  d.arch = p.ConsumeBool() ? pe::AdcArch::flash : pe::AdcArch::sar;
  d.bits = p.ConsumeIntegralInRange(2, 6);
  std::mt19937_64 rng(p.ConsumeIntegral<uint64_t>());
  const pe::AdcSample s = pe::draw_sample(d, {1e-3, 1e-2, 1e-4}, rng);
  const pe::Ramp r = pe::make_ramp(d, 2);
  const pe::AdcCircuit c;
  for (const auto& span : pe::bench_spans(d, r, 16))
    check_netlist(pe::render_adc_bench(d, s, r, c, span).netlist);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  namespace fs = std::filesystem;
  for (const auto& e : fs::directory_iterator(cimchar::fuzz::source_dir() / "devices"))
    if (e.path().extension() == ".lib")
      fs::create_symlink(e.path(), cimchar::fuzz::scratch_dir() / e.path().filename());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cimchar;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto sep = in.find("\n#%%\n");
  const std::string_view card_text = in.substr(0, sep);
  const std::string_view rest = sep == std::string_view::npos ? "" : in.substr(sep + 5);
  const auto path = fuzz::write_scratch("card.toml", card_text);
  ParamTable card;
  if (!fuzz::accepts([&] { card = ParamTable::load_card(path); })) return 0;
  FuzzedDataProvider p(reinterpret_cast<const uint8_t*>(rest.data()), rest.size());
  for (const auto& s : card.specs()) card.set(s.name, pick(p, s.min, s.max));
  render_cell_benches(card, p);
  render_crossbar(card, p);
  render_peripherals(p);
  return 0;
}
