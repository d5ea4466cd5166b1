// "Did you mean": the closest of a set of names to what the user typed (edit distance).
#pragma once

#include <string>
#include <vector>

namespace cimchar {

// The candidate nearest to `typed` (Levenshtein distance, case-sensitive) when it is within
// max(2, typed.size() / 3) edits, else "".
std::string closest_name(const std::string& typed, const std::vector<std::string>& candidates);

}  // namespace cimchar
