// Batch prediction of the tree ensemble. Rows go in blocks; within a block
// each tree is walked for several rows in lockstep for a fixed number of
// steps (its depth), so the loads of independent rows overlap and the loop
// has no data-dependent branch (a leaf is a fixed point of the step); the
// next tree is prefetched meanwhile.
// Rows must be finite (the Python layer checks).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "evonas/parallel.hpp"
#include "evonas/surrogate.hpp"

namespace evonas {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::size_t kLanes = 8;   // rows walked together
constexpr std::size_t kBlock = 512;  // rows per block: each tree is reused by all of them

void prefetch(const void* p) {
#if defined(__GNUC__)
  __builtin_prefetch(p);
#else
  (void)p;
#endif
}

std::uint64_t sign_bit(double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits >> 63;
}

[[noreturn]] void malformed(const std::string& what) {
  throw std::invalid_argument("malformed forest: " + what);
}

// Checks the table and returns each tree's depth (an upper bound on the
// steps from its root to any leaf).
std::vector<std::size_t> tree_depths(const ForestView& f) {
  const std::size_t n_nodes = f.n_nodes;
  if (f.n_features == 0) malformed("n_features must be >= 1");
  if (f.n_trees == 0 || f.tree_offset[0] != 0 || f.tree_offset[f.n_trees] != static_cast<std::int64_t>(n_nodes))
    malformed("tree_offset must run from 0 to the node count, with at least one tree");
  std::vector<std::size_t> depth(n_nodes, 0), result(f.n_trees, 0);
  for (std::size_t t = 0; t < f.n_trees; ++t) {
    const std::int64_t lo = f.tree_offset[t], hi = f.tree_offset[t + 1];
    if (hi <= lo) malformed("every tree needs at least one node");
    // Children follow their parents, so one forward pass bounds every path.
    for (auto i = static_cast<std::size_t>(lo); i < static_cast<std::size_t>(hi); ++i) {
      const std::int64_t r = f.right[i];
      if (r == static_cast<std::int64_t>(i)) {
        if (f.threshold[i] != -kInf || f.feature[i] != 0 || !std::isfinite(f.value[i]))
          malformed("a leaf needs feature 0, threshold -inf and a finite value");
        result[t] = std::max(result[t], depth[i]);
        continue;
      }
      if (r <= static_cast<std::int64_t>(i) + 1 || r >= hi || f.feature[i] < 0 ||
          static_cast<std::size_t>(f.feature[i]) >= f.n_features || !std::isfinite(f.threshold[i]))
        malformed("node " + std::to_string(i) + " has an invalid child, feature or threshold");
      depth[i + 1] = std::max(depth[i + 1], depth[i] + 1);
      depth[static_cast<std::size_t>(r)] = std::max(depth[static_cast<std::size_t>(r)], depth[i] + 1);
    }
  }
  return result;
}

// A node as one 16-byte record: a descent step touches a single cache line.
struct Packed {
  double threshold;
  std::int32_t feature, right;
};
constexpr std::size_t kPerLine = 64 / sizeof(Packed);  // nodes per cache line

void predict_block(const ForestView& f, const std::vector<Packed>& nodes, const std::vector<std::size_t>& depths,
                   const double* X, std::size_t rows, double* mean, double* std) {
  const std::size_t d = f.n_features, n_trees = depths.size();
  const Packed* table = nodes.data();
  // Shifted sums (by tree 0's value) keep the variance exact when trees agree.
  std::array<double, kBlock> first{}, sum{}, sum2{};
  for (std::size_t t = 0; t < n_trees; ++t) {
    const auto root = static_cast<std::int32_t>(f.tree_offset[t]);
    // The next tree (nodes and values) streams in while this one is walked: a
    // forest is larger than L2, and fetching a tree on demand costs as much
    // as walking it.
    const std::size_t next_lo = t + 1 < n_trees ? static_cast<std::size_t>(f.tree_offset[t + 1]) : 0;
    const std::size_t next_hi = t + 1 < n_trees ? static_cast<std::size_t>(f.tree_offset[t + 2]) : 0;
    const std::size_t groups = (rows + kLanes - 1) / kLanes;
    const std::size_t per_group = (next_hi - next_lo + groups - 1) / groups;
    std::size_t fetch = next_lo;
    for (std::size_t g = 0; g < rows; g += kLanes) {
      for (const std::size_t end = std::min(next_hi, fetch + per_group); fetch < end; fetch += kPerLine) {
        prefetch(table + fetch);
        prefetch(f.value + fetch);  // leaf values: 8 a line, so every line is asked for
      }
      std::array<const double*, kLanes> x;
      for (std::size_t k = 0; k < kLanes; ++k) x[k] = X + std::min(g + k, rows - 1) * d;
      std::array<std::int32_t, kLanes> node;
      node.fill(root);
      for (std::size_t step = 0; step < depths[t]; ++step)
        for (std::size_t k = 0; k < kLanes; ++k) {
          // x <= thr as the sign bit of thr - x (X is finite; a leaf's -inf
          // sends it to itself): compilers turn a comparison into a branch
          // here, a coin flip the CPU mispredicts.
          const std::int32_t i = node[k];
          const Packed& p = table[i];
          const auto left = static_cast<std::int32_t>(1 - sign_bit(p.threshold - x[k][p.feature]));
          node[k] = p.right + left * (i + 1 - p.right);
        }
      const std::size_t lanes = std::min(kLanes, rows - g);
      for (std::size_t k = 0; k < lanes; ++k) {
        const double v = f.value[node[k]];
        if (t == 0) {
          first[g + k] = v;
        } else {
          const double dv = v - first[g + k];
          sum[g + k] += dv;
          sum2[g + k] += dv * dv;
        }
      }
    }
  }
  const auto T = static_cast<double>(n_trees);
  for (std::size_t r = 0; r < rows; ++r) {
    const double shift = sum[r] / T;
    mean[r] = first[r] + shift;
    std[r] = std::sqrt(std::max(0.0, sum2[r] / T - shift * shift));
  }
}

}  // namespace

void check_forest(const ForestView& forest) { tree_depths(forest); }

void predict_forest(const ForestView& forest, const double* X, std::size_t n, double* mean, double* std,
                    int n_threads) {
  const std::vector<std::size_t> depths = tree_depths(forest);
  std::vector<Packed> nodes(forest.n_nodes);
  for (std::size_t i = 0; i < forest.n_nodes; ++i)
    nodes[i] = {forest.threshold[i], forest.feature[i], forest.right[i]};
  const std::size_t n_blocks = (n + kBlock - 1) / kBlock;
  // A block costs ~n_trees * depth * kBlock steps: enough to be worth a thread.
  parallel_for(n_blocks, n_threads, 1, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t b = lo; b < hi; ++b) {
      const std::size_t begin = b * kBlock, rows = std::min(kBlock, n - begin);
      predict_block(forest, nodes, depths, X + begin * forest.n_features, rows, mean + begin, std + begin);
    }
  });
}

}  // namespace evonas
