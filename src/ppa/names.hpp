// Names of the PPA roll-up's stages, energy parts and area parts: one definition for the roll-up,
// the printed table, ppa.h5 and the tests (docs/ppa.md, docs/results-format.md).
#pragma once

#include <array>

namespace cimchar::ppa {

inline constexpr const char* kStageProj = "proj";
inline constexpr const char* kStageKvWrite = "kv_write";
inline constexpr const char* kStageScore = "score";
inline constexpr const char* kStageSoftmax = "softmax";
inline constexpr const char* kStageValue = "value";
inline constexpr const char* kStageOutProj = "out_proj";
inline constexpr const char* kStageFfn = "ffn";
// In a layer's order.
inline constexpr std::array<const char*, 7> kStages{kStageProj,  kStageKvWrite, kStageScore,
                                                    kStageSoftmax, kStageValue, kStageOutProj,
                                                    kStageFfn};

inline constexpr const char* kEXbarRead = "xbar_read";
inline constexpr const char* kEXbarWrite = "xbar_write";
inline constexpr const char* kEDac = "dac";
inline constexpr const char* kEAdc = "adc";
inline constexpr const char* kEComparator = "comparator";
inline constexpr const char* kEShiftAdd = "shift_add";
inline constexpr const char* kEDigitalMac = "digital_mac";
inline constexpr const char* kESoftmax = "softmax";
inline constexpr const char* kESelect = "select";
inline constexpr const char* kEBuffer = "buffer";
inline constexpr const char* kEInterconnect = "interconnect";
inline constexpr std::array<const char*, 11> kEnergyParts{
    kEXbarRead, kEXbarWrite, kEDac,    kEAdc,    kEComparator,  kEShiftAdd,
    kEDigitalMac, kESoftmax, kESelect, kEBuffer, kEInterconnect};

inline constexpr const char* kAArrays = "arrays";
inline constexpr const char* kAAdc = "adc";
inline constexpr const char* kADecision = "decision";  // WTA / threshold comparators
inline constexpr const char* kADac = "dac";
inline constexpr const char* kADigital = "digital";
inline constexpr const char* kABuffer = "buffer";
inline constexpr std::array<const char*, 6> kAreaParts{kAArrays,  kAAdc,     kADecision,
                                                       kADac,     kADigital, kABuffer};

// The K/V arrays as a pipeline resource (architecture.hpp).
inline constexpr const char* kKvArrays = "kv_arrays";

}  // namespace cimchar::ppa
