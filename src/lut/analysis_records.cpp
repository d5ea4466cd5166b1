#include "lut/analysis_records.hpp"

namespace cimchar::lut {

void SweepCurves::fields(Visitor& v) {
  v.axis("x", x, "1", "values of x_key (increasing; in the key's own unit)");
  v.axis("y", y, "1", "values of y_key (increasing); [0] for a one-axis sweep");
  v.var("accuracy", accuracy, {"x", "y"}, "1",
        "held-out task accuracy of the scheme; NaN for models without a task head");
  v.var("accuracy_lo", accuracy_lo, {"x", "y"}, "1", "95% Wilson interval, lower end");
  v.var("accuracy_hi", accuracy_hi, {"x", "y"}, "1", "95% Wilson interval, upper end");
  v.var("accuracy_n", accuracy_n, {"x", "y"}, "1", "held-out sequences (a language model: labelled positions) the accuracy is over");
  v.var("accuracy_ideal", accuracy_ideal, {"x", "y"}, "1",
        "accuracy of the ideal (double-precision) run on the same sequences");
  v.var("sparsity", sparsity, {"x", "y"}, "1", "fraction of attention weights pruned (model mean)");
  v.var("rel_l2", rel_l2, {"x", "y"}, "1", "relative L2 error of the model output vs the ideal run");
  v.var("kl", kl, {"x", "y"}, "1", "KL divergence of the attention rows vs the ideal run, in nat");
  v.var("cosine", cosine, {"x", "y"}, "1", "cosine similarity of the output vs the ideal run");
  v.var("accuracy_delta", accuracy_delta, {"x", "y"}, "1",
        "accuracy - accuracy_ideal on the same held-out items (paired)");
  v.var("accuracy_delta_lo", accuracy_delta_lo, {"x", "y"}, "1",
        "its 95% paired interval (Newcombe 1998, method 10), lower end");
  v.var("accuracy_delta_hi", accuracy_delta_hi, {"x", "y"}, "1", "upper end");
  v.var("energy", energy, {"x", "y"}, "J",
        "energy per sequence, every layer (cimchar ppa on the point's run); NaN without ppa or hardware");
  v.var("energy_core", energy_core, {"x", "y"}, "J",
        "energy per sequence of the attention core (K/V writes, scores, softmax, selection, context)");
  v.var("latency", latency, {"x", "y"}, "s", "latency of one sequence through the mapped chip's layer pipeline");
  v.var("gpu_time_ratio", gpu_time_ratio, {"x", "y"}, "1", "GPU time / ours on the same workload (> 1: ours faster)");
  v.var("gpu_energy_ratio", gpu_energy_ratio, {"x", "y"}, "1", "GPU energy / ours (> 1: ours spends less)");
  v.var("tops_per_w", tops_per_w, {"x", "y"}, "1/pJ", "dense-equivalent operations per energy (TOPS/W)");
  v.scalar("accuracy_fp32", accuracy_fp32, "1",
           "accuracy recorded by torch in float32 on the whole held-out set", &has_fp32);
  v.text("x_key", x_key, "swept key, a dotted path below the config's [attention] table");
  v.text("y_key", y_key, "second swept key; \"\" for a one-axis sweep");
  v.text("model", model, "model file");
  v.text("scheme", scheme, "scheme label (preset name or config file stem)");
  v.text("config", config, "the scheme's base config (TOML) the points modify");
}

void AttributionTable::fields(Visitor& v) {
  v.axis("model", model, "1", "model index (names: `models`)");
  v.axis("scheme", scheme, "1", "scheme index (names: `schemes`)");
  v.axis("nonideality", nonideality, "1", "nonideality index (names: `nonidealities`)");
  v.axis("mode", mode, "1", "0: switched on alone from the ideal arm; 1: switched off alone from the full set");
  v.axis("layer", layer, "1", "layer index (0 = first); per-layer variables are NaN beyond a model's layers");
#define CIMCHAR_ARM_DIMS {"model", "scheme", "nonideality", "mode"}
  v.var("accuracy", accuracy, CIMCHAR_ARM_DIMS, "1",
        "held-out accuracy of the arm; NaN where the nonideality is absent or the model has no task head");
  v.var("accuracy_lo", accuracy_lo, CIMCHAR_ARM_DIMS, "1", "95% Wilson interval of the arm, lower end");
  v.var("accuracy_hi", accuracy_hi, CIMCHAR_ARM_DIMS, "1", "95% Wilson interval of the arm, upper end");
  v.var("accuracy_n", accuracy_n, CIMCHAR_ARM_DIMS, "1", "held-out sequences the accuracy is over");
  v.var("rel_l2", rel_l2, CIMCHAR_ARM_DIMS, "1", "relative L2 error of the model output vs the ideal run");
  v.var("kl", kl, CIMCHAR_ARM_DIMS, "1", "KL divergence of the attention rows vs the ideal run, in nat");
  v.var("cosine", cosine, CIMCHAR_ARM_DIMS, "1", "cosine similarity of the output vs the ideal run");
  v.var("sparsity", sparsity, CIMCHAR_ARM_DIMS, "1", "fraction of attention weights pruned");
  v.var("d_accuracy", d_accuracy, CIMCHAR_ARM_DIMS, "1",
        "accuracy change from switching the nonideality on: alone - ideal, or full - removed");
  v.var("d_accuracy_lo", d_accuracy_lo, CIMCHAR_ARM_DIMS, "1",
        "paired 95% interval of d_accuracy, lower end: Newcombe's hybrid score interval over the "
        "items both arms scored, item by item (NaN without per-item results)");
  v.var("d_accuracy_hi", d_accuracy_hi, CIMCHAR_ARM_DIMS, "1", "its upper end");
  v.var("d_rel_l2", d_rel_l2, CIMCHAR_ARM_DIMS, "1", "rel_l2 change from switching it on (as d_accuracy)");
  v.var("d_kl", d_kl, CIMCHAR_ARM_DIMS, "1", "KL change from switching it on (as d_accuracy), in nat");
#undef CIMCHAR_ARM_DIMS
#define CIMCHAR_LAYER_DIMS {"model", "scheme", "nonideality", "mode", "layer"}
  v.var("layer_rel_l2", layer_rel_l2, CIMCHAR_LAYER_DIMS, "1", "the arm's rel_l2 of that layer's outputs");
  v.var("layer_kl", layer_kl, CIMCHAR_LAYER_DIMS, "1", "the arm's KL of that layer's attention rows, in nat");
  v.var("d_layer_rel_l2", d_layer_rel_l2, CIMCHAR_LAYER_DIMS, "1", "layer_rel_l2 change from switching it on");
  v.var("d_layer_kl", d_layer_kl, CIMCHAR_LAYER_DIMS, "1", "layer_kl change from switching it on, in nat");
#undef CIMCHAR_LAYER_DIMS
  v.var("ideal_accuracy", ideal_accuracy, {"model", "scheme"}, "1", "accuracy with every nonideality off");
  v.var("ideal_accuracy_lo", ideal_accuracy_lo, {"model", "scheme"}, "1", "its 95% Wilson interval, lower end");
  v.var("ideal_accuracy_hi", ideal_accuracy_hi, {"model", "scheme"}, "1", "its 95% Wilson interval, upper end");
  v.var("ideal_rel_l2", ideal_rel_l2, {"model", "scheme"}, "1", "rel_l2 with every nonideality off");
  v.var("ideal_kl", ideal_kl, {"model", "scheme"}, "1", "KL with every nonideality off, in nat");
  v.var("full_accuracy", full_accuracy, {"model", "scheme"}, "1", "accuracy with the config's full set on");
  v.var("full_accuracy_lo", full_accuracy_lo, {"model", "scheme"}, "1", "its 95% Wilson interval, lower end");
  v.var("full_accuracy_hi", full_accuracy_hi, {"model", "scheme"}, "1", "its 95% Wilson interval, upper end");
  v.var("full_rel_l2", full_rel_l2, {"model", "scheme"}, "1", "rel_l2 with the full set on");
  v.var("full_kl", full_kl, {"model", "scheme"}, "1", "KL with the full set on, in nat");
  v.var("reference_accuracy", reference_accuracy, {"model", "scheme"}, "1",
        "accuracy of the double-precision ideal run on the same sequences");
  v.var("accuracy_fp32", accuracy_fp32, {"model", "scheme"}, "1",
        "accuracy recorded by torch in float32 on the whole held-out set (NaN: none)");
  v.var("dominant", dominant, {"model", "scheme"}, "1",
        "index of the nonideality whose removal gains most accuracy (rel_l2 without a task head); NaN: none");
  v.var("ideal_layer_rel_l2", ideal_layer_rel_l2, {"model", "scheme", "layer"}, "1", "ideal arm's per-layer rel_l2");
  v.var("full_layer_rel_l2", full_layer_rel_l2, {"model", "scheme", "layer"}, "1", "full arm's per-layer rel_l2");
  v.text("models", models, "model files, one a line, in index order");
  v.text("schemes", schemes, "scheme labels (preset name or config file stem), one a line");
  v.text("nonidealities", nonidealities, "nonideality names, one a line (docs/schemes.md, \"Attribution\")");
  v.text("modes", modes, "\"alone\" and \"removed\", one a line");
}

void ProductCounters::fields(Visitor& v) {
  v.axis("product", product, "1", "product row index (names: `products`)");
  v.var("programs", programs, {"product"}, "1", "matrices written (for scores, context and approx_scores: K, V or centroid writes)");
  v.var("cell_writes", cell_writes, {"product"}, "1", "physical cells programmed (reference columns included)");
  v.var("tiles", tiles, {"product"}, "1", "tiles written, summed over programmings");
  v.var("applies", applies, {"product"}, "1", "product calls");
  v.var("vectors", vectors, {"product"}, "1", "input vectors (digital rows: keys or values fetched)");
  v.var("array_reads", array_reads, {"product"}, "1", "tile activations: vectors x passes x input cycles x tiles");
  v.var("adc_conversions", adc_conversions, {"product"}, "1", "ADC column conversions");
  v.var("macs", macs, {"product"}, "1", "logical multiply-accumulates (analog or digital)");
  v.var("read_vi", read_vi, {"product"}, "W",
        "sum over tile reads of the drive voltage times the summed column currents of the solved "
        "array (times the read pulse width: the row drivers' energy; exact for bit-serial inputs, "
        "an upper bound for multi-bit DACs)");
  v.var("xbar_rows", xbar_rows, {"product"}, "1", "tile rows (0: a digital row)");
  v.var("xbar_cols", xbar_cols, {"product"}, "1", "tile columns");
  v.var("xbar_adc_bits", xbar_adc_bits, {"product"}, "bit", "ADC resolution (0: ideal readout)");
  v.var("xbar_dac_bits", xbar_dac_bits, {"product"}, "bit", "input bits applied per read cycle");
  v.var("xbar_input_bits", xbar_input_bits, {"product"}, "bit", "input precision");
  v.var("xbar_weight_bits", xbar_weight_bits, {"product"}, "bit", "weight precision (signed)");
  v.var("xbar_bits_per_cell", xbar_bits_per_cell, {"product"}, "bit", "bits stored per cell");
  v.var("xbar_v_read", xbar_v_read, {"product"}, "V", "read voltage");
  v.var("xbar_g_on", xbar_g_on, {"product"}, "S", "cell on-conductance");
  v.var("xbar_g_off", xbar_g_off, {"product"}, "S", "cell off-conductance");
  v.text("products", products, "counter row names, one a line: q_proj, k_proj, v_proj, o_proj, ffn1, ffn2, scores, "
         "context, then scheme rows (approx_scores, digital_scores, digital_context)");
}

std::vector<std::string> ProductCounters::product_names() const {
  std::vector<std::string> out;
  size_t a = 0;
  for (size_t b; (b = products.find('\n', a)) != std::string::npos; a = b + 1)
    out.push_back(products.substr(a, b - a));
  if (a < products.size()) out.push_back(products.substr(a));
  return out;
}

}  // namespace cimchar::lut
