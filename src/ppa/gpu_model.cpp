// GPU baseline (gpu_model.hpp).
#include "ppa/gpu_model.hpp"

#include <algorithm>
#include <cmath>

namespace cimchar::ppa {

double kernel_time_s(const GpuCard& g, KernelClass c, const GpuKernel& k) {
  const double compute = c == KernelClass::gemm ? g.peak_flops.value * g.gemm_fraction.value
                                                : g.vector_flops.value * g.vector_fraction.value;
  const double memory = g.bandwidth_Bps.value * g.memory_fraction.value;
  return std::max(k.flops / compute, k.bytes / memory);
}

namespace {

bool shape_matches(const GpuMeasured& m, const GpuShape& s) {
  return m.batch == s.batch && m.seq == s.seq && m.d_model == s.d_model && m.heads == s.heads &&
         m.d_ff == s.d_ff;
}

}  // namespace

GpuBaseline gpu_baseline(const GpuCard& g, const GpuShape& s) {
  GpuBaseline r;
  r.name = g.name;
  r.basis = "roofline";
  const double bpe = g.bytes_per_element.value, B = s.batch, S = s.seq, d = s.d_model,
               H = s.heads, dh = d / H, dff = s.d_ff;
  auto run = [&](KernelClass c, double flops, double elements, bool core) {
    const GpuKernel k{flops, elements * bpe};
    const double t = kernel_time_s(g, c, k);
    const double t_launch = std::max(t, g.launch_interval_s.value);
    r.flops += k.flops;
    r.bytes += k.bytes;
    r.time_s += t;
    r.time_launch_s += t_launch;
    if (core) r.core_time_s += t, r.core_time_launch_s += t_launch;
  };
  for (int layer = 0; layer < s.layers; ++layer) {
    for (int p = 0; p < s.projections; ++p)
      run(KernelClass::gemm, 2 * B * S * d * d, d * d + 2 * B * S * d, false);
    for (int f = 0; dff > 0 && f < 2; ++f)
      run(KernelClass::gemm, 2 * B * S * d * dff, d * dff + B * S * (d + dff), false);
    run(KernelClass::gemm, 2 * B * H * S * S * dh, B * H * (2 * S * dh + S * S), true);
    // max, exp, sum, divide: about 5 FLOPs a score; read and write the scores.
    run(KernelClass::vector, 5 * B * H * S * S, 2 * B * H * S * S, true);
    run(KernelClass::gemm, 2 * B * H * S * S * dh, B * H * (S * S + 2 * S * dh), true);
  }
  if (g.measured && shape_matches(*g.measured, s)) {
    r.time_s = r.time_launch_s = g.measured->time_s.value * s.layers;
    r.basis = "measured (" + g.measured->time_s.source + ")";
  }
  r.energy_J = g.board_power_W.value * r.time_s;
  r.core_energy_J = g.board_power_W.value * r.core_time_s;
  return r;
}

}  // namespace cimchar::ppa
