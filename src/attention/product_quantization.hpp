// Product quantization of key vectors (Jégou, Douze, Schmid, "Product quantization for nearest
// neighbor search", IEEE TPAMI 2011): the d-dimensional keys are split into `subspaces`
// sub-vectors, each replaced by the nearest of `centroids` centroids found by k-means (k-means++
// seeding, Arthur & Vassilvitskii, SODA 2007; Lloyd iterations). A query's relevance to a key is
// then the sum over subspaces of the query sub-vector's dot product with the key's centroid,
// which HARDSEA computes in ReRAM against the stored centroids. Dimensionless.
#pragma once

#include <random>
#include <vector>

#include "attention/model.hpp"

namespace cimchar::attention {

struct PqCodebook {
  int subspaces = 0;
  std::vector<Mat> centroids;             // per subspace [c, d / subspaces]
  std::vector<std::vector<int>> codes;    // per subspace, per key: centroid index
};

// keys [n, d]; d must be a multiple of subspaces. c is clipped to n.
PqCodebook pq_train(const Mat& keys, int subspaces, int centroids, int iterations,
                    std::mt19937_64& rng);

}  // namespace cimchar::attention
