#include "spice/aids.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "spice/classify.hpp"

namespace cimchar::spice {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> tokens(const std::string& s) {
  std::istringstream is(s);
  std::vector<std::string> out;
  std::string t;
  while (is >> t) out.push_back(t);
  return out;
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

std::vector<ConvergenceAid> convergence_aids(bool has_tran) {
  const std::string stepping = ".options gminsteps=100 srcsteps=100";
  const std::string iterations = ".options itl1=1000 itl2=1000 itl4=100 reltol=3e-3";
  std::vector<ConvergenceAid> aids{
      {"gmin_src_stepping", {stepping}, false},
      {"more_iterations", {stepping, iterations}, false},
  };
  if (has_tran) aids.push_back({"gear_small_step", {stepping, iterations, ".options method=gear"}, true});
  return aids;
}

std::string insert_before_end(const std::string& netlist, const std::vector<std::string>& lines) {
  auto all = split_lines(netlist);
  size_t end = all.size();
  for (size_t i = all.size(); i-- > 0;) {
    const auto t = tokens(all[i]);
    if (!t.empty() && lower(t[0]) == ".end") {
      end = i;
      break;
    }
  }
  const bool has_end = end < all.size();
  all.insert(all.begin() + static_cast<std::ptrdiff_t>(end), lines.begin(), lines.end());
  if (!has_end) all.emplace_back(".end");
  std::string out;
  for (const auto& l : all) out += l + "\n";
  return out;
}

std::optional<double> parse_spice_number(const std::string& text) {
  const std::string s = lower(text);
  if (s.empty()) return std::nullopt;
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (...) {
    return std::nullopt;
  }
  const std::string suf = s.substr(used);
  double scale = 1;
  if (suf.rfind("meg", 0) == 0) scale = 1e6;
  else if (suf.rfind("mil", 0) == 0) scale = 25.4e-6;
  else if (!suf.empty()) {
    switch (suf[0]) {
      case 't': scale = 1e12; break;
      case 'g': scale = 1e9; break;
      case 'k': scale = 1e3; break;
      case 'm': scale = 1e-3; break;
      case 'u': scale = 1e-6; break;
      case 'n': scale = 1e-9; break;
      case 'p': scale = 1e-12; break;
      case 'f': scale = 1e-15; break;
      default:
        if (!std::isalpha(static_cast<unsigned char>(suf[0]))) return std::nullopt;
        break;  // a unit such as "s" or "v" without a scale
    }
  }
  return v * scale;
}

bool is_tran_command(const std::string& command) {
  const auto t = tokens(command);
  return !t.empty() && lower(t[0]) == "tran";
}

std::string with_small_max_step(const std::string& command) {
  if (!is_tran_command(command)) return command;
  auto t = tokens(command);
  bool uic = false;
  if (!t.empty() && lower(t.back()) == "uic") {
    uic = true;
    t.pop_back();
  }
  if (t.size() < 3) return command;  // ngspice will complain about it itself
  const auto tstep = parse_spice_number(t[1]);
  const auto tstop = parse_spice_number(t[2]);
  const auto tstart = t.size() > 3 ? parse_spice_number(t[3]) : std::optional<double>(0.0);
  std::optional<double> tmax;
  if (t.size() > 4) tmax = parse_spice_number(t[4]);
  if (!tstep || !tstop || !tstart || (t.size() > 4 && !tmax)) return command;
  // ngspice's default maximum step (dctran.c): min(tstep, (tstop - tstart) / 50).
  double base = tmax ? *tmax : std::min(*tstep, (*tstop - *tstart) / 50.0);
  if (!(base > 0)) return command;
  std::string out = "tran " + t[1] + " " + t[2] + " " + (t.size() > 3 ? t[3] : "0") + " " +
                    fmt(base / 4.0);
  if (uic) out += " uic";
  return out;
}

}  // namespace cimchar::spice
