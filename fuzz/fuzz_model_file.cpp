// libFuzzer target: the model-file reader (src/attention/model, through src/core/h5's reader).
// Structured mutation: the input picks one of a few valid model files (tests/attention/data and a
// small task model cut from models/recall.h5) and a list of edits that a real HDF5 writer applies
// to a copy: delete an object, replace a dataset (any rank, shape, dtype, values including NaN,
// inf and huge declared shapes that take no space on disk), set or delete an attribute (scalars,
// strings, arrays), create an optional dataset. The file stays valid HDF5, so the fuzzer tests
// our validation, not HDF5's parser. An accepted file must describe a consistent model, and the
// exact (ideal) executor must run it to finite outputs.
#include "data_provider.hpp"
#include <hdf5.h>

#include <cmath>
#include <limits>

#include "attention/executor.hpp"
#include "attention/model.hpp"
#include "fuzz_support.hpp"

namespace {

using cimchar::fuzz::invariant_failed;

std::vector<std::string> g_bases;  // file contents

const char* const kAttrNames[] = {
    "format", "format_version", "kind", "d_model", "n_heads", "n_layers", "eps", "residual",
    "norm_first", "out_proj", "activation", "name", "pooling", "fp32_accuracy"};
const char* const kStrings[] = {"cimchar-attention-model", "encoder", "mha", "relu", "gelu",
                                "gelu_tanh", "first", "last", "mean", "", "x"};
const char* const kPaths[] = {
    "/calibration/x", "/calibration/tokens", "/calibration/labels", "/calibration/key_padding_mask",
    "/input/attn_mask", "/input/key_padding_mask", "/input/tokens", "/input/patches", "/input/x",
    "/model/embedding/token", "/model/embedding/position", "/model/embedding/patch/w",
    "/model/embedding/patch/b", "/model/final_norm/weight", "/model/final_norm/bias",
    "/model/layers/1/attn/w_q", "/task/head/w", "/task/head/b", "/task/labels", "/output/y",
    "/output/logits", "/output/y_fp64"};

struct Objects {
  std::vector<std::string> datasets, all;  // `all` includes groups and "/"
};

herr_t visit(hid_t loc, const char* name, const H5L_info_t*, void* op) {
  auto* o = static_cast<Objects*>(op);
  const hid_t id = H5Oopen(loc, name, H5P_DEFAULT);
  if (id < 0) return 0;
  const std::string path = std::string("/") + name;
  if (H5Iget_type(id) == H5I_DATASET) o->datasets.push_back(path);
  o->all.push_back(path);
  H5Oclose(id);
  return 0;
}

template <class T, size_t N>
const T& choose(FuzzedDataProvider& p, const T (&list)[N]) {
  return list[p.ConsumeIntegralInRange<size_t>(0, N - 1)];
}

const std::string& choose_from(FuzzedDataProvider& p, const std::vector<std::string>& list) {
  return list[p.ConsumeIntegralInRange<size_t>(0, list.size() - 1)];
}

double value(FuzzedDataProvider& p) {
  static const double special[] = {0, 1, -1, 0.5, 2, 7, 1e308, -1e308, 5e-324, 1e20,
                                   std::numeric_limits<double>::quiet_NaN(),
                                   std::numeric_limits<double>::infinity(),
                                   -std::numeric_limits<double>::infinity()};
  return p.ConsumeBool() ? choose(p, special) : p.ConsumeFloatingPoint<double>();
}

hsize_t dim(FuzzedDataProvider& p, hsize_t old) {
  const hsize_t options[] = {0, 1, 2, 3, old, old + 1, old > 0 ? old - 1 : 0, 2 * old,
                             hsize_t(1) << 20, hsize_t(1) << 33, hsize_t(1) << 62};
  return choose(p, options);
}

void write_dataset(hid_t file, const std::string& path, FuzzedDataProvider& p,
                   const std::vector<hsize_t>& old) {
  const int rank = p.ConsumeIntegralInRange(0, 4);
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  long double total = 1;
  for (int i = 0; i < rank; ++i) {
    dims[static_cast<size_t>(i)] = dim(p, i < static_cast<int>(old.size()) ? old[static_cast<size_t>(i)] : 1);
    total *= static_cast<long double>(dims[static_cast<size_t>(i)]);
  }
  if (total > 1e18L) return;  // beyond HDF5's own limit on a dataspace
  const hid_t types[] = {H5T_IEEE_F64LE, H5T_IEEE_F32LE, H5T_STD_I64LE, H5T_STD_I32LE, H5T_STD_U8LE};
  const bool strings = p.ConsumeIntegralInRange(0, 9) == 0;
  hid_t type = strings ? H5Tcopy(H5T_C_S1) : H5Tcopy(choose(p, types));
  if (strings) H5Tset_size(type, H5T_VARIABLE);
  const hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims.data(), nullptr);
  const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  const bool big = total > 4096;
  if (big) {  // declared, never written: the file stays small, reading it would not
    std::vector<hsize_t> chunk(dims.size());
    for (size_t i = 0; i < dims.size(); ++i) chunk[i] = std::max<hsize_t>(1, std::min<hsize_t>(dims[i], 16));
    H5Pset_chunk(dcpl, rank, chunk.data());
  }
  const hid_t ds = H5Dcreate2(file, path.c_str(), type, space, lcpl, dcpl, H5P_DEFAULT);
  if (ds >= 0 && !big && !strings && total > 0) {
    std::vector<double> v(static_cast<size_t>(total));
    const double fill = value(p);
    for (auto& x : v) x = p.ConsumeBool() ? value(p) : fill;
    H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  }
  if (ds >= 0) H5Dclose(ds);
  H5Pclose(dcpl);
  H5Pclose(lcpl);
  H5Sclose(space);
  H5Tclose(type);
}

