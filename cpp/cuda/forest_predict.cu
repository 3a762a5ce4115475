// Surrogate batch prediction on the device: the packed forest's tables
// (evonas/surrogate.hpp) are copied over, every value becomes its integer
// code (1 + #{the feature's thresholds < x}, by binary search), and one
// thread per row walks every tree, summing as PackedForest::predict does
// (shifted by tree 0's value, trees in order), so the results are equal.
#include <thrust/count.h>
#include <thrust/device_vector.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>

#include <cmath>
#include <stdexcept>

#include "evonas/surrogate.hpp"
#include "exec.cuh"

namespace evonas::EVONAS_DEVICE_NS {
namespace {

using Node = PackedForest::Node;
using Coder = PackedForest::Coder;

struct NotFinite {
  EVONAS_HD bool operator()(double x) const { return !(x - x == 0.0); }
};

// codes[e] for cell e of X (row-major n x d).
struct Encode {
  const double* X;
  const Coder* coders;
  const double* sorted;
  const std::uint32_t* start;
  std::uint32_t d;
  std::uint32_t* codes;
  EVONAS_HD void operator()(std::size_t e) const {
    const Coder c = coders[e % d];
    const double x = X[e];
    const double* t = sorted + c.sorted;
    std::size_t lo = 0, hi = start[c.start + c.n_buckets];  // the feature's thresholds
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (t[mid] < x)
        lo = mid + 1;
      else
        hi = mid;
    }
    codes[e] = static_cast<std::uint32_t>(1 + lo);
  }
};

struct Walk {
  const Node* nodes;
  const double* value;
  const std::int64_t* tree_offset;
  std::size_t n_trees, column_stride;
  const std::uint32_t* codes;
  std::uint32_t d;
  double* mean;
  double* std;
  EVONAS_HD void operator()(std::size_t r) const {
    const std::uint32_t* row = codes + r * d;
    double first = 0.0, sum = 0.0, sum2 = 0.0;
    for (std::size_t t = 0; t < n_trees; ++t) {
      std::int64_t i = tree_offset[t];
      for (Node p = nodes[i]; p.rank != 0; p = nodes[i]) {  // rank 0: a leaf
        const std::uint32_t code = row[p.column / column_stride];
        i += 1 + (code <= p.rank ? 0 : p.skip / static_cast<std::int64_t>(sizeof(Node)));
      }
      const double v = value[i];
      if (t == 0) {
        first = v;
      } else {
        const double dv = v - first;
        sum += dv;
        sum2 += dv * dv;
      }
    }
    const auto T = static_cast<double>(n_trees);
    const double shift = sum / T;
    mean[r] = first + shift;
    const double var = sum2 / T - shift * shift;
    std[r] = std::sqrt(var > 0.0 ? var : 0.0);
  }
};

template <class T>
thrust::device_vector<T> upload(const T* host, std::size_t count) {
  return thrust::device_vector<T>(host, host + count);
}

}  // namespace

void forest_predict(const PackedForest& forest, const double* X, std::size_t n, double* mean, double* std,
                    Where where) {
  const DeviceScope scope(where);
  const auto policy = scope.policy();
  if (n == 0) return;
  const PackedForest::View f = forest.view();
  const std::size_t cells = n * f.n_features;
  const auto x = thrust::device_pointer_cast(X);
  if (thrust::count_if(policy, x, x + cells, NotFinite{}) > 0) throw std::invalid_argument("X must be finite");
  const auto nodes = upload(f.nodes, f.n_nodes);
  const auto value = upload(f.value, f.n_nodes);
  const auto offset = upload(f.tree_offset, f.n_trees + 1);
  const auto coders = upload(f.coders, f.n_features);
  const auto sorted = upload(f.sorted, f.n_sorted);
  const auto start = upload(f.start, f.n_start);
  thrust::device_vector<std::uint32_t> codes(cells);
  const auto d = static_cast<std::uint32_t>(f.n_features);
  thrust::for_each(policy, thrust::counting_iterator<std::size_t>(0), thrust::counting_iterator<std::size_t>(cells),
                   Encode{X, thrust::raw_pointer_cast(coders.data()), thrust::raw_pointer_cast(sorted.data()),
                          thrust::raw_pointer_cast(start.data()), d, thrust::raw_pointer_cast(codes.data())});
  thrust::for_each(policy, thrust::counting_iterator<std::size_t>(0), thrust::counting_iterator<std::size_t>(n),
                   Walk{thrust::raw_pointer_cast(nodes.data()), thrust::raw_pointer_cast(value.data()),
                        thrust::raw_pointer_cast(offset.data()), f.n_trees, f.column_stride,
                        thrust::raw_pointer_cast(codes.data()), d, mean, std});
  scope.synchronize();
}

}  // namespace evonas::EVONAS_DEVICE_NS
