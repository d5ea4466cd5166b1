// A device card carrying fitted values: the fit's card with each fitted parameter's default
// replaced by the fitted value and its source by the fit's provenance (data file, standard
// error, reduced chi-square, residual RMS), and the subcircuit library made an absolute path
// so that the card works from the output folder. Every stage takes it as `device = "<path>"`.
#pragma once

#include <filesystem>
#include <string>

#include "core/param_table.hpp"
#include "fit/levmar.hpp"

namespace cimchar::fit {

struct CardProvenance {
  std::string data_file;
  std::string created;  // date, as provenance writes it
  std::string git_hash;
};

// The new card's text. FitError if a fitted parameter has no [params.<name>] table in the card.
std::string fitted_card_text(const ParamTable& card, const FitResult& r, const CardProvenance& p);

// Writes the text to path atomically (temporary file in the same folder, then rename).
void write_text_atomic(const std::filesystem::path& path, const std::string& text);

}  // namespace cimchar::fit
