#include "lut/analysis_records.hpp"

namespace cimchar::lut {

void SweepCurves::fields(Visitor& v) {
  v.axis("x", x, "1", "values of x_key (increasing; in the key's own unit)");
  v.axis("y", y, "1", "values of y_key (increasing); [0] for a one-axis sweep");
  v.var("accuracy", accuracy, {"x", "y"}, "1",
        "held-out task accuracy of the scheme; NaN for models without a task head");
  v.var("accuracy_lo", accuracy_lo, {"x", "y"}, "1", "95% Wilson interval, lower end");
  v.var("accuracy_hi", accuracy_hi, {"x", "y"}, "1", "95% Wilson interval, upper end");
  v.var("accuracy_n", accuracy_n, {"x", "y"}, "1", "held-out sequences the accuracy is over");
  v.var("accuracy_ideal", accuracy_ideal, {"x", "y"}, "1",
        "accuracy of the ideal (double-precision) run on the same sequences");
  v.var("sparsity", sparsity, {"x", "y"}, "1", "fraction of attention weights pruned (model mean)");
  v.var("rel_l2", rel_l2, {"x", "y"}, "1", "relative L2 error of the model output vs the ideal run");
  v.var("kl", kl, {"x", "y"}, "1", "KL divergence of the attention rows vs the ideal run, in nat");
  v.var("cosine", cosine, {"x", "y"}, "1", "cosine similarity of the output vs the ideal run");
  v.scalar("accuracy_fp32", accuracy_fp32, "1",
           "accuracy recorded by torch in float32 on the whole held-out set", &has_fp32);
  v.text("x_key", x_key, "swept key, a dotted path below the config's [attention] table");
  v.text("y_key", y_key, "second swept key; \"\" for a one-axis sweep");
  v.text("model", model, "model file");
  v.text("scheme", scheme, "scheme label (preset name or config file stem)");
  v.text("config", config, "the scheme's base config (TOML) the points modify");
}

}  // namespace cimchar::lut
