// The schemes stage (`cimchar schemes`, [schemes] in a flow): the shipped (or named) models run
// under every accelerator scheme, with the nonidealities this run characterized wired in from
// its own LUTs (variation.h5 -> programmed conductances of every crossbar, threshold.h5 -> the
// sprint comparator). One attention_<scheme>_<model>.h5 per pair (docs/results-format.md,
// attention.h5) and a summary, schemes.h5.
#include <cstdio>
#include <filesystem>

#include "attention/attention_run.hpp"
#include "attention/scheme.hpp"
#include "core/build_info.hpp"
#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/provenance.hpp"
#include "flows/stages.hpp"

namespace cimchar::flows {

namespace {

struct SchemesConfig {
  std::vector<std::filesystem::path> models;
  std::vector<std::string> schemes;
  bool use_luts = true;
  std::string ir_drop = "off";
  double r_wire = 1.0;
};

std::filesystem::path find_model(Section& t, const std::string& p) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(p, ec)) return p;
  const auto in_tree = std::filesystem::path(CIMCHAR_SOURCE_DIR_STRING) / p;
  if (std::filesystem::is_regular_file(in_tree, ec)) return in_tree;
  t.fail("models", "no model file '" + p + "' (neither here nor under the source tree)");
}

SchemesConfig parse(Section& t) {
  SchemesConfig c;
  for (const auto& m : t.get_strings("models", {})) c.models.push_back(find_model(t, m));
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
  t.finish();
  return c;
}

// The [attention] config of one scheme: the preset's defaults plus this run's LUTs.
std::string scheme_config(const SchemesConfig& c, const std::string& scheme, const RunContext& ctx) {
  std::string s = "[attention]\nscheme = \"" + scheme + "\"\n";
  if (scheme == "ideal") return s;
  std::error_code ec;
  const auto thr = ctx.out_dir / "threshold.h5", var = ctx.out_dir / "variation.h5";
  if (scheme == "sprint" && c.use_luts && std::filesystem::is_regular_file(thr, ec))
    s += "comparator_lut = \"" + thr.string() + "\"\n";
  std::string nonideal;
  if (c.use_luts && std::filesystem::is_regular_file(var, ec))
    nonideal += "variation = \"" + var.string() + "\"\n";
  if (c.ir_drop != "off")
    nonideal += "ir_drop = \"" + c.ir_drop + "\"\nr_wire = " + std::to_string(c.r_wire) + "\n";
  if (!nonideal.empty()) s += "[attention.crossbar.nonideal]\n" + nonideal;
  return s;
}

std::filesystem::path run(const SchemesConfig& c, const RunContext& ctx) {
  std::error_code ec;
  std::filesystem::create_directories(ctx.out_dir, ec);
  std::vector<std::string> names, model_names, descriptions;
  std::vector<double> acc, acc_fp32, rel_l2, cosine, recall, sparsity;
  std::printf("schemes: %zu model(s) x %zu scheme(s)%s\n", c.models.size(), c.schemes.size(),
              c.use_luts ? ", with this run's LUTs where present" : "");
  std::printf("  %-14s %-28s %9s %9s %8s %8s\n", "scheme", "model", "accuracy", "rel_L2", "recall",
              "sparsity");
  for (const auto& m : c.models) {
    for (const auto& sc : c.schemes) {
      attention::RunRequest req;
      req.model_file = m;
      req.out_file = ctx.out_dir / ("attention_" + sc + "_" + m.stem().string() + ".h5");
      req.config_text = scheme_config(c, sc, ctx);
      req.seed = ctx.seed;
      req.progress = ctx.progress;
      const auto s = attention::run_attention(req);
      names.push_back(sc);
      model_names.push_back(m.stem().string());
      descriptions.push_back(s.description);
      const double nan = std::nan("");
      acc.push_back(s.accuracy.value_or(nan));
      acc_fp32.push_back(s.accuracy_fp32_recorded.value_or(nan));
      rel_l2.push_back(s.metrics.model.rel_l2);
      cosine.push_back(s.metrics.model.cosine);
      recall.push_back(s.metrics.model.topk_recall);
      sparsity.push_back(s.metrics.model.sparsity);
      std::printf("  %-14s %-28s %9.4f %9.3g %8.4f %8.4f\n", sc.c_str(), m.stem().c_str(), acc.back(),
                  rel_l2.back(), recall.back(), sparsity.back());
      std::printf("    wrote %s\n", req.out_file.c_str());
    }
  }
  const auto path = ctx.out_dir / "schemes.h5";
  H5Writer out(path);
  write_provenance(out, {ctx.config_text, ctx.seed, ""});
  const size_t n = names.size();
  out.write_strings("/runs/scheme", names);
  out.write_strings("/runs/model", model_names);
  out.write_strings("/runs/description", descriptions);
  out.write("/runs/accuracy", acc, {n}, "");
  out.write("/runs/accuracy_fp32_recorded", acc_fp32, {n}, "");
  out.write("/runs/rel_l2", rel_l2, {n}, "");
  out.write("/runs/cosine", cosine, {n}, "");
  out.write("/runs/topk_recall", recall, {n}, "");
  out.write("/runs/sparsity", sparsity, {n}, "");
  out.commit();
  return path;
}

}  // namespace

StageRunner prepare_schemes_stage(Section& table, const RunContext&) {
  auto cfg = std::make_shared<SchemesConfig>(parse(table));
  return [cfg](const RunContext& ctx) { return run(*cfg, ctx); };
}

}  // namespace cimchar::flows
