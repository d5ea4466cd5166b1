#include "lut/cell_records.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace cimchar::lut {

namespace {

// The cell of `axis` holding x (index of its lower end) and the fraction across it.
std::pair<size_t, double> bracket(const std::vector<double>& axis, double x, const char* name,
                                  const std::string& file) {
  if (axis.size() < 2 || !std::is_sorted(axis.begin(), axis.end()))
    throw InputError(file + ": " + ReadCurrentLut::kGroup + "/" + name +
                     " must hold at least two increasing values");
  if (!(x >= axis.front() && x <= axis.back()))
    throw InputError(file + ": " + ReadCurrentLut::kGroup + ": " + name + " = " +
                     std::to_string(x) + " lies outside the table (no extrapolation)");
  size_t k = static_cast<size_t>(std::upper_bound(axis.begin(), axis.end(), x) - axis.begin());
  k = std::clamp<size_t>(k, 1, axis.size() - 1) - 1;
  return {k, (x - axis[k]) / (axis[k + 1] - axis[k])};
}

}  // namespace

double ReadCurrentLut::current_A(double at_state, double at_v_V, const std::string& file) const {
  if (i.size() != state.size() * v_read.size())
    throw InputError(file + ": " + kGroup + "/i is not [state, v_read]");
  const auto [s, fs] = bracket(state, at_state, "state", file);
  const auto [v, fv] = bracket(v_read, at_v_V, "v_read", file);
  const size_t n = v_read.size();
  auto at = [&](size_t a, size_t b) { return i[a * n + b]; };
  return (1 - fs) * ((1 - fv) * at(s, v) + fv * at(s, v + 1)) +
         fs * ((1 - fv) * at(s + 1, v) + fv * at(s + 1, v + 1));
}

void ReadCurrentLut::fields(Visitor& v) {
  // Described (docs) without a model: the unit is then a placeholder a writer never leaves.
  const char* su = state_units.empty() ? "the model's state unit" : state_units.c_str();
  v.axis("state", state, su, "cell state held during the read (the device model's state variable)");
  v.axis("v_read", v_read, "V", "read voltage across the cell and its series resistor");
  v.var("i", i, {"state", "v_read"}, "A", "current into the cell's top electrode");
}

void CellErrorLut::fields(Visitor& v) {
  v.axis("target_g", target_g, "S", "target read conductance at v_verify");
  v.var("mean_rel", mean_rel, {"target_g"}, "1", "mean relative error");
  v.var("sigma_rel", sigma_rel, {"target_g"}, "1", "standard deviation of the relative error");
  v.var("q05_rel", q05_rel, {"target_g"}, "1", "5% quantile of the relative error");
  v.var("q50_rel", q50_rel, {"target_g"}, "1", "median of the relative error");
  v.var("q95_rel", q95_rel, {"target_g"}, "1", "95% quantile of the relative error");
  v.text("definition", definition, "how the error is defined");
}

void ColumnErrorLut::fields(Visitor& v) {
  v.axis("size", size, "1", "array size N (N x N cells)");
  v.axis("ir_drop", ir_drop, "1", "0: ideal wires, 1: wire resistance r_wire_ohm (select, do not interpolate)");
  v.var("mean", mean, {"size", "ir_drop"}, "1", "mean column error over columns and arrays");
  v.var("sigma", sigma, {"size", "ir_drop"}, "1", "standard deviation of the column error");
  v.var("q05", q05, {"size", "ir_drop"}, "1", "5% quantile of the column error");
  v.var("q95", q95, {"size", "ir_drop"}, "1", "95% quantile of the column error");
  v.scalar("r_wire_ohm", r_wire_ohm, "ohm", "wire resistance per cell pitch where ir_drop = 1");
  v.scalar("input_activity", input_activity, "1", "fraction of rows driven");
  v.scalar("arrays", arrays, "1", "arrays drawn per size");
  v.text("definition", definition, "how the error is defined");
}

}  // namespace cimchar::lut
