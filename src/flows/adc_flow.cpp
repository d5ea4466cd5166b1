// The ADC stage (`cimchar adc`, [adc] in a flow): static characterization of flash and SAR ADCs
// (IEEE Std 1241-2010 ramp/histogram test) under comparator offset, capacitor mismatch and
// per-decision comparator noise. Every Monte Carlo sample draws from its own stream,
// stream_rng(seed, stream(arch, bits, i)); the behavioural twin (src/periph/adc_twin.hpp) runs
// all samples, and the first spice_samples of them also run in ngspice (netlists/adc.lib) with
// the same draws, on a ramp of spice_points_per_lsb points per LSB, twin and ngspice compared.
// Outputs per-sample metrics and the LUT the attention executor reads (docs/results-format.md).
// The ngspice runs use the worker pool directly rather than run_monte_carlo: each needs a whole
// vector (the code over the sweep or the transient), not the last value of one, and there are
// only spice_samples of them per design. Finished ngspice jobs are journaled (<out>/adc.journal,
// --resume); the twin part takes seconds and is rerun. Under MPI rank 0 runs the stage.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/rng.hpp"
#include "flows/adc_transistor_flash.hpp"
#include "flows/adc_transistor_sar.hpp"
#include "flows/stage_scope.hpp"
#include "flows/stages.hpp"
#include "lut/periph_records.hpp"
#include "spice/job_journal.hpp"
#include "periph/adc_metrics.hpp"
#include "periph/adc_netlist.hpp"
#include "periph/adc_sine.hpp"
#include "spice/pool.hpp"

