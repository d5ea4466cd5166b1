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
#include <string_view>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/provenance.hpp"
#include "core/rng.hpp"
#include "core/ranks.hpp"
#include "flows/monte_carlo.hpp"
#include "flows/stages.hpp"
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
constexpr const char* kLsb = "LSB";
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

std::filesystem::path run(const AdcConfig& c, const RunContext& ctx) {
  using clock = std::chrono::steady_clock;
  std::vector<periph::AdcDesign> groups;
  for (AdcArch a : c.archs)
    for (int b : c.bits) groups.push_back({a, b, c.vref});

  // Twin Monte Carlo.
  const auto t0 = clock::now();
  std::vector<Metrics> twin(groups.size());
  std::vector<SpiceCase> cases;
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& d = groups[g];
    const auto ramp = periph::make_ramp(d, c.points_per_lsb);
    const auto sine = sine_record(d);
    for (size_t i = 0; i < c.samples; ++i) {
      auto rng = stream_rng(ctx.seed, stream(d.arch, d.bits, i));
      const auto s = periph::draw_sample(d, c.var, rng);
      const auto dyn = periph::analyze_sine(d, sine, periph::convert_sine(d, s, sine));
      twin[g].add(periph::analyze(d, periph::convert_ramp(d, s, ramp), ramp), &dyn);
      if (i < c.spice_samples) cases.push_back({g, i, s});
    }
  }
  const double twin_s = std::chrono::duration<double>(clock::now() - t0).count();

  // The first spice_samples samples of every group in ngspice, same draws, coarser ramp.
  const auto t1 = clock::now();
  std::vector<spice::Job> jobs;
  std::vector<std::vector<std::pair<size_t, size_t>>> spans(cases.size());
  for (size_t ci = 0; ci < cases.size(); ++ci) {
    const auto& k = cases[ci];
    const auto& d = groups[k.group];
    const auto ramp = periph::make_ramp(d, c.spice_points_per_lsb);
    spans[ci] = periph::bench_spans(d, ramp);
    for (const auto& span : spans[ci]) {
      const auto b = periph::render_adc_bench(d, k.draw, ramp, c.circuit, span);
      spice::Job j;
      j.name = "adc/" + std::string(periph::to_string(d.arch)) + "/b" + std::to_string(d.bits) +
               "/" + std::to_string(k.sample) + "/" + std::to_string(span.first);
      j.netlist = b.netlist;
      j.commands = b.commands;
      j.vectors = b.vectors;
      jobs.push_back(std::move(j));
    }
  }
  spice::NgspiceInfo info;
  std::vector<spice::JobResult> results;
  if (!jobs.empty()) {
    spice::PoolOptions po;
    po.workers = ctx.jobs;
    po.library = ctx.ngspice_library;
    po.progress = ctx.progress;
    po.progress_label = "adc";
    spice::WorkerPool pool(po);
    info = pool.info();
    // Finished ngspice jobs are journaled, so a killed run resumes with --resume.
    std::error_code mk;
    std::filesystem::create_directories(ctx.out_dir, mk);
    spice::JobJournal journal(ctx.out_dir / "adc.journal", ctx.resume);
    results = spice::run_journaled(pool, jobs, journal);
    if (ctx.resume)
      std::fprintf(stderr, "adc: resumed, %zu ngspice jobs taken from %s, %zu run\n",
                   journal.reused, journal.path().c_str(), journal.computed);
  }
  const double spice_s = std::chrono::duration<double>(clock::now() - t1).count();

  std::vector<Metrics> sp(groups.size()), tw(groups.size());
  std::vector<std::vector<double>> maxdiff(groups.size());
  std::vector<std::vector<int64_t>> differ(groups.size()), failed(groups.size());
  std::vector<std::vector<std::string>> messages(groups.size());
  size_t next_job = 0;
  for (size_t j = 0; j < cases.size(); ++j) {
    const auto& k = cases[j];
    const auto& d = groups[k.group];
    const auto ramp = periph::make_ramp(d, c.spice_points_per_lsb);
    const auto ct = periph::convert_ramp(d, k.draw, ramp);
    const auto at = periph::analyze(d, ct, ramp);
    std::vector<int> cs;
    std::string msg;
    for (const auto& span : spans[j]) {
      const auto& res = results[next_job];
      const auto& job = jobs[next_job++];
      if (!msg.empty()) continue;
      try {
        res.throw_if_failed(job.name);
        const auto part = periph::codes_from_vectors(d, ramp, c.circuit, span, res.vectors);
        cs.insert(cs.end(), part.begin(), part.end());
      } catch (const SpiceError& e) {
        msg = e.what();
      }
    }
    tw[k.group].add(at);
    failed[k.group].push_back(msg.empty() ? 0 : 1);
    messages[k.group].push_back(msg);
    if (!msg.empty()) {
      periph::AdcStatic nan = at;
      for (auto* v : {&nan.transitions_V, &nan.transition_error, &nan.inl, &nan.dnl})
        for (auto& x : *v) x = std::nan("");
      for (double* x : {&nan.inl_max, &nan.dnl_max, &nan.offset, &nan.gain_error, &nan.enob,
                        &nan.q_error_rms})
        *x = std::nan("");
      sp[k.group].add(nan);
      maxdiff[k.group].push_back(std::nan(""));
      differ[k.group].push_back(-1);
      continue;
    }
    const auto as = periph::analyze(d, cs, ramp);
    sp[k.group].add(as);
    double m = 0;
    for (size_t t = 0; t < d.transitions(); ++t)
      m = std::max(m, std::abs(as.transitions_V[t] - at.transitions_V[t]) / d.lsb_V());
    maxdiff[k.group].push_back(m);
    int64_t n = 0;
    for (size_t p = 0; p < ct.size(); ++p) n += ct[p] != cs[p];
    differ[k.group].push_back(n);
  }

  std::printf("adc: %zu samples per design (twin, %.2f s), %zu in ngspice (%.2f s); vref %.3g V, "
              "sigma offset %.3g V, cap %.3g, noise %.3g V\n",
              c.samples, twin_s, c.spice_samples, spice_s, c.vref, c.var.sigma_offset_V,
              c.var.sigma_cap_rel, c.var.sigma_noise_V);
  std::printf("  arch   bits  INLmax mean/sigma  DNLmax mean/sigma   ENOB ramp/sine  SINAD dB  "
              "offset mean  twin-vs-spice max |dT| (LSB)\n");
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto im = stats(twin[g].inl_max), dm = stats(twin[g].dnl_max), en = stats(twin[g].enob),
               of = stats(twin[g].offset), es = stats(twin[g].enob_sine), sd = stats(twin[g].sinad);
    double md = 0;
    for (double v : maxdiff[g]) md = std::isfinite(v) ? std::max(md, v) : md;
    char diff[32] = "-";
    if (!maxdiff[g].empty()) std::snprintf(diff, sizeof diff, "%.3g", md);
    std::printf("  %-6s %4d  %7.3f %7.3f    %7.3f %7.3f   %6.3f %6.3f  %8.2f  %10.3f   %s\n",
                periph::to_string(groups[g].arch), groups[g].bits, im.mean, im.sigma, dm.mean,
                dm.sigma, en.mean, es.mean, sd.mean, of.mean, diff);
  }

  std::error_code ec;
  std::filesystem::create_directories(ctx.out_dir, ec);
  auto path = ctx.out_dir / "adc.h5";
  if (!ranks().root()) {  // under mpirun rank 0 writes the file
    std::filesystem::remove(rank_journal(ctx.out_dir / "adc.journal"), ec);
    return path;
  }
  H5Writer out(path);
  write_provenance(out, {ctx.config_text, ctx.seed, info.version});
  out.attr("/adc", "vref_V", c.vref);
  out.attr("/adc", "sigma_offset_V", c.var.sigma_offset_V);
  out.attr("/adc", "sigma_cap_rel", c.var.sigma_cap_rel);
  out.attr("/adc", "sigma_noise_V", c.var.sigma_noise_V);
  out.attr("/adc", "samples", static_cast<int64_t>(c.samples));
  out.attr("/adc", "points_per_lsb", static_cast<int64_t>(c.points_per_lsb));
  out.attr("/adc", "spice_points_per_lsb", static_cast<int64_t>(c.spice_points_per_lsb));
  out.attr("/adc", "twin_wall_s", twin_s);
  out.attr("/adc", "spice_wall_s", spice_s);
  out.attr("/adc", "r_unit_ohm", c.circuit.r_unit_ohm);
  out.attr("/adc", "unit_cap_F", c.circuit.unit_cap_F);
  out.attr("/adc", "t_sample_s", c.circuit.t_sample_s);
  out.attr("/adc", "t_bit_s", c.circuit.t_bit_s);
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& d = groups[g];
    const size_t nt = d.transitions(), S = c.samples, K = tw[g].inl_max.size();
    const std::string name = std::string(periph::to_string(d.arch)) + "/b" + std::to_string(d.bits);
    const std::string mc = "/adc/" + name;
    twin[g].write(out, mc, S, nt);
    out.attr(mc, "bits", static_cast<int64_t>(d.bits));
    out.attr(mc, "lsb_V", d.lsb_V());
    if (K) {
      sp[g].write(out, mc + "/spice", K, nt);
      tw[g].write(out, mc + "/spice/twin", K, nt);
      write_lsb(out, mc + "/spice/max_abs_transition_diff", maxdiff[g], {K});
      out.write_int(mc + "/spice/codes_differ", differ[g], {K}, "");
      out.write_int(mc + "/spice/failed", failed[g], {K}, "");
      out.write_strings(mc + "/spice/messages", messages[g]);
    }
    const std::string lut = "/lut/adc/" + name;
    std::vector<double> tm(nt), ts(nt);
    for (size_t t = 0; t < nt; ++t) {
      std::vector<double> col(S);
      for (size_t i = 0; i < S; ++i) col[i] = twin[g].terr[i * nt + t];
      const auto st = stats(col);
      tm[t] = st.mean;
      ts[t] = st.sigma;
    }
    std::vector<double> k(nt);
    for (size_t t = 0; t < nt; ++t) k[t] = static_cast<double>(t + 1);
    out.write(lut + "/transition", k, {nt}, "");
    write_lsb(out, lut + "/transition_error_mean", tm, {nt});
    write_lsb(out, lut + "/transition_error_sigma", ts, {nt});
    for (auto [key, v, unit] : {std::tuple{"inl_max", &twin[g].inl_max, kLsb},
                                {"dnl_max", &twin[g].dnl_max, kLsb},
                                {"enob", &twin[g].enob, "bit"},
                                {"enob_sine", &twin[g].enob_sine, "bit"},
                                {"sinad", &twin[g].sinad, "dB"},
                                {"sfdr", &twin[g].sfdr, "dB"},
                                {"offset", &twin[g].offset, kLsb},
                                {"gain_error", &twin[g].gain, ""}}) {
      const auto st = stats(*v);
      for (const auto& [suffix, x] : {std::pair{"_mean", st.mean}, {"_sigma", st.sigma}}) {
        if (std::string_view(unit) == kLsb) write_lsb(out, lut + "/" + key + suffix, {x}, {1});
        else out.write(lut + "/" + key + suffix, {x}, {1}, unit);
      }
    }
    out.attr(lut, "axes", std::string("transition"));
    out.attr(lut, "definition",
             std::string("transition_error = (T[k] - k Q)/Q, Q = vref/2^N, T[k] the level of the "
                         "code k-1 -> k transition; statistics over the Monte Carlo samples"));
    out.attr(lut, "lsb_V", d.lsb_V());
  }
  out.commit();
  {
    std::error_code rm;
    std::filesystem::remove(rank_journal(ctx.out_dir / "adc.journal"), rm);
  }
  return path;
}

}  // namespace

PreparedStage prepare_adc_stage(Section& table, const RunContext&) {
  auto cfg = std::make_shared<AdcConfig>(parse(table));
  return [cfg](const RunContext& ctx) { return run(*cfg, ctx); };
}

}  // namespace cimchar::flows
