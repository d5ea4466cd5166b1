// The seam between the attention executor and the hardware model: every matrix product that a
// CIM accelerator maps to crossbars is made by a MatmulBackend. A product is y = x W^T with the
// stored operand W [out, in] (the array holds W^T: `in` rows driven by x, `out` columns read
// out). Static weights (Q/K/V/O projections, FFN) are programmed once per model; the scores
// product stores K (y = Q K^T) and the context product stores V^T (y = P V), written again
// for every sequence and head.
#pragma once

#include <memory>
#include <string>

#include "attention/model.hpp"
#include "attention/parallel_product.hpp"

namespace cimchar::attention {

enum class Product { q_proj, k_proj, v_proj, o_proj, ffn1, ffn2, scores, context };
constexpr int kProductCount = 8;
const char* product_name(Product p);
// Products whose stored operand is a weight (programmed once) rather than an activation.
inline bool is_static(Product p) { return p != Product::scores && p != Product::context; }

class Matmul {
 public:
  virtual ~Matmul() = default;
  // Writes the stored operand W [out, in].
  virtual void program(const Mat& w) = 0;
  // x [n, in] -> x W^T [n, out]. Not const: nonideal models draw noise and count reads.
  virtual Mat apply(const Mat& x) = 0;
};

// Which product unit: static products have batch = head = -1; dynamic ones name the sequence
// and head whose K or V they store. Backends derive their random streams from it, so results
// do not depend on the order units are made in.
struct UnitId {
  Product product = Product::q_proj;
  int layer = 0;
  int batch = -1;
  int head = -1;
};

class MatmulBackend {
 public:
  virtual ~MatmulBackend() = default;
  // A new, unprogrammed product unit.
  virtual std::unique_ptr<Matmul> make(const UnitId& id) = 0;
};

// Exact floating-point products (the `ideal` scheme, and digital products in hybrid schemes).
class IdealMatmul final : public Matmul {
 public:
  void program(const Mat& w) override { w_ = w; }
  Mat apply(const Mat& x) override { return parallel_product(x, w_.transpose()); }

 private:
  Mat w_;
};

class IdealBackend final : public MatmulBackend {
 public:
  std::unique_ptr<Matmul> make(const UnitId&) override { return std::make_unique<IdealMatmul>(); }
};

}  // namespace cimchar::attention
