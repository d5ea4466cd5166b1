// The schemes stage (`cimchar schemes`, [schemes] in a flow): the shipped (or named) models run
// under every accelerator scheme, with the nonidealities this run characterized wired in from
// its own LUTs (variation.h5 -> programmed conductances of every crossbar, adc.h5 -> their 8-bit
// column ADCs, threshold.h5 -> the sprint comparator, wta.h5 -> the hardsea k-WTA). One attention_<scheme>_<model>.h5 per pair (docs/results-format.md,
// attention.h5) and a summary, schemes.h5.
#include <cstdio>
#include <filesystem>

#include "attention/attention_run.hpp"
#include "attention/model.hpp"
#include "attention/scheme.hpp"
#include "core/data_dir.hpp"
#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/provenance.hpp"
#include "flows/stage_scope.hpp"
#include "flows/stages.hpp"
#include "lut/periph_records.hpp"
#include "ppa/architecture.hpp"
#include "ppa/ppa_run.hpp"
#include "ppa/tech_card.hpp"

namespace cimchar::flows {

namespace {

struct SchemesConfig {
  std::vector<std::filesystem::path> models;
  std::vector<std::string> schemes;
  bool use_luts = true;
  std::string ir_drop = "off";
  double r_wire = 1.0;
  std::string adc_arch = "sar";
  double wta_capacitance = 100e-15;
  int sequences = 0;
  int calibration_sequences = 0;  // the ADC range pass's sequences (0: the scheme's default, 32)
  std::filesystem::path tech, gpu, arch;  // PPA roll-up of the crossbar runs ("" = none)
};

std::filesystem::path find_model(Section& t, const std::string& p) {
  std::error_code ec;
  const auto found = find_data_file(p);
  if (std::filesystem::is_regular_file(found, ec)) return found;
  t.fail("models", "no model file '" + p + "' (neither here nor under " + data_dir().string() + ")");
}

SchemesConfig parse(Section& t) {
  SchemesConfig c;
  for (const auto& m : t.get_strings("models", {})) {
    c.models.push_back(find_model(t, m));
    attention::load_model_file(c.models.back());  // a bad model fails before any stage runs
  }
  if (c.models.empty()) t.fail("models", "name at least one model file (docs/model-format.md)");
  std::vector<std::string> all;
  for (const auto& s : attention::schemes()) all.push_back(s.name);
  c.schemes = t.get_strings("schemes", all);
  for (const auto& s : c.schemes) {
    bool known = false;
    for (const auto& a : all) known = known || a == s;
    if (!known) t.fail("schemes", "unknown scheme '" + s + "'");
  }
  c.use_luts = t.get_bool("use_luts", true);
  c.ir_drop = t.get_choice("ir_drop", "off", {"off", "exact", "model"});
  c.r_wire = t.get_double("r_wire", 1.0, "ohm", {0, 1e4});
  c.adc_arch = t.get_choice("adc_arch", "sar", {"sar", "flash"});
  c.wta_capacitance = t.get_double("wta_capacitance", 100e-15, "F", {1e-18, 1e-6});
  c.sequences = static_cast<int>(t.get_int("sequences", 0, 0, 1 << 30));
  c.calibration_sequences = static_cast<int>(t.get_int("calibration_sequences", 0, 0, 1 << 20));
  if (t.get_bool("ppa", true)) {
    auto card = [&](const std::string& key, const std::string& def) {
      const std::string p = t.get_string(key, def);
      std::error_code ec;
      const auto found = find_data_file(p);
      if (std::filesystem::is_regular_file(found, ec)) return found;
      t.fail(key, "no card file '" + p + "'");
    };
    c.tech = card("tech", "characterization/tech/32nm.toml");
    c.gpu = card("gpu", "characterization/tech/gpu_a100.toml");
    c.arch = card("arch", "characterization/tech/arch_isaac_like.toml");
    ppa::load_tech_card(c.tech);  // a bad card fails before anything runs
    ppa::load_arch_card(c.arch);
    ppa::load_gpu_card(c.gpu);
  }
  t.finish();
  return c;
}

std::string toml_number(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%.17g", x);
  return b;
}

// The [attention] config of one scheme: the preset's defaults plus this run's LUTs.
std::string scheme_config(const SchemesConfig& c, const std::string& scheme, const RunContext& ctx) {
  std::string s = "[attention]\nscheme = \"" + scheme + "\"\n";
  if (scheme == "ideal") return s;
  if (c.calibration_sequences > 0) s += "calibration_sequences = " + std::to_string(c.calibration_sequences) + "\n";
  std::error_code ec;
  const auto thr = ctx.out_dir / "threshold.h5", var = ctx.out_dir / "variation.h5";
  const auto adc = ctx.out_dir / "adc.h5", wta = ctx.out_dir / "wta.h5";
  if (scheme == "sprint" && c.use_luts && std::filesystem::is_regular_file(thr, ec))
    s += "comparator_lut = \"" + thr.string() + "\"\n";
  if (scheme == "hardsea" && c.use_luts && std::filesystem::is_regular_file(wta, ec))
    s += "wta_lut = \"" + wta.string() + "\"\nwta_capacitance = " + toml_number(c.wta_capacitance) + "\n";
  std::string nonideal;
  if (c.use_luts && std::filesystem::is_regular_file(var, ec))
    nonideal += "variation = \"" + var.string() + "\"\n";
  // The main crossbars' 8-bit column ADCs (the presets' adc_bits), when this run has them.
  if (c.use_luts && std::filesystem::is_regular_file(adc, ec) &&
      H5Reader(adc).has(lut::AdcErrorLut::group(c.adc_arch, 8)))
    nonideal += "adc = \"" + adc.string() + "\"\nadc_arch = \"" + c.adc_arch + "\"\n";
  if (c.ir_drop != "off")
    nonideal += "ir_drop = \"" + c.ir_drop + "\"\nr_wire = " + toml_number(c.r_wire) + "\n";
  if (!nonideal.empty()) s += "[attention.crossbar.nonideal]\n" + nonideal;
  return s;
}

struct SchemesResult {
  std::vector<std::string> names, model_names, descriptions;
  std::vector<double> acc, acc_fp32, rel_l2, cosine, recall, sparsity, acc_ci;
  std::vector<int64_t> acc_n;
};

std::filesystem::path attention_file(const RunContext& ctx, const std::string& scheme,
                                     const std::string& model_stem) {
  return ctx.out_dir / ("attention_" + scheme + "_" + model_stem + ".h5");
}

// One attention run (it writes its own file), its summary appended to `o` and printed.
void run_one(const SchemesConfig& c, const std::filesystem::path& m, const std::string& sc,
             const StageScope& scope, SchemesResult& o) {
  const RunContext& ctx = scope.ctx();
  attention::RunRequest req;
  req.model_file = m;
  req.out_file = attention_file(ctx, sc, m.stem().string());
  req.config_text = scheme_config(c, sc, ctx);
  req.seed = ctx.seed;
  req.progress = ctx.progress;
  req.max_sequences = c.sequences;
  const auto s = attention::run_attention(req);
  o.names.push_back(sc);
  o.model_names.push_back(m.stem().string());
  o.descriptions.push_back(s.description);
  const double nan = std::nan("");
  o.acc.push_back(s.accuracy.value_or(nan));
  o.acc_fp32.push_back(s.accuracy_fp32_recorded.value_or(nan));
  o.acc_ci.push_back(s.accuracy ? s.accuracy_ci.lo : nan);
  o.acc_ci.push_back(s.accuracy ? s.accuracy_ci.hi : nan);
  o.acc_n.push_back(s.accuracy_n);
  o.rel_l2.push_back(s.metrics.model.rel_l2);
  o.cosine.push_back(s.metrics.model.cosine);
  o.recall.push_back(s.metrics.model.topk_recall);
  o.sparsity.push_back(s.metrics.model.sparsity);
  char ci[40];
  std::snprintf(ci, sizeof ci, "[%.3f, %.3f]", o.acc_ci[o.acc_ci.size() - 2], o.acc_ci.back());
  scope.out().print("  %-14s %-28s %9.4f %-18s %5lld %9.3g %8.4f %8.4f\n", sc.c_str(),
                    m.stem().c_str(), o.acc.back(), ci, static_cast<long long>(o.acc_n.back()),
                    o.rel_l2.back(), o.recall.back(), o.sparsity.back());
  scope.out().print("    wrote %s\n", req.out_file.c_str());
}

// PPA of every crossbar run (the ideal scheme has no hardware).
void run_ppa(const SchemesConfig& c, const SchemesResult& o, const StageScope& scope) {
  if (c.tech.empty()) return;
  const RunContext& ctx = scope.ctx();
  ppa::PpaRequest pr;
  for (size_t i = 0; i < o.names.size(); ++i)
    if (o.names[i] != "ideal")
      pr.attention.push_back(attention_file(ctx, o.names[i], o.model_names[i]));
  pr.tech = c.tech;
  pr.gpu = c.gpu;
  pr.arch = c.arch;
  pr.luts = ctx.out_dir;
  pr.out = ctx.out_dir / "ppa.h5";
  if (pr.attention.empty()) return;
  const auto ps = ppa::run_ppa(pr);
  scope.out().print("%s    wrote %s\n", ps.table.c_str(), pr.out.c_str());
}

void write_runs(const SchemesResult& o, H5Writer& out) {
  const size_t n = o.names.size();
  out.write_strings("/runs/scheme", o.names);
  out.write_strings("/runs/model", o.model_names);
  out.write_strings("/runs/description", o.descriptions);
  out.write("/runs/accuracy", o.acc, {n}, "");
  out.write("/runs/accuracy_fp32_recorded", o.acc_fp32, {n}, "");
  out.write("/runs/accuracy_ci95", o.acc_ci, {n, 2}, "");
  out.write_int("/runs/accuracy_n", o.acc_n, {n}, "");
  out.write("/runs/rel_l2", o.rel_l2, {n}, "");
  out.write("/runs/cosine", o.cosine, {n}, "");
  out.write("/runs/topk_recall", o.recall, {n}, "");
  out.write("/runs/sparsity", o.sparsity, {n}, "");
}

std::filesystem::path run(const SchemesConfig& c, const RunContext& ctx) {
  StageScope scope("schemes", ctx);
  const Sink& out = scope.out();
  out.print("schemes: %zu model(s) x %zu scheme(s)%s\n", c.models.size(), c.schemes.size(),
            c.use_luts ? ", with this run's LUTs where present" : "");
  if (c.sequences > 0) out.print("  (first %d sequences of each model's held-out set)\n", c.sequences);
  out.print("  %-14s %-28s %9s %-18s %5s %9s %8s %8s\n", "scheme", "model", "accuracy",
            "95% Wilson", "n", "rel_L2", "recall", "sparsity");
  SchemesResult o;
  for (const auto& m : c.models)
    for (const auto& sc : c.schemes) run_one(c, m, sc, scope, o);
  run_ppa(c, o, scope);
  return scope.write([&](H5Writer& h5) { write_runs(o, h5); });
}

}  // namespace

PreparedStage prepare_schemes_stage(Section& table, const RunContext&) {
  auto cfg = std::make_shared<SchemesConfig>(parse(table));
  return [cfg](const RunContext& ctx) { return run(*cfg, ctx); };
}

}  // namespace cimchar::flows
