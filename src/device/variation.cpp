#include "device/variation.hpp"

#include <algorithm>
#include <cmath>

#include "core/config.hpp"
#include "core/normal.hpp"
#include "core/rng.hpp"

namespace cimchar::device {

namespace {

// One reader for the flow's table and the card's: in a card, each effect's table has a
// `source` instead of `enabled`.
void read_effects(VariationParams& v, Section& t, bool card) {
  auto on = [&](Section& e, const char* name, bool& flag) {
    if (!card) {
      flag = e.get_bool("enabled", flag);
    } else if (t.has(name)) {
      v.sources[name] = e.require_string("source");
    }
  };
  Section a = t.sub("d2d");
  on(a, "d2d", v.d2d);
  v.d2d_c0_S = a.get_double("c0", v.d2d_c0_S, "S", {0, 1});
  v.d2d_c1 = a.get_double("c1", v.d2d_c1, "", {0, 10});
  v.d2d_c2_per_S = a.get_double("c2", v.d2d_c2_per_S, "1/S", {0, 1e12});
  a.finish();
  Section b = t.sub("c2c");
  on(b, "c2c", v.c2c);
  v.c2c_rel = b.get_double("sigma_rel", v.c2c_rel, "", {0, 10});
  b.finish();
  Section r = t.sub("read_noise");
  on(r, "read_noise", v.read_noise);
  v.read_rel = r.get_double("sigma_rel", v.read_rel, "", {0, 10});
  r.finish();
  Section d = t.sub("drift");
  on(d, "drift", v.drift);
  v.drift_t0_s = d.get_double("t0", v.drift_t0_s, "s", {1e-12, 1e12});
  v.drift_nu_mean = d.get_double("nu_mean", v.drift_nu_mean, "", {-1, 1});
  v.drift_nu_sigma = d.get_double("nu_sigma", v.drift_nu_sigma, "", {0, 1});
  d.finish();
  Section s = t.sub("stuck");
  on(s, "stuck", v.stuck);
  v.p_stuck_on = s.get_double("p_on", v.p_stuck_on, "", {0, 1});
  v.p_stuck_off = s.get_double("p_off", v.p_stuck_off, "", {0, 1});
  if (v.p_stuck_on + v.p_stuck_off > 1) s.fail("p_off", "p_on + p_off must not exceed 1");
  v.g_stuck_on_S = s.get_double("g_on", v.g_stuck_on_S, "S", {0, 1});
  v.g_stuck_off_S = s.get_double("g_off", v.g_stuck_off_S, "S", {0, 1});
  s.finish();
  t.finish();
}

}  // namespace

void VariationParams::read(Section& t) { read_effects(*this, t, false); }

void VariationParams::read_card(const std::filesystem::path& card) {
  TomlDoc doc = TomlDoc::parse_file(card);
  Section root(doc.root, doc.file, "");
  if (!root.has("variation")) return;
  Section v = root.sub("variation");
  read_effects(*this, v, true);
}

double VariationSampler::sigma_d2d_S(double g) const {
  return p_.d2d_c0_S + p_.d2d_c1 * g + p_.d2d_c2_per_S * g * g;
}

void VariationSampler::stick(ProgrammedCell& c, double u) const {
  if (u < p_.p_stuck_on) {
    c.stuck = Stuck::on;
    c.g_S = p_.g_stuck_on_S;
  } else if (u < p_.p_stuck_on + p_.p_stuck_off) {
    c.stuck = Stuck::off;
    c.g_S = p_.g_stuck_off_S;
  }
}

ProgrammedCell VariationSampler::program(double g_target, std::mt19937_64& rng) const {
  std::normal_distribution<double> n01(0.0, 1.0);
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  ProgrammedCell c;
  // Every draw is taken whether or not its effect is on, so that switching one effect on
  // does not shift the random streams of the others.
  const double z_d2d = n01(rng), z_c2c = n01(rng), z_nu = n01(rng), u = u01(rng);
  double g = g_target;
  if (p_.d2d) g += sigma_d2d_S(g_target) * z_d2d;
  if (p_.c2c) g *= 1.0 + p_.c2c_rel * z_c2c;
  c.g_S = std::max(g, 0.0);
  if (p_.drift) c.nu = p_.drift_nu_mean + p_.drift_nu_sigma * z_nu;
  if (p_.stuck) stick(c, u);
  return c;
}

void VariationSampler::program_at(const double* target, double* out, size_t n, double t_s,
                                  std::mt19937_64& rng) const {
  SplitMix64 e_d2d(rng()), e_c2c(rng()), e_nu(rng()), e_stuck(rng());
  const ZigguratNormal n01;
  for (size_t k = 0; k < n; ++k) {
    const double gt = target[k];
    ProgrammedCell c;
    double g = gt;
    if (p_.d2d) g += sigma_d2d_S(gt) * n01(e_d2d);
    if (p_.c2c) g *= 1.0 + p_.c2c_rel * n01(e_c2c);
    c.g_S = std::max(g, 0.0);
    if (p_.drift) c.nu = p_.drift_nu_mean + p_.drift_nu_sigma * n01(e_nu);
    if (p_.stuck) stick(c, static_cast<double>(e_stuck() >> 11) * 0x1.0p-53);
    out[k] = at_time(c, t_s);
  }
}

double VariationSampler::at_time(const ProgrammedCell& c, double t) const {
  if (!p_.drift || c.stuck != Stuck::none || t <= p_.drift_t0_s) return c.g_S;
  return c.g_S * std::pow(t / p_.drift_t0_s, -c.nu);
}

double VariationSampler::read(const ProgrammedCell& c, double t, std::mt19937_64& rng) const {
  std::normal_distribution<double> n01(0.0, 1.0);
  const double z = n01(rng);
  double g = at_time(c, t);
  if (p_.read_noise) g *= 1.0 + p_.read_rel * z;
  return std::max(g, 0.0);
}

}  // namespace cimchar::device
