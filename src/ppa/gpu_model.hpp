// GPU baseline of the PPA roll-up (docs/ppa.md, "GPU baseline"): a per-kernel roofline at the
// achievable fractions of peak the GPU card states, or the card's measured layer time when its
// shape matches the workload. Energy is board power x time: the board power (TDP) already holds
// the HBM's power, so memory traffic carries no energy term of its own (no double count).
#pragma once

#include <string>

#include "ppa/tech_card.hpp"

namespace cimchar::ppa {

// The transformer layer the GPU runs (one shape for every layer).
struct GpuShape {
  double batch = 1, seq = 1, d_model = 0, heads = 1, d_ff = 0;
  int layers = 1, projections = 4;  // projections: how many of q/k/v/o the run has
};

enum class KernelClass { gemm, vector };  // tensor-core GEMM; CUDA-core elementwise (softmax)

struct GpuKernel {
  double flops = 0, bytes = 0;
};

struct GpuBaseline {
  std::string name, basis;  // basis: "roofline" or "measured (<source>)"
  double flops = 0, bytes = 0, time_s = 0, energy_J = 0;
  double core_time_s = 0, core_energy_J = 0;  // Q K^T, softmax, P V kernels only
  // Every kernel at least the card's launch interval (a stream of asynchronous launches from
  // the host): sum of max(kernel time, launch interval); the measured time where it replaces
  // the roofline (a measurement has its launches in it). Equal to time_s without an interval.
  double time_launch_s = 0, core_time_launch_s = 0;
};

// max(FLOPs / (peak x compute fraction), bytes / (bandwidth x memory fraction)).
double kernel_time_s(const GpuCard& g, KernelClass c, const GpuKernel& k);

// The layer's kernels on the card: projections and FFN GEMMs, scores, softmax, context (7 a
// layer with all four projections and the FFN).
GpuBaseline gpu_baseline(const GpuCard& g, const GpuShape& s);

}  // namespace cimchar::ppa
