// What a scheme's hardware needs, declared by the scheme (src/attention) and read by the PPA
// roll-up (src/ppa), which costs the traits and never the scheme's name (docs/ppa.md, "Scheme
// traits"). One definition of the counter-row names and the trait values for both sides.
#pragma once

#include <string>
#include <vector>

namespace cimchar {

class H5Writer;
class H5Reader;

// Counter rows of attention.h5 /counters/products.
namespace rows {
inline constexpr const char* kQProj = "q_proj";
inline constexpr const char* kKProj = "k_proj";
inline constexpr const char* kVProj = "v_proj";
inline constexpr const char* kOProj = "o_proj";
inline constexpr const char* kFfn1 = "ffn1";
inline constexpr const char* kFfn2 = "ffn2";
inline constexpr const char* kScores = "scores";
inline constexpr const char* kContext = "context";
inline constexpr const char* kApproxScores = "approx_scores";
inline constexpr const char* kDigitalScores = "digital_scores";
inline constexpr const char* kDigitalContext = "digital_context";
}  // namespace rows

namespace traits {
// softmax
inline constexpr const char* kSoftmaxDigital = "digital";         // exp polynomial in MAC units
inline constexpr const char* kSoftmaxInMemoryLut = "in_memory_lut";  // crossbar LUT (STAR, Attar)
// selector: how the kept keys are chosen
inline constexpr const char* kSelectNone = "none";
inline constexpr const char* kSelectDigitalTopK = "digital_topk";  // a compare per candidate
inline constexpr const char* kSelectWta = "wta";                    // analog k-WTA race per query
inline constexpr const char* kSelectThreshold = "threshold";        // comparator per key
// pipeline of the attention core
inline constexpr const char* kPipelineLayer = "layer";  // score, softmax, value one after another
inline constexpr const char* kPipelineFineGrained = "fine_grained";  // query rows stream through
}  // namespace traits

struct SchemeTraits {
  std::string softmax = traits::kSoftmaxDigital;
  std::string selector = traits::kSelectNone;
  std::string select_over;  // counter row whose scores are the candidates (digital_topk)
  std::string pipeline = traits::kPipelineLayer;
  std::vector<std::string> luts;           // characterization LUTs used: "adc", "wta", ...
  std::vector<std::string> digital_units;  // "softmax", "topk", "recompute", ...
};

// Root attributes trait_<field> (lists comma-separated).
void write_scheme_traits(H5Writer& w, const SchemeTraits& t);
// InputError naming the file and the attribute when one is missing or has an unknown value.
SchemeTraits read_scheme_traits(const H5Reader& r, const std::string& file);

}  // namespace cimchar