void replace_dataset(hid_t file, const std::string& path, FuzzedDataProvider& p) {
  std::vector<hsize_t> old;
  if (const hid_t ds = H5Dopen2(file, path.c_str(), H5P_DEFAULT); ds >= 0) {
    const hid_t s = H5Dget_space(ds);
    old.resize(static_cast<size_t>(std::max(H5Sget_simple_extent_ndims(s), 0)));
    if (!old.empty()) H5Sget_simple_extent_dims(s, old.data(), nullptr);
    H5Sclose(s);
    H5Dclose(ds);
    H5Ldelete(file, path.c_str(), H5P_DEFAULT);
  }
  write_dataset(file, path, p, old);
}

void set_attribute(hid_t file, const std::string& obj, FuzzedDataProvider& p) {
  const std::string name = choose(p, kAttrNames);
  if (H5Aexists_by_name(file, obj.c_str(), name.c_str(), H5P_DEFAULT) > 0)
    H5Adelete_by_name(file, obj.c_str(), name.c_str(), H5P_DEFAULT);
  const int kind = p.ConsumeIntegralInRange(0, 4);  // double, int, vlen string, fixed string, array
  const hsize_t n = kind == 4 ? p.ConsumeIntegralInRange<hsize_t>(0, 4) : 1;
  const hid_t space = kind == 4 ? H5Screate_simple(1, &n, nullptr) : H5Screate(H5S_SCALAR);
  std::string s = p.ConsumeBool() ? choose(p, kStrings) : p.ConsumeRandomLengthString(16);
  hid_t type = -1;
  if (kind == 0 || kind == 4) type = H5Tcopy(H5T_IEEE_F64LE);
  if (kind == 1) type = H5Tcopy(H5T_STD_I64LE);
  if (kind == 2 || kind == 3) {
    type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, kind == 2 ? H5T_VARIABLE : std::max<size_t>(1, s.size()));
  }
  const hid_t a = H5Acreate_by_name(file, obj.c_str(), name.c_str(), type, space, H5P_DEFAULT,
                                    H5P_DEFAULT, H5P_DEFAULT);
  if (a >= 0) {
    if (kind == 0 || kind == 4) {
      std::vector<double> v(std::max<hsize_t>(n, 1));
      for (auto& x : v) x = value(p);
      H5Awrite(a, H5T_NATIVE_DOUBLE, v.data());
    } else if (kind == 1) {
      const long long v = p.ConsumeIntegral<long long>();
      H5Awrite(a, H5T_NATIVE_LLONG, &v);
    } else if (kind == 2) {
      const char* c = s.c_str();
      H5Awrite(a, type, &c);
    } else {
      s.resize(std::max<size_t>(1, s.size()));
      H5Awrite(a, type, s.data());
    }
    H5Aclose(a);
  }
  H5Tclose(type);
  H5Sclose(space);
}