namespace cimchar::flows {

namespace {

using periph::AdcArch;

struct AdcConfig {
  std::vector<AdcArch> archs;
  std::vector<int> bits;
  double vref = 1.0;
  periph::AdcVariation var;
  size_t samples = 200, spice_samples = 2;
  int points_per_lsb = 64, spice_points_per_lsb = 16;
  periph::AdcCircuit circuit;
  std::optional<TransistorFlashConfig> transistor_flash;  // [adc.transistor_flash]
  std::optional<TransistorSarConfig> transistor_sar;      // [adc.transistor_sar]
};

AdcConfig parse(Section& t) {
  AdcConfig c;
  for (const auto& a : t.get_strings("architectures", {"flash", "sar"})) {
    if (a == "flash") c.archs.push_back(AdcArch::flash);
    else if (a == "sar") c.archs.push_back(AdcArch::sar);
    else t.fail("architectures", "unknown architecture '" + a + "' (allowed: flash, sar)");
  }
  if (c.archs.empty()) t.fail("architectures", "the list is empty");
  for (size_t i = 1; i < c.archs.size(); ++i)
    if (std::find(c.archs.begin(), c.archs.begin() + static_cast<long>(i), c.archs[i]) !=
        c.archs.begin() + static_cast<long>(i))
      t.fail("architectures", "an architecture is listed twice");
  for (int64_t b : t.get_ints("bits", {3, 4, 6, 8}, 2, 8)) {
    if (std::find(c.bits.begin(), c.bits.end(), static_cast<int>(b)) != c.bits.end())
      t.fail("bits", "a resolution is listed twice");
    c.bits.push_back(static_cast<int>(b));
  }
  if (c.bits.empty()) t.fail("bits", "the list is empty");
  c.vref = t.get_double("vref", 1.0, "V", {1e-3, 100});
  c.var.sigma_offset_V = t.get_double("sigma_offset", 0.0, "V", {0, 10});
  c.var.sigma_cap_rel = t.get_double("sigma_cap", 0.0, "", {0, 0.5});
  c.var.sigma_noise_V = t.get_double("sigma_noise", 0.0, "V", {0, 10});
  c.samples = static_cast<size_t>(t.get_int("samples", 200, 1, 10000000));
  c.spice_samples = static_cast<size_t>(t.get_int("spice_samples", 2, 0, 10000));
  if (c.spice_samples > c.samples) t.fail("spice_samples", "larger than samples");
  c.points_per_lsb = static_cast<int>(t.get_int("points_per_lsb", 64, 4, 4096));
  c.spice_points_per_lsb = static_cast<int>(t.get_int("spice_points_per_lsb", 16, 4, 4096));
  Section k = t.sub("circuit");
  c.circuit.r_unit_ohm = k.get_double("r_unit", 1e3, "ohm", {1e-3, 1e9});
  c.circuit.unit_cap_F = k.get_double("unit_cap", 10e-15, "F", {1e-18, 1e-9});
  c.circuit.t_sample_s = k.get_double("t_sample", 10e-9, "s", {1e-12, 1e-3});
  c.circuit.t_bit_s = k.get_double("t_bit", 10e-9, "s", {1e-12, 1e-3});
  k.finish();
  c.transistor_flash = parse_transistor_flash(t);
  c.transistor_sar = parse_transistor_sar(t);
  t.finish();
  return c;
}

uint64_t stream(AdcArch a, int bits, size_t i) {
  return (static_cast<uint64_t>(a == AdcArch::sar) << 44) | (static_cast<uint64_t>(bits) << 36) | i;
}

struct Stats {
  double mean = 0, sigma = 0;
};
Stats stats(const std::vector<double>& x) {
  Stats s;
  if (x.empty()) return s;
  for (double v : x) s.mean += v;
  s.mean /= static_cast<double>(x.size());
  for (double v : x) s.sigma += (v - s.mean) * (v - s.mean);
  s.sigma = x.size() > 1 ? std::sqrt(s.sigma / static_cast<double>(x.size() - 1)) : 0.0;
  return s;
}

// Values in LSB (multiples of the group's code step `lsb_V`): dimensionless ("1", which units
// libraries parse), with the attribute relative_to = "LSB" saying what they are multiples of.
void write_lsb(H5Writer& out, const std::string& path, const std::vector<double>& v,
               const std::vector<size_t>& dims) {
  out.write(path, v, dims, "1");
  out.attr(path, "relative_to", std::string("LSB (the group's lsb_V)"));
}

// The coherent sine record of the dynamic test: M = 1024 samples (at least 4 per code up to 8
// bits), J = 127 cycles (odd, so coprime with M), amplitude 99% of half the full scale.
periph::SineRecord sine_record(const periph::AdcDesign& d) {
  return periph::coherent_sine(d, 1024, 127, 0.99);
}

// Per-sample metrics of one (architecture, bits) group, row-major [samples, ...].
struct Metrics {
  std::vector<double> transitions, terr, inl, dnl, inl_max, dnl_max, offset, gain, enob, qrms;
  std::vector<double> inl_bf, inl_bf_max;        // against the best-fit line
  std::vector<double> sinad, sfdr, enob_sine;    // coherent sine test (twin samples only)
  void add(const periph::AdcStatic& a, const periph::AdcDynamic* sine = nullptr) {
    inl_bf.insert(inl_bf.end(), a.inl_best_fit.begin(), a.inl_best_fit.end());
    inl_bf_max.push_back(a.inl_best_fit_max);
    if (sine) {
      sinad.push_back(sine->sinad_dB);
      sfdr.push_back(sine->sfdr_dB);
      enob_sine.push_back(sine->enob);
    }
    transitions.insert(transitions.end(), a.transitions_V.begin(), a.transitions_V.end());
    terr.insert(terr.end(), a.transition_error.begin(), a.transition_error.end());
    inl.insert(inl.end(), a.inl.begin(), a.inl.end());
    dnl.insert(dnl.end(), a.dnl.begin(), a.dnl.end());
    inl_max.push_back(a.inl_max);
    dnl_max.push_back(a.dnl_max);
    offset.push_back(a.offset);
    gain.push_back(a.gain_error);
    enob.push_back(a.enob);
    qrms.push_back(a.q_error_rms);
  }
  void write(H5Writer& out, const std::string& g, size_t rows, size_t nt) const {
    out.write(g + "/transitions", transitions, {rows, nt}, "V");
    write_lsb(out, g + "/transition_error", terr, {rows, nt});
    write_lsb(out, g + "/inl", inl, {rows, nt});
    write_lsb(out, g + "/dnl", dnl, {rows, nt - 1});
    write_lsb(out, g + "/inl_max", inl_max, {rows});
    write_lsb(out, g + "/dnl_max", dnl_max, {rows});
    write_lsb(out, g + "/offset", offset, {rows});
    out.write(g + "/gain_error", gain, {rows}, "");
    out.write(g + "/enob", enob, {rows}, "bit");
    out.attr(g + "/enob", "method", std::string("ramp (histogram): N - log2(rms quantization "
                                                "error / (Q_fit / sqrt 12)); enob_sine is IEEE 1241's"));
    out.attr(g + "/inl", "line", std::string("endpoint (through T[1] and T[last])"));
    write_lsb(out, g + "/inl_best_fit", inl_bf, {rows, nt});
    out.attr(g + "/inl_best_fit", "line", std::string("least squares through the transitions"));
    write_lsb(out, g + "/inl_best_fit_max", inl_bf_max, {rows});
    if (sinad.size() == rows) {
      out.write(g + "/sinad", sinad, {rows}, "dB");
      out.write(g + "/sfdr", sfdr, {rows}, "dB");
      out.write(g + "/enob_sine", enob_sine, {rows}, "bit");
      out.attr(g + "/enob_sine", "method", std::string(
          "coherent sine (IEEE 1241): four-parameter fit, log2(vref / (NAD sqrt 12))"));
    }
    write_lsb(out, g + "/q_error_rms", qrms, {rows});
  }
};

struct SpiceCase {
  size_t group = 0, sample = 0;
  periph::AdcSample draw;
};

std::vector<periph::AdcDesign> designs(const AdcConfig& c) {
  std::vector<periph::AdcDesign> groups;
  for (AdcArch a : c.archs)
    for (int b : c.bits) groups.push_back({a, b, c.vref});
  return groups;
}

// The ngspice benches of one sample: one job per span of its (coarser) ramp.
std::vector<spice::Job> bench_jobs(const AdcConfig& c, const periph::AdcDesign& d,
                                   const periph::AdcSample& draw, size_t sample,
                                   std::vector<std::pair<size_t, size_t>>& spans) {
  const auto ramp = periph::make_ramp(d, c.spice_points_per_lsb);
  spans = periph::bench_spans(d, ramp);
  std::vector<spice::Job> jobs;
  for (const auto& span : spans) {
    const auto b = periph::render_adc_bench(d, draw, ramp, c.circuit, span);
    spice::Job j;
    j.name = "adc/" + std::string(periph::to_string(d.arch)) + "/b" + std::to_string(d.bits) +
             "/" + std::to_string(sample) + "/" + std::to_string(span.first);
    j.netlist = b.netlist;
    j.commands = b.commands;
    j.vectors = b.vectors;
    jobs.push_back(std::move(j));
  }
  return jobs;
}

struct AdcResult {
  std::vector<periph::AdcDesign> groups;
  std::vector<Metrics> twin, sp, tw;  // [group]: twin Monte Carlo; ngspice and twin on its draws
  std::vector<std::vector<double>> maxdiff;
  std::vector<std::vector<int64_t>> differ, failed;
  std::vector<std::vector<std::string>> messages;
  double twin_s = 0, spice_s = 0;
};

// The twin's Monte Carlo of every group; the first spice_samples draws of each are kept for ngspice.
std::vector<SpiceCase> twin_mc(const AdcConfig& c, uint64_t seed, AdcResult& o) {
  std::vector<SpiceCase> cases;
  o.twin.resize(o.groups.size());
  for (size_t g = 0; g < o.groups.size(); ++g) {
    const auto& d = o.groups[g];
    const auto ramp = periph::make_ramp(d, c.points_per_lsb);
    const auto sine = sine_record(d);
    for (size_t i = 0; i < c.samples; ++i) {
      auto rng = stream_rng(seed, stream(d.arch, d.bits, i));
      const auto s = periph::draw_sample(d, c.var, rng);
      const auto dyn = periph::analyze_sine(d, sine, periph::convert_sine(d, s, sine));
      o.twin[g].add(periph::analyze(d, periph::convert_ramp(d, s, ramp), ramp), &dyn);
      if (i < c.spice_samples) cases.push_back({g, i, s});
    }
  }
  return cases;
}

periph::AdcStatic all_nan(periph::AdcStatic a) {
  for (auto* v : {&a.transitions_V, &a.transition_error, &a.inl, &a.dnl, &a.inl_best_fit})
    for (auto& x : *v) x = std::nan("");
  for (double* x : {&a.inl_max, &a.dnl_max, &a.offset, &a.gain_error, &a.enob, &a.q_error_rms,
                    &a.inl_best_fit_max})
    *x = std::nan("");
  return a;
}

// One ngspice case against the twin on the same draw; results[first..] are its spans' jobs.
void tally_case(const AdcConfig& c, const SpiceCase& k, const std::vector<spice::Job>& jobs,
                const std::vector<spice::JobResult>& results, size_t first,
                const std::vector<std::pair<size_t, size_t>>& spans, AdcResult& o) {
  const auto& d = o.groups[k.group];
  const auto ramp = periph::make_ramp(d, c.spice_points_per_lsb);
  const auto ct = periph::convert_ramp(d, k.draw, ramp);
  const auto at = periph::analyze(d, ct, ramp);
  std::vector<int> cs;
  std::string msg;
  for (size_t s = 0; s < spans.size() && msg.empty(); ++s) {
    try {
      results[first + s].throw_if_failed(jobs[first + s].name);
      const auto part =
          periph::codes_from_vectors(d, ramp, c.circuit, spans[s], results[first + s].vectors);
      cs.insert(cs.end(), part.begin(), part.end());
    } catch (const SpiceError& e) {
      msg = e.what();
    }
  }
  const size_t g = k.group;
  o.tw[g].add(at);
  o.failed[g].push_back(msg.empty() ? 0 : 1);
  o.messages[g].push_back(msg);
  if (!msg.empty()) {
    o.sp[g].add(all_nan(at));
    o.maxdiff[g].push_back(std::nan(""));
    o.differ[g].push_back(-1);
    return;
  }
  const auto as = periph::analyze(d, cs, ramp);
  o.sp[g].add(as);
  double m = 0;
  for (size_t t = 0; t < d.transitions(); ++t)
    m = std::max(m, std::abs(as.transitions_V[t] - at.transitions_V[t]) / d.lsb_V());
  o.maxdiff[g].push_back(m);
  int64_t n = 0;
  for (size_t p = 0; p < ct.size(); ++p) n += ct[p] != cs[p];
  o.differ[g].push_back(n);
}

AdcResult compute(const AdcConfig& c, StageScope& scope) {
  using clock = std::chrono::steady_clock;
  AdcResult o;
  o.groups = designs(c);
  const size_t G = o.groups.size();
  const auto t0 = clock::now();
  const auto cases = twin_mc(c, scope.ctx().seed, o);
  o.twin_s = std::chrono::duration<double>(clock::now() - t0).count();
  // The first spice_samples samples of every group in ngspice, same draws, coarser ramp.
  const auto t1 = clock::now();
  std::vector<spice::Job> jobs;
  std::vector<std::vector<std::pair<size_t, size_t>>> spans(cases.size());
  for (size_t ci = 0; ci < cases.size(); ++ci)
    for (auto& j : bench_jobs(c, o.groups[cases[ci].group], cases[ci].draw, cases[ci].sample,
                              spans[ci]))
      jobs.push_back(std::move(j));
  std::vector<spice::JobResult> results;
  if (!jobs.empty()) {  // finished ngspice jobs are journaled, so a killed run resumes
    spice::JobJournal journal(scope.journal(), scope.ctx().resume, scope.run_id());
    results = spice::run_journaled(scope.pool(), jobs, journal);
    scope.report_resumed(journal);
  }
  o.spice_s = std::chrono::duration<double>(clock::now() - t1).count();
  o.sp.resize(G);
  o.tw.resize(G);
  o.maxdiff.resize(G);
  o.differ.resize(G);
  o.failed.resize(G);
  o.messages.resize(G);
  for (size_t ci = 0, first = 0; ci < cases.size(); first += spans[ci].size(), ++ci)
    tally_case(c, cases[ci], jobs, results, first, spans[ci], o);
  return o;
}

void print(const AdcConfig& c, const AdcResult& o, const Sink& out) {
  out.print("adc: %zu samples per design (twin, %.2f s), %zu in ngspice (%.2f s); vref %.3g V, "
            "sigma offset %.3g V, cap %.3g, noise %.3g V\n",
            c.samples, o.twin_s, c.spice_samples, o.spice_s, c.vref, c.var.sigma_offset_V,
            c.var.sigma_cap_rel, c.var.sigma_noise_V);
  out.print("  arch   bits  INLmax mean/sigma  DNLmax mean/sigma   ENOB ramp/sine  SINAD dB  "
            "offset mean  twin-vs-spice max |dT| (LSB)\n");
  for (size_t g = 0; g < o.groups.size(); ++g) {
    const auto im = stats(o.twin[g].inl_max), dm = stats(o.twin[g].dnl_max),
               en = stats(o.twin[g].enob), of = stats(o.twin[g].offset),
               es = stats(o.twin[g].enob_sine), sd = stats(o.twin[g].sinad);
    double md = 0;
    for (double v : o.maxdiff[g]) md = std::isfinite(v) ? std::max(md, v) : md;
    char diff[32] = "-";
    if (!o.maxdiff[g].empty()) std::snprintf(diff, sizeof diff, "%.3g", md);
    out.print("  %-6s %4d  %7.3f %7.3f    %7.3f %7.3f   %6.3f %6.3f  %8.2f  %10.3f   %s\n",
              periph::to_string(o.groups[g].arch), o.groups[g].bits, im.mean, im.sigma, dm.mean,
              dm.sigma, en.mean, es.mean, sd.mean, of.mean, diff);
  }
}

void write_settings(const AdcConfig& c, const AdcResult& o, H5Writer& out) {
  out.attr("/adc", "vref_V", c.vref);
  out.attr("/adc", "sigma_offset_V", c.var.sigma_offset_V);
  out.attr("/adc", "sigma_cap_rel", c.var.sigma_cap_rel);
  out.attr("/adc", "sigma_noise_V", c.var.sigma_noise_V);
  out.attr("/adc", "samples", static_cast<int64_t>(c.samples));
  out.attr("/adc", "points_per_lsb", static_cast<int64_t>(c.points_per_lsb));
  out.attr("/adc", "spice_points_per_lsb", static_cast<int64_t>(c.spice_points_per_lsb));
  out.attr("/adc", "twin_wall_s", o.twin_s);
  out.attr("/adc", "spice_wall_s", o.spice_s);
  out.attr("/adc", "r_unit_ohm", c.circuit.r_unit_ohm);
  out.attr("/adc", "unit_cap_F", c.circuit.unit_cap_F);
  out.attr("/adc", "t_sample_s", c.circuit.t_sample_s);
  out.attr("/adc", "t_bit_s", c.circuit.t_bit_s);
}

// The LUT of one group: transition-error statistics over the twin's Monte Carlo samples.
void write_group_lut(const AdcConfig& c, const periph::AdcDesign& d, const Metrics& twin,
                     H5Writer& out) {
  const size_t nt = d.transitions(), S = c.samples;
  lut::AdcErrorLut l;
  l.transition.resize(nt);
  l.transition_error_mean.resize(nt);
  l.transition_error_sigma.resize(nt);
  for (size_t t = 0; t < nt; ++t) {
    std::vector<double> col(S);
    for (size_t i = 0; i < S; ++i) col[i] = twin.terr[i * nt + t];
    const auto st = stats(col);
    l.transition_error_mean[t] = st.mean;
    l.transition_error_sigma[t] = st.sigma;
    l.transition[t] = static_cast<double>(t + 1);
  }
  for (auto [v, mean, sigma] :
       {std::tuple{&twin.inl_max, &l.inl_max_mean, &l.inl_max_sigma},
        {&twin.dnl_max, &l.dnl_max_mean, &l.dnl_max_sigma},
        {&twin.enob, &l.enob_mean, &l.enob_sigma},
        {&twin.enob_sine, &l.enob_sine_mean, &l.enob_sine_sigma},
        {&twin.sinad, &l.sinad_mean, &l.sinad_sigma},
        {&twin.sfdr, &l.sfdr_mean, &l.sfdr_sigma},
        {&twin.offset, &l.offset_mean, &l.offset_sigma},
        {&twin.gain, &l.gain_error_mean, &l.gain_error_sigma}}) {
    const auto st = stats(*v);
    *mean = st.mean;
    *sigma = st.sigma;
  }
  l.definition = "transition_error = (T[k] - k Q)/Q, Q = vref/2^N, T[k] the level of the "
                 "code k-1 -> k transition; statistics over the Monte Carlo samples";
  l.lsb_V = d.lsb_V();
  lut::write(out, l, lut::AdcErrorLut::group(periph::to_string(d.arch), d.bits));
}

void write_groups(const AdcConfig& c, const AdcResult& o, H5Writer& out) {
  for (size_t g = 0; g < o.groups.size(); ++g) {
    const auto& d = o.groups[g];
    const size_t nt = d.transitions(), K = o.tw[g].inl_max.size();
    const std::string name = std::string(periph::to_string(d.arch)) + "/b" + std::to_string(d.bits);
    const std::string mc = "/adc/" + name;
    o.twin[g].write(out, mc, c.samples, nt);
    out.attr(mc, "bits", static_cast<int64_t>(d.bits));
    out.attr(mc, "lsb_V", d.lsb_V());
    if (K) {
      o.sp[g].write(out, mc + "/spice", K, nt);
      o.tw[g].write(out, mc + "/spice/twin", K, nt);
      write_lsb(out, mc + "/spice/max_abs_transition_diff", o.maxdiff[g], {K});
      out.write_int(mc + "/spice/codes_differ", o.differ[g], {K}, "");
      out.write_int(mc + "/spice/failed", o.failed[g], {K}, "");
      out.write_strings(mc + "/spice/messages", o.messages[g]);
    }
    write_group_lut(c, d, o.twin[g], out);
  }
}

std::filesystem::path run(const AdcConfig& c, const RunContext& ctx) {
  StageScope scope("adc", ctx);
  const AdcResult o = compute(c, scope);
  print(c, o, scope.out());
  std::optional<TransistorFlashResult> tf;
  if (c.transistor_flash) {
    tf = run_transistor_flash(*c.transistor_flash, scope);
    print_transistor_flash(*c.transistor_flash, *tf, scope.out());
  }
  std::optional<TransistorSarResult> ts;
  if (c.transistor_sar) {
    ts = run_transistor_sar(*c.transistor_sar, scope);
    print_transistor_sar(*c.transistor_sar, *ts, scope.out());
  }
  return scope.write([&](H5Writer& out) {
    write_settings(c, o, out);
    write_groups(c, o, out);
    if (tf) write_transistor_flash(*c.transistor_flash, *tf, out);
    if (ts) write_transistor_sar(*c.transistor_sar, *ts, out);
  });
}

// Per architecture (each is a distinct netlist), the first span of the smallest resolution's
// bench with no variation, before the sweep. Nothing to probe when no sample runs in ngspice.
std::vector<Probe> adc_probes(const AdcConfig& c) {
  std::vector<Probe> probes;
  if (c.spice_samples == 0) return probes;
  const int bits = *std::min_element(c.bits.begin(), c.bits.end());
  for (AdcArch a : c.archs) {
    const periph::AdcDesign d{a, bits, c.vref};
    std::mt19937_64 rng(0);
    const auto nominal = periph::draw_sample(d, periph::AdcVariation{}, rng);
    std::vector<std::pair<size_t, size_t>> spans;
    Probe p;
    p.file = find_netlist("adc.lib").string();
    p.job = bench_jobs(c, d, nominal, 0, spans).front();
    p.job.name = "adc/probe/" + std::string(periph::to_string(a));
    probes.push_back(std::move(p));
  }
  return probes;
}

}  // namespace

PreparedStage prepare_adc_stage(Section& table, const RunContext&) {
  auto cfg = std::make_shared<AdcConfig>(parse(table));
  return {[cfg](const RunContext& ctx) { return run(*cfg, ctx); }, adc_probes(*cfg)};
}

}  // namespace cimchar::flows
