#include "device/card_check.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/units.hpp"
#include "spice/pool.hpp"

namespace cimchar::device {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The library's logical lines: `+` continuations joined, comments (`*` lines, `;`) dropped.
std::vector<std::string> logical_lines(std::istream& in) {
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    auto semi = line.find(';');
    if (semi != std::string::npos) line.resize(semi);
    size_t p = line.find_first_not_of(" \t\r");
    if (p == std::string::npos || line[p] == '*') continue;
    if (line[p] == '+' && !out.empty()) {
      out.back() += " " + line.substr(p + 1);
      continue;
    }
    out.push_back(line.substr(p));
  }
  return out;
}

SubcktHeader parse_header(std::istringstream& words) {
  SubcktHeader h;
  std::string w;
  bool in_params = false;
  while (words >> w) {
    w = lower(w);
    if (w == "params:") { in_params = true; continue; }
    auto eq = w.find('=');
    if (eq != std::string::npos) in_params = true;  // "name=value" after the pins
    if (in_params) {
      if (eq == std::string::npos) continue;  // "name = value" with spaces: the name came first
      if (eq > 0) h.params.push_back(w.substr(0, eq));
      continue;
    }
    h.pins.push_back(w);
  }
  return h;
}

void fail(const ParamTable& card, const std::string& key, const std::string& what) {
  throw ConfigError(card.card_path().string(), key, 0, what);
}

bool has_param(const SubcktHeader& h, const std::string& name) {
  return std::find(h.params.begin(), h.params.end(), lower(name)) != h.params.end();
}

}  // namespace

std::map<std::string, SubcktHeader> read_subckt_headers(const std::string& lib_path) {
  std::ifstream in(lib_path);
  if (!in) throw InputError(lib_path + ": cannot be read");
  std::map<std::string, SubcktHeader> out;
  for (const auto& line : logical_lines(in)) {
    std::istringstream words(line);
    std::string kw, name;
    words >> kw;
    if (lower(kw) != ".subckt" || !(words >> name)) continue;
    out[lower(name)] = parse_header(words);
  }
  return out;
}

void check_card_against_lib(const ParamTable& card) {
  const std::string lib = card.lib_path().string();
  const auto subs = read_subckt_headers(lib);
  auto find = [&](const std::string& key, const std::string& name) -> const SubcktHeader& {
    auto it = subs.find(lower(name));
    if (it == subs.end()) fail(card, key, "subcircuit '" + name + "' is not defined in " + lib);
    return it->second;
  };
  const SubcktHeader& dyn = find("model.subckt", card.subckt());
  if (!card.pins().empty()) {
    std::vector<std::string> pins;
    for (const auto& p : card.pins()) pins.push_back(lower(p));
    if (pins != dyn.pins) {
      std::string have;
      for (const auto& p : dyn.pins) have += (have.empty() ? "" : ", ") + p;
      fail(card, "model.pins", "subcircuit '" + card.subckt() + "' in " + lib + " has pins (" +
                                   have + "), not the card's");
    }
  }
  if (!has_param(dyn, card.state_name() + "_ini"))
    fail(card, "model.state", "subcircuit '" + card.subckt() + "' has no parameter '" +
                                  card.state_name() + "_ini' (the initial state)");
  const SubcktHeader* stat = nullptr;
  if (!card.static_subckt().empty()) {
    stat = &find("model.static_subckt", card.static_subckt());
    if (stat->pins.size() != 2)
      fail(card, "model.static_subckt", "subcircuit '" + card.static_subckt() +
                                            "' must have two pins (top and bottom electrode)");
    if (!has_param(*stat, card.state_name()))
      fail(card, "model.state", "subcircuit '" + card.static_subckt() + "' has no parameter '" +
                                    card.state_name() + "' (the state)");
  }
  for (const auto& s : card.specs()) {
    if (!has_param(dyn, s.name))
      fail(card, "params." + s.name, "subcircuit '" + card.subckt() + "' has no parameter '" +
                                         s.name + "'");
    if (stat && !has_param(*stat, s.name))
      fail(card, "params." + s.name, "subcircuit '" + card.static_subckt() +
                                         "' has no parameter '" + s.name + "'");
  }
}

void check_card_with_ngspice(const ParamTable& card, spice::WorkerPool& pool) {
  if (card.static_subckt().empty() || !card.has_state_range()) return;
  spice::Job j;
  j.name = "card check " + card.model_name();
  const double mid = 0.5 * (card.state_min() + card.state_max());
  j.netlist = "* card check\n.include " + card.lib_path().string() + "\nvs te 0 0.1\nx1 te 0 " +
              card.static_subckt() + " " + card.render_instance_params() + " " +
              card.state_name() + "=" + netlist_number(mid) + "\n.end\n";
  j.commands = {"op"};
  j.vectors = {"i(vs)"};
  j.convergence_aids = false;
  const spice::JobResult r = pool.run_one(j);
  std::string why = r.message;
  if (!r.stderr_lines.empty()) why += " (" + r.stderr_lines.back() + ")";
  if (!r.ok())
    fail(card, "model.lib", "ngspice cannot read or evaluate " + card.lib_path().string() +
                                " (subcircuit '" + card.static_subckt() + "'): " + why);
  const auto it = r.vectors.find("i(vs)");
  if (it == r.vectors.end() || it->second.empty() || !std::isfinite(it->second[0]))
    fail(card, "model.lib", "subcircuit '" + card.static_subckt() +
                                "' gives no finite current at 0.1 V: " + why);
}

}  // namespace cimchar::device
