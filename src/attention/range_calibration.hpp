// ADC range calibration (docs/schemes.md, "Calibration"): the full scale of every crossbar's
// ADCs, per product, set from the column currents its arrays carry on the calibration split
// (never the held-out set), as an accelerator sets its ADC references on data. A full scale
// given in the config is never calibrated.
#pragma once

#include <vector>

#include "attention/scheme.hpp"

namespace cimchar::attention {

// Calibration sequences read per read for the ranges (the largest column current is a maximum
// over reads x columns; more sequences raise it little and cost a per-read run each).
inline constexpr int kRangeSequences = 32;

// The rule: the smallest full scale that covers the calibration split's largest read (a
// fraction of a full tile's current), with no headroom; kept in (0, 10].
double covering_full_scale(double peak_fraction);

// Runs `probe` (a scheme made from the same config and seed as `target`: the same chip, its own
// counters) on the first `max_sequences` sequences of `calibration` with every crossbar whose
// ADC range the config leaves open recording its reads, then sets the ranges on `target` and
// on `also` (ir_drop = "both": the compact-model twin) when not null. Returns one value per
// crossbar and analog product (`<crossbar>.adc_full_scale.<product>`), or one per crossbar
// with its configured or default value. `calibration` null (no split) or `probe` null (nothing
// to calibrate): the configured or default values stand.
std::vector<ChosenValue> calibrate_adc_ranges(const Model& model, const Batch* calibration,
                                              Scheme* probe, Scheme& target, Scheme* also,
                                              int max_sequences = kRangeSequences);

// Whether any crossbar of `s` has an ADC whose range the config leaves open.
bool needs_adc_ranges(Scheme& s);

}  // namespace cimchar::attention
