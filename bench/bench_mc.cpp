// Monte Carlo throughput: samples per second with 1 and 2 workers, alterparam on one loaded
// circuit vs re-parsing a netlist per sample. Case: the Stanford/ASU static cell read (op)
// with the gap drawn per sample, and a 16x16 resistive crossbar with every conductance drawn.
// Run: build/bench/bench_mc [samples]   (results recorded in bench/RESULTS.md)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "core/units.hpp"
#include "core/build_info.hpp"
#include "core/param_table.hpp"
#include "flows/monte_carlo.hpp"

using namespace cimchar;
using Clock = std::chrono::steady_clock;

namespace {

flows::McSpec cell_spec(const ParamTable& card, size_t n) {
  flows::McSpec s;
  s.name = "mc cell";
  s.params = {"gapv"};
  s.nominal = {1.0e-9};
  const std::string lib = card.lib_path().string(), inst = card.render_instance_params();
  s.render = [lib, inst](const std::vector<double>& v) {
    return "mc cell\n.include " + lib + "\n.param gapv=" + netlist_number(v[0]) +
           "\nvr te 0 0.1\nx1 te 0 rram_stanford_static " + inst + " gap={gapv}\n.end\n";
  };
  s.commands = {"op"};
  s.vectors = {"i(vr)"};
  s.samples = n;
  s.draw = [](size_t, std::mt19937_64& rng) {
    std::normal_distribution<double> g(1.0e-9, 0.05e-9);
    return std::vector<double>{g(rng)};
  };
  return s;
}

flows::McSpec xbar_spec(size_t n, int N) {
  flows::McSpec s;
  s.name = "mc xbar";
  for (int r = 0; r < N; ++r)
    for (int c = 0; c < N; ++c) {
      std::string name = "g";
      name += std::to_string(r);
      name += '_';
      name += std::to_string(c);
      s.params.push_back(name);
      s.nominal.push_back(50e-6);
    }
  s.render = [N, names = s.params](const std::vector<double>& v) {
    std::string t = "mc xbar\n";
    for (size_t k = 0; k < v.size(); ++k) t += ".param " + names[k] + "=" + netlist_number(v[k]) + "\n";
    for (int r = 0; r < N; ++r) {
      t += "vr" + std::to_string(r) + " d" + std::to_string(r) + " 0 0.1\n";
      for (int c = 0; c < N; ++c) {
        // rows and columns as wire chains of 2.5 ohm segments, cells as {1/g} resistors
        const std::string rn = "r" + std::to_string(r) + "_" + std::to_string(c);
        const std::string cn = "c" + std::to_string(r) + "_" + std::to_string(c);
        t += "rw" + rn + " " + (c == 0 ? "d" + std::to_string(r) : "r" + std::to_string(r) + "_" + std::to_string(c - 1)) + " " + rn + " 2.5\n";
        t += "rc" + cn + " " + rn + " " + cn + " {1/" + names[static_cast<size_t>(r * N + c)] + "}\n";
        t += "rb" + cn + " " + cn + " " + (r == N - 1 ? "s" + std::to_string(c) : "c" + std::to_string(r + 1) + "_" + std::to_string(c)) + " 2.5\n";
      }
    }
    for (int c = 0; c < N; ++c) t += "vs" + std::to_string(c) + " s" + std::to_string(c) + " 0 0\n";
    return t + ".end\n";
  };
  s.commands = {"op"};
  s.vectors = {"i(vs0)"};
  s.samples = n;
  s.draw = [count = s.params.size()](size_t, std::mt19937_64& rng) {
    std::uniform_real_distribution<double> g(10e-6, 100e-6);
    std::vector<double> v(count);
    for (auto& x : v) x = g(rng);
    return v;
  };
  return s;
}
}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? static_cast<size_t>(std::atoi(argv[1])) : 400;
  ParamTable card = ParamTable::load_card(std::string(CIMCHAR_SOURCE_DIR_STRING) + "/devices/stanford_asu.toml");
  std::printf("%-14s %-8s %12s %12s %8s\n", "case", "mode", "1 worker/s", "2 workers/s", "2w/1w");
  for (int kase = 0; kase < 2; ++kase) {
    const size_t ns = kase == 0 ? n : n / 8;
    double alter1 = 0;
    for (bool reparse : {false, true}) {
      double rate[3] = {};
      for (int w : {1, 2}) {
        spice::PoolOptions o;
        o.workers = w;
        o.progress = false;
        spice::WorkerPool pool(o);
        auto spec = kase == 0 ? cell_spec(card, ns) : xbar_spec(ns, 16);
        spec.reparse = reparse;
        spec.samples_per_job = 32;
        auto t0 = Clock::now();
        auto r = flows::run_monte_carlo(pool, spec, "", false);
        rate[w] = static_cast<double>(ns) / std::chrono::duration<double>(Clock::now() - t0).count();
        size_t failed = 0;
        for (auto f : r.failed) failed += static_cast<size_t>(f);
        if (failed) std::fprintf(stderr, "%zu samples failed: %s\n", failed, r.messages[0].c_str());
      }
      if (!reparse) alter1 = rate[1];
      std::printf("%-14s %-8s %12.0f %12.0f %8.2f", kase == 0 ? "cell read" : "xbar 16x16",
                  reparse ? "reparse" : "alter", rate[1], rate[2], rate[2] / rate[1]);
      if (reparse) std::printf("   alter/reparse (1 worker) = %.2f", alter1 / rate[1]);
      std::printf("\n");
    }
  }
  return 0;
}
