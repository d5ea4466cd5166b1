// Statistical nonidealities of a programmed RRAM conductance, each switchable on its own.
// Models (forms from the literature; values are the card's or the flow's, SI units):
//  - device-to-device programming error after write-verify: G = G_t + N(0, sigma_G(G_t)),
//    sigma_G = c0 + c1 G_t + c2 G_t^2 (a polynomial fit of measured spread vs target, the form
//    used for the NeuRRAM chip data in Wan et al., Nature 608:504, 2022, Extended Data Fig. 3);
//  - cycle-to-cycle programming variation: a further relative Gaussian factor per programming;
//  - read noise: relative Gaussian per read;
//  - retention drift: G(t) = G0 (t/t0)^(-nu), nu ~ N(nu_mean, nu_sigma) per device
//    (power-law relaxation, e.g. Ielmini et al., IEEE TED 54(2):308, 2007);
//  - stuck-at faults: with probability p_on the cell reads g_stuck_on, with p_off g_stuck_off.
// Conductances never go below zero (a draw below zero is clamped to 0).
#pragma once

#include <filesystem>
#include <map>
#include <random>
#include <string>

namespace cimchar {
class Section;
}

namespace cimchar::device {

struct VariationParams {
  bool d2d = false;
  double d2d_c0_S = 0, d2d_c1 = 0, d2d_c2_per_S = 0;
  bool c2c = false;
  double c2c_rel = 0;
  bool read_noise = false;
  double read_rel = 0;
  bool drift = false;
  double drift_t0_s = 1, drift_nu_mean = 0, drift_nu_sigma = 0;
  bool stuck = false;
  double p_stuck_on = 0, p_stuck_off = 0, g_stuck_on_S = 0, g_stuck_off_S = 0;

  // Reads a flow's [variation.model] table (keys in docs/flows.md); unknown keys and
  // out-of-range values are ConfigErrors. Missing keys keep the current values.
  void read(Section& t);
  // Reads a device card's [variation] table (devices/README.md): per effect its values and a
  // `source`, no `enabled` (the flow switches effects on). A card without the table changes
  // nothing. Errors (sigma < 0, a rate outside [0, 1], an unknown key, a missing source)
  // are ConfigErrors naming the card file and key. Call it before read() of the flow's
  // table, so that the flow's values override the card's.
  void read_card(const std::filesystem::path& card);
  std::map<std::string, std::string> sources;  // effect (d2d, c2c, ...) -> the card's source
  bool any() const { return d2d || c2c || read_noise || drift || stuck; }
};

enum class Stuck { none, on, off };

struct ProgrammedCell {
  double g_S = 0;   // conductance right after programming
  double nu = 0;    // this device's drift exponent
  Stuck stuck = Stuck::none;
};

class VariationSampler {
 public:
  explicit VariationSampler(VariationParams p) : p_(p) {}
  // One programming of a cell to g_target (d2d, c2c, stuck-at, drift exponent drawn).
  ProgrammedCell program(double g_target_S, std::mt19937_64& rng) const;
  // Conductance at time t after programming (drift), without read noise.
  double at_time(const ProgrammedCell& c, double t_s) const;
  // Programs n cells to g_target_S[k] and writes their conductance at time t (drift applied,
  // no read noise) to g_S[k]: the batch form of at_time(program(g)), for whole arrays. Each
  // effect draws from its own stream (SplitMix64, ziggurat normals; core/rng.hpp,
  // core/normal.hpp) seeded from four words of rng taken whether the effect is on or not, so
  // switching one effect on does not change the draws of the others, and an effect that is
  // off draws nothing. g_S may alias g_target_S.
  void program_at(const double* g_target_S, double* g_S, size_t n, double t_s,
                  std::mt19937_64& rng) const;
  // One read of the cell at time t (drift, then read noise).
  double read(const ProgrammedCell& c, double t_s, std::mt19937_64& rng) const;
  double sigma_d2d_S(double g_target_S) const;
  const VariationParams& params() const { return p_; }

 private:
  // Stuck-at fault of a cell, given a uniform draw u in [0, 1).
  void stick(ProgrammedCell& c, double u) const;
  VariationParams p_;
};

}  // namespace cimchar::device
