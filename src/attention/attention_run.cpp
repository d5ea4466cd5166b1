#include "attention/attention_run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <cstdio>
#include <sstream>

#include "attention/nonideal.hpp"
#include "attention/range_calibration.hpp"
#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/paths.hpp"
#include "core/progress.hpp"
#include "core/provenance.hpp"
#include "lut/analysis_records.hpp"

namespace cimchar::attention {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string metrics_row(const std::string& label, const Metrics& m) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%-10s %11.4e %9.6f %11.4e %9.4f %9.4f\n", label.c_str(),
                m.rel_l2, m.cosine, m.kl, m.topk_recall, m.sparsity);
  return buf;
}

std::string make_table(const RunSummary& s) {
  std::ostringstream o;
  o << "scheme " << s.scheme << ": " << s.description << "\n";
  for (const auto& c : s.calibrated)
    o << "  " << c.key << " = " << fmt("%g", c.value) << " (" << c.source
      << (c.basis.empty() ? "" : ": " + c.basis) << ")\n";
  char head[160];
  std::snprintf(head, sizeof head, "%-10s %11s %9s %11s %9s %9s\n", "", "rel_l2", "cosine",
                "KL", ("top" + std::to_string(s.top_k) + "_rec").c_str(), "sparsity");
  o << head;
  for (size_t l = 0; l < s.metrics.layers.size(); ++l)
    o << metrics_row("layer " + std::to_string(l), s.metrics.layers[l]);
  o << metrics_row("model", s.metrics.model);
  if (s.ir_model_vs_exact)
    o << "IR drop, compact model vs exact solver: outputs differ by " << fmt("%.4e", *s.ir_model_vs_exact)
      << " (rel L2); model run rel_l2 vs ideal " << fmt("%.4e", *s.ir_model_rel_l2)
      << ", exact run " << fmt("%.4e", s.metrics.model.rel_l2) << "\n";
  if (s.rel_l2_vs_torch) o << "rel_l2 vs torch float32 output: " << fmt("%.4e", *s.rel_l2_vs_torch) << "\n";
  if (s.accuracy) {
    auto ci = [](const Interval& i) {
      return "[" + fmt("%.4f", i.lo) + ", " + fmt("%.4f", i.hi) + "]";
    };
    o << "accuracy: " << fmt("%.4f", *s.accuracy) << " " << ci(s.accuracy_ci) << " (ideal "
      << fmt("%.4f", *s.accuracy_ideal) << " " << ci(s.accuracy_ideal_ci);
    if (s.accuracy_fp32_recorded) o << ", torch fp32 recorded " << fmt("%.4f", *s.accuracy_fp32_recorded);
    o << "); n = " << s.accuracy_n << (s.per_token ? " labelled positions (next-token accuracy)" : " sequences")
      << ", 95% Wilson intervals\n";
    if (s.accuracy_delta)
      o << "accuracy - ideal: " << fmt("%+.4f", *s.accuracy_delta) << " [" << fmt("%+.4f", s.accuracy_delta_ci.lo)
        << ", " << fmt("%+.4f", s.accuracy_delta_ci.hi) << "] paired (Newcombe; " << s.pairs.only_a
        << " right only under the scheme, " << s.pairs.only_b << " only in the ideal run)\n";
  }
  if (s.perplexity) {
    o << "perplexity: " << fmt("%.4f", *s.perplexity) << " (ideal " << fmt("%.4f", *s.perplexity_ideal);
    if (s.perplexity_fp32_recorded) o << ", torch fp32 recorded " << fmt("%.4f", *s.perplexity_fp32_recorded);
    o << ")\n";
  }
  {
    const auto& t = s.timing;
    o << "time: " << fmt("%.2f", t.total_s) << " s in all; model file " << fmt("%.2f", t.load_s)
      << " s, calibration " << fmt("%.2f", t.calibration_s) << " s, static weights programmed " << fmt("%.2f", t.program_s) << " s (once per model), "
      << "sequences under the scheme " << fmt("%.2f", t.scheme_s) << " s, ideal reference "
      << fmt("%.2f", t.reference_s) << " s";
    if (s.ir_model_vs_exact) o << ", compact IR-drop rerun " << fmt("%.2f", t.ir_model_s) << " s";
    o << "\n";
  }
  if (!s.counters.empty()) {
    char line[200];
    std::snprintf(line, sizeof line, "%-18s %10s %12s %14s %14s\n", "counters", "programs",
                  "cell_writes", "adc_conv", "macs");
    o << line;
    for (const auto& c : s.counters) {
      if (c.stats.programs == 0 && c.stats.macs == 0) continue;
      std::snprintf(line, sizeof line, "%-18s %10lld %12lld %14lld %14lld\n", c.name.c_str(),
                    static_cast<long long>(c.stats.programs),
                    static_cast<long long>(c.stats.cell_writes),
                    static_cast<long long>(c.stats.adc_conversions),
                    static_cast<long long>(c.stats.macs));
      o << line;
    }
  }
  return o.str();
}

