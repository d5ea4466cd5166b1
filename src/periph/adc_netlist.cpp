// Flash and SAR ADC benches for ngspice (see adc_netlist.hpp).
#include "periph/adc_netlist.hpp"

#include <cmath>
#include <sstream>

#include "core/error.hpp"
#include "core/param_table.hpp"
#include "core/units.hpp"

namespace cimchar::periph {

namespace {

std::string num(double v) { return netlist_number(v); }

// "name = a + b + ..." over many terms, split into B-sources of 16 terms each so that no line
// gets long; the partial sums land on nodes <node>_s<g>.
void sum_node(std::ostringstream& o, const std::string& node,
              const std::vector<std::string>& terms) {
  std::vector<std::string> parts;
  for (size_t g = 0; g * 16 < terms.size(); ++g) {
    const std::string part = node + "_s" + std::to_string(g);
    o << "b" << part << " " << part << " 0 V = 0";
    for (size_t i = g * 16; i < std::min(terms.size(), (g + 1) * 16); ++i) o << " + " << terms[i];
    o << "\n";
    parts.push_back("v(" + part + ")");
  }
  o << "b" << node << " " << node << " 0 V = 0";
  for (const auto& p : parts) o << " + " << p;
  o << "\n";
}

// A waveform of time as a B-source pwl(): unlike a PWL voltage source it sets no breakpoints,
// so its steps cost no extra time points; callers put the steps where the circuit does not look
// at the node, and end with a flat segment past the stop time (pwl() extrapolates linearly).
void time_pwl(std::ostringstream& o, const std::string& node,
              const std::vector<std::pair<double, double>>& pts) {
  o << "b" << node << " " << node << " 0 V = pwl(time";
  for (const auto& [t, v] : pts) o << ",\n+ " << num(t) << ", " << num(v);
  o << ")\n";
}

void flash(std::ostringstream& o, const AdcDesign& d, const AdcSample& s, const Ramp& r,
           const AdcCircuit& c) {
  const size_t nt = d.transitions();
  for (size_t k = 1; k <= nt; ++k) o << ".param os_" << k << "=" << num(s.offset_V[k - 1]) << "\n";
  o << "vin in 0 0\nvref t" << nt + 1 << " 0 {vref}\n";
  for (size_t k = nt + 1; k >= 1; --k) {
    o << "rl" << k << " t" << k << " ";
    if (k == 1) o << "0";
    else o << "t" << k - 1;
    o << " " << num(c.r_unit_ohm) << "\n";
  }
  const double w = flash_noise_window_V(s);
  std::vector<std::string> outs;
  for (size_t k = 1; k <= nt; ++k) {
    o << "xc" << k << " in t" << k << " nz" << k << " c" << k << " adc_cmp params: vos={os_" << k
      << "}\n";
    outs.push_back("v(c" + std::to_string(k) + ")");
    // Noise draws at the ramp points inside the window (the twin's rule), zero padded so
    // that pwl()'s linear extrapolation stays at zero; the sweep only visits the ramp points.
    std::vector<size_t> pts;
    if (s.noise_sigma_V > 0) {
      const double th = flash_threshold_V(d, s, k);
      for (size_t p = 0; p < r.points; ++p)
        if (std::abs(r.x(p) - th) <= w) pts.push_back(p);
    }
    if (pts.empty()) {
      o << "vnz" << k << " nz" << k << " 0 0\n";
      continue;
    }
    o << "bnz" << k << " nz" << k << " 0 V = pwl(v(in)";
    auto pair = [&](double x, double y) { o << ",\n+ " << num(x) << ", " << num(y); };
    const double x0 = r.x(pts.front()), x1 = r.x(pts.back());
    pair(x0 - 2 * r.step, 0);
    pair(x0 - r.step, 0);
    for (size_t p : pts) pair(r.x(p), decision_noise(s, p, k - 1));
    pair(x1 + r.step, 0);
    pair(x1 + 2 * r.step, 0);
    o << ")\n";
  }
  sum_node(o, "code", outs);
}

// Conversions of ramp points first .. first+count-1; conversion p starts at (p - first) T.
void sar(std::ostringstream& o, const AdcDesign& d, const AdcSample& s, const Ramp& r,
         const AdcCircuit& c, size_t first, size_t count) {
  const int n = d.bits;
  const double T = c.conversion_s(n), tb = c.t_bit_s, ts = c.t_sample_s, tr = 0.05 * tb;
  o << ".param cu=" << num(c.unit_cap_F) << " os_1=" << num(s.offset_V[0]) << "\n";
  for (int i = 0; i < n; ++i)
    o << ".param cap_" << i << "={cu*" << (1 << i) << "*(1+"
      << num(s.cap_rel[static_cast<size_t>(i)]) << ")}\n";
  o << ".param capd={cu*(1+" << num(s.cap_rel[static_cast<size_t>(n)]) << ")}\n";
  // Staircase: point p is held from the end of conversion p-1 through conversion p.
  std::vector<std::pair<double, double>> stair = {{0.0, r.x(first)}};
  for (size_t p = first + 1; p < first + count; ++p) {
    const double t = static_cast<double>(p - first) * T;
    stair.emplace_back(t - 0.05 * tb, r.x(p - 1));
    stair.emplace_back(t - 0.02 * tb, r.x(p));
  }
  stair.emplace_back(static_cast<double>(count + 1) * T, r.x(first + count - 1));
  time_pwl(o, "in", stair);
  // Phases as periodic pulses that cross 0.5 V at the given times; edges that meet share their
  // breakpoints (each breakpoint restarts ngspice's step at a fraction of the distance to the
  // next one, so fewer distinct breakpoints mean far fewer time points).
  auto pulse = [&](const std::string& name, double on, double off) {
    o << "v" << name << " " << name << " 0 pulse(0 1 " << num(on - tr / 2) << " " << num(tr) << " "
      << num(tr) << " " << num(off - on - tr) << " " << num(T) << ")\n";
  };
  const double t_start = tr / 2;  // conversion p starts at p T + t_start
  pulse("samp", t_start, ts);
  pulse("tsw", t_start, ts - 0.2 * tb);  // the top plate opens first: bottom-plate sampling
  for (int cyc = 0; cyc < n; ++cyc) {
    const int j = n - 1 - cyc;
    const double t0 = ts + cyc * tb;
    pulse("try" + std::to_string(j), t0, t0 + tb);
    pulse("lat" + std::to_string(j), t0 + 0.6 * tb, t0 + 0.9 * tb);
    if (j > 0) pulse("dec" + std::to_string(j), t0 + tb, T);
    else o << "vdec0 dec0 0 0\n";
    o << "xd" << j << " bot" << j << " in samp try" << j << " dec" << j << " d" << j
      << " adc_sar_drv params: vref={vref}\n";
    o << "cc" << j << " bot" << j << " top {cap_" << j << "}\n";
    o << "xh" << j << " cmp lat" << j << " d" << j << " adc_hold\n";
  }
  o << "xdd botd in samp 0 0 0 adc_sar_drv params: vref={vref}\n";
  o << "ccd botd top {capd}\n";
  o << "stop top 0 tsw 0 adc_sw\n";
  // Decides 1 when vin - v_dac = -v(top) > os_1 + noise.
  o << "xcmp 0 top nz cmp adc_cmp params: vos={os_1}\n";
  if (s.noise_sigma_V > 0) {
    std::vector<std::pair<double, double>> nz;
    for (size_t p = first; p < first + count; ++p)
      for (int cyc = 0; cyc < n; ++cyc) {
        const double t0 = static_cast<double>(p - first) * T + ts + cyc * tb;
        const double v = decision_noise(s, p, static_cast<uint64_t>(cyc));
        nz.emplace_back(t0 + 0.05 * tb, v);
        nz.emplace_back(t0 + 0.95 * tb, v);
      }
    nz.emplace_back(static_cast<double>(count + 1) * T, nz.back().second);
    time_pwl(o, "nz", nz);
  } else {
    o << "vnz nz 0 0\n";
  }
  std::vector<std::string> bits;
  for (int j = 0; j < n; ++j)
    bits.push_back("(v(d" + std::to_string(j) + ") > 0.5 ? " + std::to_string(1 << j) + " : 0)");
  sum_node(o, "code", bits);
}

}  // namespace

std::vector<std::pair<size_t, size_t>> bench_spans(const AdcDesign& d, const Ramp& r,
                                                   size_t sar_conversions) {
  if (d.arch == AdcArch::flash || sar_conversions == 0) return {{0, r.points}};
  std::vector<std::pair<size_t, size_t>> spans;
  for (size_t p = 0; p < r.points; p += sar_conversions)
    spans.emplace_back(p, std::min(sar_conversions, r.points - p));
  return spans;
}

AdcBench render_adc_bench(const AdcDesign& d, const AdcSample& s, const Ramp& r,
                          const AdcCircuit& c, std::pair<size_t, size_t> span) {
  const auto [first, count] = span;
  CIMCHAR_CHECK(count > 0 && first + count <= r.points, "ADC bench span outside the ramp");
  std::ostringstream o;
  o << "cimchar " << to_string(d.arch) << " ADC, " << d.bits << " bits\n";
  o << ".include " << find_netlist("adc.lib").string() << "\n";
  o << ".param vref=" << num(d.vref_V) << "\n";
  AdcBench b;
  if (d.arch == AdcArch::flash) {
    CIMCHAR_CHECK(first == 0 && count == r.points, "a flash bench sweeps the whole ramp");
    flash(o, d, s, r, c);
    b.commands = {"dc vin " + num(r.x(0)) + " " + num(r.x(r.points - 1) + 0.5 * r.step) + " " +
                  num(r.step)};
    b.vectors = {"v(in)", "v(code)"};
  } else {
    sar(o, d, s, r, c, first, count);
    o << ".save v(code)\n";  // ngspice's per-point bookkeeping of ~100 vectors dominated
    const double tstop = static_cast<double>(count) * c.conversion_s(d.bits);
    b.commands = {"tran " + num(c.t_bit_s) + " " + num(tstop) + " 0 " + num(c.t_bit_s)};
    b.vectors = {"time", "v(code)"};
  }
  o << ".end\n";
  b.netlist = o.str();
  return b;
}

std::vector<int> codes_from_vectors(const AdcDesign& d, const Ramp& r, const AdcCircuit& c,
                                    std::pair<size_t, size_t> span,
                                    const std::map<std::string, std::vector<double>>& vectors) {
  const auto [first, count] = span;
  const std::string name = std::string(to_string(d.arch)) + " ADC bench";
  auto vec = [&](const std::string& v) -> const std::vector<double>& {
    auto it = vectors.find(v);
    if (it == vectors.end()) throw SpiceError(name, "no vector " + v + " in the results");
    return it->second;
  };
  const auto& code = vec("v(code)");
  std::vector<int> codes(count, -1);
  if (d.arch == AdcArch::flash) {
    const auto& vin = vec("v(in)");
    for (size_t i = 0; i < vin.size() && i < code.size(); ++i) {
      const double pos = (vin[i] - r.v0) / r.step - 0.5;
      const long p = std::lround(pos);
      if (p < 0 || static_cast<size_t>(p) >= r.points ||
          std::abs(pos - static_cast<double>(p)) > 1e-3)
        continue;
      codes[static_cast<size_t>(p)] = static_cast<int>(std::lround(code[i]));
    }
  } else {
    const auto& time = vec("time");
    const double T = c.conversion_s(d.bits);
    size_t i = 0;
    for (size_t p = 0; p < count; ++p) {
      const double t_read = static_cast<double>(p + 1) * T - 0.05 * c.t_bit_s;
      while (i + 1 < time.size() && time[i + 1] <= t_read) ++i;
      if (i < code.size() && time[i] <= t_read && time[i] > t_read - T)
        codes[p] = static_cast<int>(std::lround(code[i]));
    }
  }
  for (size_t p = 0; p < count; ++p)
    if (codes[p] < 0) throw SpiceError(name, "no code for ramp point " + std::to_string(first + p));
  return codes;
}

}  // namespace cimchar::periph
