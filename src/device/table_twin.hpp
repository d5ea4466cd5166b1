// A tabulated read I-V, I(V; state), for devices known only as a netlist (and, later, for any
// tabulated two-terminal element). Generic: it knows nothing of ngspice or of the device.
//
// The table holds, at each state s_k, the current on a uniform voltage grid. It is factored as
// I(V; s) = G(s) S(V; s): G(s) the small-signal conductance at 0 V and S = I / G the shape.
//  - in V: monotone cubic Hermite (Fritsch-Carlson slopes) of S at each tabulated state, so a
//    current that rises with V in the data rises between the points and dI/dV is continuous
//    enough for Newton; outside the grid, linear extrapolation with the end slope;
//  - in s: G by monotone cubic Hermite (of log G when every G > 0), S linearly between the two
//    neighbouring states; I stays monotone in V for every s (a positive multiple of a convex
//    combination of monotone curves).
// Devices whose shape does not depend on the state (a resistor, I0 exp(-g/g0) sinh(V/V0),
// Yakopcic's a x sinh(b V)) are then exact in s up to the G interpolation.
#pragma once

#include <cstddef>
#include <vector>

namespace cimchar::device {

struct TableIV {
  double i_A, di_dv_S;
};

class TableTwin {
 public:
  // states: strictly increasing; i_A[k]: currents at states[k] on the uniform grid of n_v
  // points from v_min to v_max (n_v >= 3, v_min < 0 < v_max, 0 on the grid). InputError if not.
  TableTwin(std::vector<double> states, double v_min_V, double v_max_V,
            std::vector<std::vector<double>> i_A);

  TableIV eval(double v_V, double state) const;

  // A state resolved once: its interval k, the weight t within it and its conductance G, so
  // that evaluating it at many voltages skips the search and G (the crossbar solver keeps one
  // per cell; eval(v, at_state(s)) == eval(v, s)).
  struct StatePoint {
    size_t k;
    double t, g;
  };
  StatePoint at_state(double state) const;
  // Inline (the crossbar solver's Newton calls it once per cell and iteration): the two
  // neighbouring states' rows, packed as (S_j, h dS/dV_j) pairs, share the voltage interval and
  // the Hermite basis; the blend of the two is taken before the basis (it is linear).
  TableIV eval(double v_V, const StatePoint& p) const {
    const double* a = &packed_[2 * n_v_ * p.k];
    const double* b = a + 2 * n_v_;
    const double wa = p.g * (1 - p.t), wb = p.g * p.t;
    const double u = (v_V - v_min_) * inv_h_;
    if (!(u > 0) || u >= static_cast<double>(n_v_ - 1)) return extrapolate(v_V, a, b, wa, wb);
    const size_t j = static_cast<size_t>(u);
    return hermite_blend(a + 2 * j, b + 2 * j, wa, wb, u - static_cast<double>(j), inv_h_);
  }
  // The two states' rows at grid interval j (pa, pb: their (S, h dS/dV) pairs at j and j + 1)
  // blended with weights wa, wb, then the cubic Hermite basis at t in [0, 1).
  static TableIV hermite_blend(const double* pa, const double* pb, double wa, double wb,
                               double t, double inv_h) {
    const double t2 = t * t, t3 = t2 * t;
    const double y0 = wa * pa[0] + wb * pb[0], d0 = wa * pa[1] + wb * pb[1];
    const double y1 = wa * pa[2] + wb * pb[2], d1 = wa * pa[3] + wb * pb[3];
    return {(2 * t3 - 3 * t2 + 1) * y0 + (t3 - 2 * t2 + t) * d0 + (3 * t2 - 2 * t3) * y1 + (t3 - t2) * d1,
            ((6 * t2 - 6 * t) * (y0 - y1) + (3 * t2 - 4 * t + 1) * d0 + (3 * t2 - 2 * t) * d1) * inv_h};
  }
  // The chord I(v)/v (dI/dV at v = 0) of every tabulated state's shape, so that the chord of a
  // resolved state is chord(p, ratios) (the crossbar solver's start: one v per row).
  void shape_ratios(double v_V, std::vector<double>* out) const;
  static double chord(const StatePoint& p, const std::vector<double>& ratios) {
    return p.g * ((1 - p.t) * ratios[p.k] + p.t * ratios[p.k + 1]);
  }
  // eval for n cells at once: i[c], di[c] = eval(v[c], p[c]) (the same arithmetic; in-grid
  // cells in a loop the compiler vectorises, the few outside the grid after it).
  void eval_many(const double* v_V, const StatePoint* p, size_t n, double* i_A,
                 double* di_dv_S) const;
  // The small-signal conductance at 0 V at a state (interpolated as in eval).
  double conductance_S(double state) const;
  // Chord conductance I(v_ref)/v_ref, or the small-signal one when v_ref == 0.
  double chord_S(double state, double v_ref_V) const;
  // The state whose chord conductance at v_ref is g (bisection; the table's G(s) must be
  // monotone). InputError naming g and the table's range when g is outside it.
  double state_for_conductance(double g_S, double v_ref_V) const;
  // The same for many conductances at one v_ref (the shapes at v_ref computed once); with
  // points, also each state resolved as at_state would (the crossbar solver's per-cell cache).
  std::vector<double> states_for_conductances(const std::vector<double>& g_S, double v_ref_V,
                                              std::vector<StatePoint>* points = nullptr) const;
  // The resolved states alone (what the crossbar solver keeps per cell).
  std::vector<StatePoint> points_for_conductances(const std::vector<double>& g_S,
                                                  double v_ref_V) const;

  const std::vector<double>& states() const { return s_; }
  double v_min() const { return v_min_; }
  double v_max() const { return v_max_; }
  size_t v_points() const { return n_v_; }

 private:
  std::vector<double> s_;
  double v_min_, v_max_, h_;
  size_t n_v_;
  size_t zero_;                               // index of V = 0 on the grid
  std::vector<double> g_, g_slope_;           // G(s_k) (or log G) and its Hermite slopes
  bool log_g_ = false;
  // Per state k, per point j: the shape S_k(V_j) = I / G(s_k) and h dS_k/dV at V_j (monotone
  // Hermite slopes).
  std::vector<double> packed_;
  double inv_h_ = 0;

  // eval outside the grid: linear with the end slopes.
  TableIV extrapolate(double v_V, const double* a, const double* b, double wa, double wb) const;

  TableIV shape_at(size_t k, double v) const;
  size_t state_interval(double s) const;
  double g_at(size_t k, double t) const;  // G at weight t in interval k
  // The chord at v_ref as a function of the state, from the shapes at v_ref (one per state).
  struct Chord;
  Chord chord_at(double v_ref_V) const;
  StatePoint invert_chord(const Chord& c, double g_S, double* state) const;
  void invert_all(const std::vector<double>& g_S, double v_ref_V, double* states,
                  StatePoint* points) const;
  double chord_weight(const Chord& c, size_t interval, double g_S) const;
};

// Fritsch-Carlson slopes for a monotone piecewise-cubic Hermite interpolant of y(x).
std::vector<double> monotone_slopes(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace cimchar::device