void write_metrics(H5Writer& w, const std::string& g, const Metrics& m) {
  w.write(g + "/rel_l2", {m.rel_l2}, {}, "");
  w.write(g + "/cosine", {m.cosine}, {}, "");
  // In nats, but no unit string: pint reads "nat" as a nano technical atmosphere.
  w.write(g + "/kl", {m.kl}, {}, "1");
  w.attr(g + "/kl", "description", std::string("KL divergence of the attention rows vs the ideal run, in nat (natural log)"));
  w.write(g + "/topk_recall", {m.topk_recall}, {}, "");
  w.write(g + "/sparsity", {m.sparsity}, {}, "");
}

}  // namespace

RunKeys read_run_keys(Section& att) {
  RunKeys k;
  k.recall_k = static_cast<int>(att.get_int("recall_k", k.recall_k, 1, 1 << 20));
  k.calibration_sequences =
      static_cast<int>(att.get_int("calibration_sequences", k.calibration_sequences, 1, 1 << 20));
  return k;
}

namespace {

// The configuration and the scheme (ConfigError before anything is read or computed).
struct Configured {
  TomlDoc doc;
  std::unique_ptr<Scheme> sch;        // the scheme
  std::unique_ptr<Scheme> sch_model;  // ir_drop = "both": the same with the compact model
  const SchemeInfo* info = nullptr;
  uint64_t seed = 1;
  RunKeys keys;
  // Another scheme from the same config and seed (the same chip, its own counters).
  std::unique_ptr<Scheme> twin() const {
    toml::table copy = doc.root;
    Section r(copy, doc.file, "");
    Section a = r.sub("attention");
    return info->make(a, seed);
  }
};

Configured configure(const RunRequest& req, RunSummary& s) {
  Configured c;
  c.doc = req.config_file ? TomlDoc::parse_file(*req.config_file)
          : req.config_text ? TomlDoc::parse_string(*req.config_text, "(scheme config)")
                            : TomlDoc::parse_string("", "(no --config)");
  Section root(c.doc.root, c.doc.file, "");
  Section att = root.sub("attention");
  std::string scheme = att.get_string("scheme", "");
  if (!req.scheme.empty()) {
    if (!scheme.empty() && scheme != req.scheme)
      att.fail("scheme", "the config names scheme '" + scheme + "' but --scheme is '" +
                             req.scheme + "'");
    scheme = req.scheme;
  }
  if (scheme.empty())
    throw ConfigError("no scheme: give --scheme NAME or `scheme` in the config's [attention]");
  const SchemeInfo& info = find_scheme(scheme);
  s.scheme = scheme;
  c.keys = read_run_keys(att);
  s.top_k = c.keys.recall_k;
  c.sch = info.make(att, req.seed);
  c.info = &info;
  c.seed = req.seed;
  att.finish();
  root.finish();
  // ir_drop = "both": a twin of the scheme whose crossbars use the compact IR-drop model.
  bool both = false;
  for (const NamedCrossbar& x : c.sch->crossbars())
    both = both || (x.backend->config().nonideal && x.backend->config().nonideal->ir_drop == IrDropMode::both);
  if (both) {
    c.sch_model = c.twin();
    for (const NamedCrossbar& x : c.sch_model->crossbars()) x.backend->use_compact_ir_model();
  }
  return c;
}

// Calibration, on the calibration split only, before anything runs on the held-out set.
void calibrate(const ModelFile& mf, Configured& c, RunSummary& s) {
  CalibrationData cal;
  cal.seq = mf.batch.seq;
  if (c.sch->wants_scores() && mf.calibration) {
    const auto t0 = Clock::now();
    cal.scores = collect_score_stats(mf.model, *mf.calibration);
    s.timing.calibration_s = since(t0);
  }
  s.calibrated = c.sch->calibrate(cal);
  if (c.sch_model) c.sch_model->calibrate(cal);
  // ADC ranges: a twin of the scheme, its scores calibrated alike, reads the calibration split.
  const auto t1 = Clock::now();
  std::unique_ptr<Scheme> probe;
  if (mf.calibration && needs_adc_ranges(*c.sch)) {
    probe = c.twin();
    probe->calibrate(cal);
  }
  const Batch* split = mf.calibration ? &*mf.calibration : nullptr;
  for (auto& v : calibrate_adc_ranges(mf.model, split, probe.get(), *c.sch, c.sch_model.get(),
                                      c.keys.calibration_sequences))
    s.calibrated.push_back(std::move(v));
  s.timing.calibration_s += since(t1);
}

// What the sequences produced: the scheme's outputs and logits, the ideal run's logits, and
// the tallies the summary is made from.
struct Outputs {
  int B = 0, B_all = 0;  // sequences run, and in the model file
  std::vector<Mat> y;
  Mat logits, logits_ref;
  // Scheme (a) against the ideal run (b), item by item: sequences (classification) or
  // labelled positions (per token). Hits and the count scored follow from it.
  PairedCounts pairs;
  std::vector<uint8_t> right;   // per scored item, in order: the scheme right (1) or not (0)
  double nll = 0, nll_ref = 0;  // summed next-token cross-entropy (per-token tasks)
  double ir_diff2 = 0, ir_model_err2 = 0, y_norm2 = 0, y_ref_norm2 = 0;
};

// One scored item: whether the scheme and the ideal run got it right.
void tally(bool right, bool right_ref, Outputs& o) {
  (right ? (right_ref ? o.pairs.both : o.pairs.only_a) : (right_ref ? o.pairs.only_b : o.pairs.neither)) += 1;
  o.right.push_back(right ? 1 : 0);
}

// -log softmax(row)[label], computed stably.
double cross_entropy(const Eigen::RowVectorXd& row, int label) {
  const double m = row.maxCoeff();
  return m + std::log((row.array() - m).exp().sum()) - row(label);
}

// A language model's head on every position of one sequence: next-token hits and
// cross-entropy of the scheme and of the ideal run over the labelled positions.
void score_tokens(const ModelFile& mf, int b, const Mat& y, const Mat& y_ref, Outputs& o) {
  const Mat lg = mf.task->token_logits(y), lg_ref = mf.task->token_logits(y_ref);
  const size_t S = static_cast<size_t>(mf.batch.seq);
  for (Eigen::Index t = 0; t < lg.rows(); ++t) {
    const int label = mf.task->labels[static_cast<size_t>(b) * S + static_cast<size_t>(t)];
    if (label < 0) continue;
    Eigen::Index arg = 0, arg_ref = 0;
    lg.row(t).maxCoeff(&arg);
    lg_ref.row(t).maxCoeff(&arg_ref);
    tally(arg == label, arg_ref == label, o);
    o.nll += cross_entropy(lg.row(t), label);
    o.nll_ref += cross_entropy(lg_ref.row(t), label);
  }
}

// The task head on one sequence: logits of the scheme and of the ideal run, and whether each
// is right.
void score_task(const ModelFile& mf, int b, const Mat& y, const Mat& y_ref, Outputs& o) {
  if (mf.task->per_token()) return score_tokens(mf, b, y, y_ref, o);
  const std::vector<bool>* pad =
      mf.batch.key_padding.empty() ? nullptr : &mf.batch.key_padding[static_cast<size_t>(b)];
  o.logits.row(b) = mf.task->logits(y, pad).transpose();
  o.logits_ref.row(b) = mf.task->logits(y_ref, pad).transpose();
  const int label = mf.task->labels[static_cast<size_t>(b)];
  Eigen::Index arg = 0, arg_ref = 0;
  o.logits.row(b).maxCoeff(&arg);
  o.logits_ref.row(b).maxCoeff(&arg_ref);
  tally(arg == label, arg_ref == label, o);
}

// Runs, sequence by sequence: the ideal reference, then the scheme, compared at once.
Outputs execute(const RunRequest& req, const ModelFile& mf, Configured& c, RunSummary& s) {
  auto ideal = make_ideal_scheme();
  check_batch(mf.model, mf.batch, req.model_file.string());
  auto t0 = Clock::now();
  Executor ref_ex(mf.model, ideal->backend(), ideal->core());
  s.timing.reference_s += since(t0);
  t0 = Clock::now();
  Executor ex(mf.model, c.sch->backend(), c.sch->core());
  s.timing.program_s = since(t0);
  std::unique_ptr<Executor> ex_model;
  t0 = Clock::now();
  if (c.sch_model)
    ex_model = std::make_unique<Executor>(mf.model, c.sch_model->backend(), c.sch_model->core());
  s.timing.ir_model_s += since(t0);
  MetricsAccumulator acc(mf.model, s.top_k);
  SeqTrace ref_trace, run_trace;
  ref_trace.keep_probs = run_trace.keep_probs = true;
  ref_trace.keep_layer_outputs = run_trace.keep_layer_outputs = true;
  Outputs o;
  o.B_all = mf.batch.size();
  o.B = req.max_sequences > 0 ? std::min(o.B_all, req.max_sequences) : o.B_all;
  o.y.resize(static_cast<size_t>(o.B));
  if (mf.task && !mf.task->per_token()) {
    o.logits.resize(o.B, mf.task->w.rows());
    o.logits_ref.resize(o.B, mf.task->w.rows());
  }
  Progress bar("attention " + s.scheme, static_cast<size_t>(o.B), req.progress);
  for (int b = 0; b < o.B; ++b) {
    Mat& y = o.y[static_cast<size_t>(b)];
    t0 = Clock::now();
    const Mat y_ref = ref_ex.run_sequence(mf.batch, b, &ref_trace);
    s.timing.reference_s += since(t0);
    t0 = Clock::now();
    y = ex.run_sequence(mf.batch, b, &run_trace);
    s.timing.scheme_s += since(t0);
    acc.add(mf.batch, b, y_ref, ref_trace, y, run_trace);
    if (ex_model) {
      t0 = Clock::now();
      const Mat y_model = ex_model->run_sequence(mf.batch, b);
      s.timing.ir_model_s += since(t0);
      o.ir_diff2 += (y_model - y).squaredNorm();
      o.ir_model_err2 += (y_model - y_ref).squaredNorm();
      o.y_norm2 += y.squaredNorm();
      o.y_ref_norm2 += y_ref.squaredNorm();
    }
    if (mf.task) score_task(mf, b, y, y_ref, o);
    bar.advance();
  }
  bar.finish();
  s.metrics = acc.result();
  return o;
}

// The summary's figures from the outputs: against torch, the task's accuracy with intervals,
// the IR-drop model's error.
void summarize(const ModelFile& mf, const Outputs& o, bool ir_model, RunSummary& s) {
  const int B = o.B;
  if (!mf.reference.y.empty()) {
    // torch's outputs may cover only the first held-out sequences (large held-out sets).
    const auto n = static_cast<std::ptrdiff_t>(std::min<size_t>(mf.reference.y.size(), static_cast<size_t>(B)));
    Metrics m;
    const std::vector<Mat> ref_y(mf.reference.y.begin(), mf.reference.y.begin() + n);
    const std::vector<Mat> run_y(o.y.begin(), o.y.begin() + n);
    output_metrics(run_y, ref_y, m);
    s.rel_l2_vs_torch = m.rel_l2;
  }
  if (mf.task) {
    const PairedCounts& p = o.pairs;
    const int64_t scored = p.n(), right = p.both + p.only_a, right_ref = p.both + p.only_b;
    const double n = static_cast<double>(std::max<int64_t>(scored, 1));
    s.accuracy = static_cast<double>(right) / n;
    s.accuracy_ideal = static_cast<double>(right_ref) / n;
    s.accuracy_ci = wilson_interval(right, scored);
    s.accuracy_ideal_ci = wilson_interval(right_ref, scored);
    s.accuracy_n = static_cast<int>(scored);
    if (scored > 0) {
      s.accuracy_delta = static_cast<double>(p.only_a - p.only_b) / n;
      s.accuracy_delta_ci = paired_difference_interval(o.pairs);
      s.pairs = o.pairs;
      s.item_right = o.right;
    }
    s.accuracy_fp32_recorded = mf.task->fp32_accuracy;
    s.per_token = mf.task->per_token();
    if (s.per_token) {
      s.perplexity = std::exp(o.nll / n);
      s.perplexity_ideal = std::exp(o.nll_ref / n);
      s.perplexity_fp32_recorded = mf.task->fp32_perplexity;
    }
    if (mf.reference.logits.size())
      s.logits_rel_l2_vs_torch = (o.logits_ref - mf.reference.logits.topRows(B)).norm() /
                                 mf.reference.logits.topRows(B).norm();
  }
  if (ir_model) {
    s.ir_model_vs_exact = std::sqrt(o.ir_diff2 / std::max(o.y_norm2, 1e-300));
    s.ir_model_rel_l2 = std::sqrt(o.ir_model_err2 / std::max(o.y_ref_norm2, 1e-300));
  }
}

// Root attributes: provenance, the scheme and its traits, the workload's shape (for src/ppa).
void write_header(H5Writer& w, const RunRequest& req, const Configured& c, const ModelFile& mf,
                  const Outputs& o, const RunSummary& s) {
  write_provenance(w, {c.doc.text, req.seed, ""});
  w.attr("/", "scheme", s.scheme);
  w.attr("/", "scheme_description", s.description);
  write_scheme_traits(w, c.sch->traits());
  w.attr("/", "model_file", req.model_file.string());
  w.attr("/", "recall_k", static_cast<int64_t>(s.top_k));
  w.attr("/", "sequences", static_cast<int64_t>(o.B));
  w.attr("/", "sequences_in_model_file", static_cast<int64_t>(o.B_all));
  w.attr("/", "d_model", static_cast<int64_t>(mf.model.d_model));
  w.attr("/", "n_heads", static_cast<int64_t>(mf.model.n_heads()));
  w.attr("/", "n_layers", static_cast<int64_t>(mf.model.layers.size()));
  w.attr("/", "batch", static_cast<int64_t>(o.B));
  w.attr("/", "seq", static_cast<int64_t>(mf.batch.seq));
}

void write_outputs(H5Writer& w, const ModelFile& mf, const Outputs& o, const RunSummary& s) {
  const size_t Bz = static_cast<size_t>(o.B), S = static_cast<size_t>(mf.batch.seq),
               D = static_cast<size_t>(mf.model.d_model);
  std::vector<double> flat(Bz * S * D);
  for (size_t b = 0; b < Bz; ++b)
    for (size_t t = 0; t < S; ++t)
      for (size_t j = 0; j < D; ++j)
        flat[(b * S + t) * D + j] = o.y[b](static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(j));
  w.write("/y", flat, {Bz, S, D}, "");
  if (!mf.task) return;
  if (mf.task->per_token()) {  // no [batch, seq, vocab] logits: the perplexities instead
    w.write("/task/perplexity", {*s.perplexity}, {}, "");
    w.write("/task/perplexity_ideal", {*s.perplexity_ideal}, {}, "");
    if (s.perplexity_fp32_recorded) w.write("/task/fp32_perplexity_recorded", {*s.perplexity_fp32_recorded}, {}, "");
  } else {
    std::vector<double> lg;
    for (int b = 0; b < o.B; ++b)
      for (Eigen::Index k = 0; k < o.logits.cols(); ++k) lg.push_back(o.logits(b, k));
    w.write("/task/logits", lg, {Bz, static_cast<size_t>(o.logits.cols())}, "");
  }
  w.write("/task/accuracy", {*s.accuracy}, {}, "");
  w.write("/task/accuracy_ideal", {*s.accuracy_ideal}, {}, "");
  w.write("/task/accuracy_ci95", {s.accuracy_ci.lo, s.accuracy_ci.hi}, {2}, "");
  w.write("/task/accuracy_ideal_ci95", {s.accuracy_ideal_ci.lo, s.accuracy_ideal_ci.hi}, {2}, "");
  w.write_int("/task/n", {static_cast<int64_t>(s.accuracy_n)}, {}, "");
  if (s.accuracy_delta) {
    w.write("/task/accuracy_delta", {*s.accuracy_delta}, {}, "");
    w.write("/task/accuracy_delta_ci95", {s.accuracy_delta_ci.lo, s.accuracy_delta_ci.hi}, {2}, "");
    w.write_int("/task/paired_counts", {s.pairs.both, s.pairs.only_a, s.pairs.only_b, s.pairs.neither}, {4}, "");
  }
  if (s.accuracy_fp32_recorded) w.write("/task/fp32_accuracy_recorded", {*s.accuracy_fp32_recorded}, {}, "");
  w.attr("/task", "name", mf.task->name);
}

// Calibrated settings, metrics (whole model and per layer) and stage times.
void write_results(H5Writer& w, const RunSummary& s) {
  for (const auto& c : s.calibrated) {
    w.write("/calibration/" + c.key, {c.value}, {}, "");
    w.attr("/calibration/" + c.key, "source", c.source);
    w.attr("/calibration/" + c.key, "basis", c.basis);
  }
  write_metrics(w, "/metrics", s.metrics.model);
  if (s.rel_l2_vs_torch) w.write("/metrics/rel_l2_vs_torch", {*s.rel_l2_vs_torch}, {}, "");
  if (s.ir_model_vs_exact) {
    w.write("/metrics/ir_drop/model_vs_exact_rel_l2", {*s.ir_model_vs_exact}, {}, "");
    w.write("/metrics/ir_drop/model_rel_l2", {*s.ir_model_rel_l2}, {}, "");
  }
  for (size_t l = 0; l < s.metrics.layers.size(); ++l)
    write_metrics(w, "/metrics/layers/" + std::to_string(l), s.metrics.layers[l]);
  w.write("/timing/load", {s.timing.load_s}, {}, "s");
  w.write("/timing/calibration", {s.timing.calibration_s}, {}, "s");
  w.write("/timing/program", {s.timing.program_s}, {}, "s");
  w.write("/timing/scheme", {s.timing.scheme_s}, {}, "s");
  w.write("/timing/reference", {s.timing.reference_s}, {}, "s");
  if (s.ir_model_vs_exact) w.write("/timing/ir_model", {s.timing.ir_model_s}, {}, "s");
  w.write("/timing/total", {s.timing.total_s}, {}, "s");
}

// The counter table per product row, and the arrays each row ran on (for the PPA roll-up):
// the lut::ProductCounters record.
void write_counters(H5Writer& w, const std::vector<NamedStats>& counters) {
  if (counters.empty()) return;
  lut::ProductCounters t;
  for (const auto& c : counters) {
    t.product.push_back(static_cast<double>(t.product.size()));
    t.products += (t.products.empty() ? "" : "\n") + c.name;
    const ProductStats& st = c.stats;
    for (auto [col, v] : {std::pair{&t.programs, st.programs}, {&t.cell_writes, st.cell_writes},
                          {&t.tiles, st.tiles}, {&t.applies, st.applies}, {&t.vectors, st.vectors},
                          {&t.array_reads, st.array_reads}, {&t.adc_conversions, st.adc_conversions},
                          {&t.macs, st.macs}})
      col->push_back(static_cast<double>(v));
    t.read_vi.push_back(st.read_vi_W);
    const CrossbarConfig x = c.xbar ? *c.xbar : CrossbarConfig{};
    const bool a = c.xbar.has_value();  // 0 for digital rows
    for (auto [col, v] : {std::pair{&t.xbar_rows, x.rows}, {&t.xbar_cols, x.cols},
                          {&t.xbar_adc_bits, x.adc_bits}, {&t.xbar_dac_bits, x.dac_bits},
                          {&t.xbar_input_bits, x.input_bits}, {&t.xbar_weight_bits, x.weight_bits},
                          {&t.xbar_bits_per_cell, x.bits_per_cell}})
      col->push_back(a ? v : 0.0);
    t.xbar_v_read.push_back(a ? x.v_read_V : 0.0);
    t.xbar_g_on.push_back(a ? x.g_on_S : 0.0);
    t.xbar_g_off.push_back(a ? x.g_off_S : 0.0);
  }
  lut::write(w, t);
}

}  // namespace

RunSummary run_attention(const RunRequest& req) {
  const auto t_start = Clock::now();
  refuse_directory({"--model", req.model_file});
  refuse_directory({"--out", req.out_file});
  refuse_output_over_input({"--out", req.out_file},
                           {{"--model", req.model_file}, {"--config", req.config_file.value_or("")}});
  RunSummary s;
  Configured c = configure(req, s);
  const auto t0 = Clock::now();
  const ModelFile mf = load_model_file(req.model_file);
  s.timing.load_s = since(t0);
  calibrate(mf, c, s);
  s.description = c.sch->describe();
  c.sch->check(mf.model, mf.batch);
  const Outputs o = execute(req, mf, c, s);
  summarize(mf, o, c.sch_model != nullptr, s);
  s.counters = c.sch->counters();
  s.timing.total_s = since(t_start);  // the output file's writing not included
  s.table = make_table(s);

  H5Writer w(req.out_file);
  write_header(w, req, c, mf, o, s);
  write_outputs(w, mf, o, s);
  write_results(w, s);
  write_counters(w, s.counters);
  w.commit();
  return s;
}

}  // namespace cimchar::attention
