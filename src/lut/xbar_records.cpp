#include "lut/xbar_records.hpp"

#include "core/error.hpp"

namespace cimchar::lut {

void IrDropLut::fields(Visitor& v) {
  v.axis("size", size, "1", "array size N (N rows x N columns)");
  v.axis("r_wire", r_wire, "ohm", "wire resistance per cell segment, word and bit lines");
  v.axis("distribution", distribution, "1", "conductance distribution index (names: `distributions`)");
  v.axis("activity", activity, "1", "fraction of rows driven at v_read_V (the others at 0 V)");
  v.axis("g_on", g_on, "S",
         "on-conductance; the distribution spans [g_off_over_g_on g_on, g_on] (uniform) or is "
         "on/off at those two values (binary)");
  v.axis("position", position, "1", "column position bin centre as a fraction of N (0 = driver end)");
#define CIMCHAR_IR_DIMS {"size", "r_wire", "distribution", "activity", "g_on", "position"}
  v.var("ratio", ratio, CIMCHAR_IR_DIMS, "1",
        "mean I/I_ideal over the trials and the columns in the position bin (native solver)");
  v.var("ratio_model", ratio_model, CIMCHAR_IR_DIMS, "1", "the same from the compact model (model/theta)");
#undef CIMCHAR_IR_DIMS
  v.scalar("g_off_over_g_on", g_off_over_g_on, "1", "off-conductance as a fraction of g_on");
  v.scalar("p_on", p_on, "1", "probability of an on cell (binary distribution)");
  v.scalar("v_read_V", v_read_V, "V", "read voltage of a driven row");
  v.scalar("r_driver_ohm", r_driver_ohm, "ohm", "row driver resistance");
  v.scalar("r_sense_ohm", r_sense_ohm, "ohm", "column sense resistance");
  v.text("distributions", distributions, "comma-separated names of the distribution indices");
  v.text("cell", cell, "the cell's I-V (linear, or the device card's)");
}

void IrDropLut::validate(const std::string& file) const {
  for (double r : ratio)
    if (!(r > 0 && r <= 1 + 1e-9))
      throw InputError(file + ": " + kGroup + "/ratio holds a value outside (0, 1]");
}

void IrDropModelLut::fields(Visitor& v) {
  v.axis("term", term, "1", "index k of the basis function phi_k (names: `basis`)");
  v.var("theta", theta, {"term"}, "1", "model coefficients theta_k");
  v.text("basis", basis, "comma-separated basis functions phi_k");
  v.text("form", form, "the model's formula");
  struct S { const char* name; double* x; const char* what; };
  for (const S& s : {S{"rel_err_vs_native_max", &rel_err_vs_native_max, "max abs(I_model/I_native - 1), every column of every array"},
                     S{"rel_err_vs_native_rms", &rel_err_vs_native_rms, "its rms"},
                     S{"rel_err_vs_native_bins_max", &rel_err_vs_native_bins_max, "max abs(ratio_model/ratio - 1) over the LUT bins"},
                     S{"rel_err_vs_native_bins_rms", &rel_err_vs_native_bins_rms, "its rms"},
                     S{"rel_err_vs_ngspice_max", &rel_err_vs_ngspice_max, "max abs(I_model/I_ngspice - 1) (arrays checked in ngspice)"},
                     S{"rel_err_vs_ngspice_rms", &rel_err_vs_ngspice_rms, "its rms"},
                     S{"theory_rel_err_vs_native_max", &theory_rel_err_vs_native_max, "max error of the mean-field theory alone (theta = 1,1,0,0,0)"},
                     S{"theory_rel_err_vs_native_rms", &theory_rel_err_vs_native_rms, "its rms"},
                     S{"native_vs_ngspice_max", &native_vs_ngspice_max, "max abs(I_native/I_ngspice - 1)"},
                     S{"native_vs_ngspice_rms", &native_vs_ngspice_rms, "its rms"}})
    v.scalar(s.name, *s.x, "1", s.what);
}

}  // namespace cimchar::lut