void mutate(hid_t file, FuzzedDataProvider& p) {
  Objects o;
  o.all.push_back("/");
  H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, visit, &o);
  const int edits = p.ConsumeIntegralInRange(0, 6);
  for (int e = 0; e < edits && p.remaining_bytes() > 0; ++e) {
    switch (p.ConsumeIntegralInRange(0, 4)) {
      case 0:
        if (o.all.size() > 1) H5Ldelete(file, choose_from(p, o.all).c_str(), H5P_DEFAULT);
        break;
      case 1:
        if (!o.datasets.empty()) replace_dataset(file, choose_from(p, o.datasets), p);
        break;
      case 2: set_attribute(file, choose_from(p, o.all), p); break;
      case 3: {
        const std::string obj = choose_from(p, o.all), name = choose(p, kAttrNames);
        if (H5Aexists_by_name(file, obj.c_str(), name.c_str(), H5P_DEFAULT) > 0)
          H5Adelete_by_name(file, obj.c_str(), name.c_str(), H5P_DEFAULT);
        break;
      }
      case 4: replace_dataset(file, choose(p, kPaths), p); break;
    }
  }
}

void expect(bool ok, const std::string& what) {
  if (!ok) invariant_failed("accepted model file: " + what);
}

// What the executor and the schemes rely on, for a file the reader accepted.
void check_consistent(const cimchar::attention::ModelFile& mf) {
  using namespace cimchar::attention;
  const Model& m = mf.model;
  const auto d = m.d_model;
  expect(d > 0 && !m.layers.empty(), "d_model or layers");
  for (const auto& l : m.layers) {
    expect(l.attn.n_heads > 0 && d % l.attn.n_heads == 0, "n_heads divides d_model");
    for (const Mat* w : {&l.attn.w_q, &l.attn.w_k, &l.attn.w_v})
      expect(w->rows() == d && w->cols() == d, "attention weight shape");
    if (l.ffn) expect(l.ffn->w1.cols() == d && l.ffn->w2.rows() == d &&
                          l.ffn->w2.cols() == l.ffn->w1.rows(), "ffn shapes");
  }
  for (const Batch* b : {&mf.batch, mf.calibration ? &*mf.calibration : nullptr}) {
    if (!b) continue;
    expect(b->size() > 0 && b->seq > 0, "batch size");
    for (const auto& x : b->x) expect(x.rows() == b->seq && x.cols() == d && x.allFinite(), "input shape");
    expect(b->key_padding.empty() || b->key_padding.size() == b->x.size(), "key padding count");
    const size_t H = static_cast<size_t>(m.n_heads());
    expect(b->attn_mask.size() <= 1 || b->attn_mask.size() == b->x.size() * H, "mask count");
  }
  for (const auto& y : mf.reference.y)
    expect(y.rows() == mf.batch.seq && y.cols() == d, "reference output shape");
  if (mf.task) {
    expect(mf.task->labels.size() == mf.batch.x.size(), "label count");
    for (int c : mf.task->labels) expect(c >= 0 && c < mf.task->w.rows(), "label range");
    expect(mf.calibration_labels.empty() || mf.calibration, "calibration labels without a split");
  }
}

// The exact executor on the first held-out sequence: finite outputs of the right shape.
void run_ideal(const cimchar::attention::ModelFile& mf) {
  using namespace cimchar::attention;
  IdealBackend backend;
  SoftmaxCore core;
  Executor ex(mf.model, backend, core);
  const Mat y = ex.run_sequence(mf.batch, 0);
  expect(y.rows() == mf.batch.seq && y.cols() == mf.model.d_model, "executor output shape");
  if (mf.task) {
    const Vec z = mf.task->logits(y, mf.batch.key_padding.empty() ? nullptr : &mf.batch.key_padding[0]);
    expect(z.size() == mf.task->w.rows(), "logit count");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const auto src = cimchar::fuzz::source_dir();
  for (const char* f : {"tests/attention/data/mha_d8_h1_s1.h5",
                        "tests/attention/data/layer_gelu_pre_d20_h5_s7_pad.h5",
                        "tests/attention/data/mha_seq_first_d24_h3_s9_pad.h5",
                        "fuzz/bases/task_tiny.h5"})
    g_bases.push_back(cimchar::fuzz::read_file(src / f));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cimchar;
  FuzzedDataProvider p(data, size);
  const std::string& base = g_bases[p.ConsumeIntegralInRange<size_t>(0, g_bases.size() - 1)];
  const auto path = fuzz::write_scratch("model.h5", base);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (file < 0) invariant_failed("cannot open the base model copy");
  mutate(file, p);
  H5Fclose(file);
  attention::ModelFile mf;
  if (!fuzz::accepts([&] { mf = attention::load_model_file(path); })) return 0;
  check_consistent(mf);
  run_ideal(mf);
  return 0;
}
