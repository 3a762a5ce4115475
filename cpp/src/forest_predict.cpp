// Batch prediction of the tree ensemble (PackedForest, see surrogate.hpp).
//
// Rows go in blocks of kBlock, a task each. A block is first encoded: each
// value becomes its integer code (a bucket, then a search among the feature's
// thresholds in it; with AVX-512 where the CPU has it, see
// forest_walk_encode.hpp), stored so that a node's feature is a fixed byte
// offset from the start of a group of kLanes rows. Then each tree is walked
// for a group's rows in lockstep: the loads of independent rows overlap, and
// a step has no data-dependent branch (the comparison becomes a sign mask; a
// leaf is a fixed point of the step). A group stops as soon as all its rows
// sit on leaves, instead of walking the tree's full depth. The next tree is
// prefetched meanwhile.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "evonas/parallel.hpp"
#include "evonas/surrogate.hpp"
#include "forest_walk_encode.hpp"

namespace evonas {
namespace {

using namespace forest_walk;
using Node = PackedForest::Node;

constexpr double kInf = std::numeric_limits<double>::infinity();
// Rows per block (and task, ~4 ms for 100 deep trees): each tree and each
// feature's thresholds are reused by all of them (1024 measured faster than 256).
constexpr std::size_t kBlock = 1024;
constexpr std::size_t kSearch = 16;  // values binary-searched together while encoding
constexpr auto kNodeBytes = static_cast<std::int64_t>(sizeof(Node));
// Node::column = feature * kLanes * sizeof(Code) must fit in 32 bits.
constexpr std::size_t kMaxFeatures = std::numeric_limits<std::uint32_t>::max() / (kLanes * sizeof(Code));

void prefetch(const void* p) {
#if defined(__GNUC__)
  __builtin_prefetch(p);
#else
  (void)p;
#endif
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

// The portable EncodeColumn (see forest_walk_encode.hpp). A code is
// start[bucket] plus a branchless binary search over the `width` thresholds
// from there, whose trip count is the same for every value: kSearch of them
// run in lockstep.
void encode_column(const Coder& c, const double* sorted, const std::uint32_t* start, const double* column,
                   std::size_t stride, std::size_t rows, Code* codes, std::size_t group_stride) {
  bool finite = true;
  for (std::size_t r0 = 0; r0 < rows; r0 += kSearch) {
    std::array<double, kSearch> x;
    std::array<std::size_t, kSearch> base;
    for (std::size_t k = 0; k < kSearch; ++k) {
      x[k] = column[std::min(r0 + k, rows - 1) * stride];
      finite &= x[k] - x[k] == 0.0;  // NaN for NaN and infinities
      base[k] = start[bucket(c, x[k])];
    }
    // Invariant: the answer lies in [base, base + n]; each round halves n.
    for (std::size_t n = c.width; n > 1;) {
      const std::size_t half = n / 2;
      for (std::size_t k = 0; k < kSearch; ++k) base[k] = sorted[base[k] + half] < x[k] ? base[k] + half : base[k];
      n -= half;
    }
    const std::size_t lanes = std::min(kSearch, rows - r0);
    for (std::size_t k = 0; k < lanes; ++k)
      codes[code_index(r0 + k, group_stride)] = static_cast<Code>(1 + base[k] + (sorted[base[k]] < x[k] ? 1 : 0));
  }
  if (!finite) throw std::invalid_argument("X must be finite");
}

// The packed forest, as walk_block reads it.
struct Tables {
  const Node* nodes;
  const double* value;
  const std::int64_t* tree_offset;
  const std::size_t* depth;
  std::size_t n_trees;
  std::size_t n_features;
};

// Mean and std over the trees for the rows of one encoded block.
void walk_block(const Tables& f, const Code* codes, std::size_t rows, double* mean, double* std) {
  const char* table = reinterpret_cast<const char*>(f.nodes);
  // Shifted sums (by tree 0's value) keep the variance exact when trees agree.
  std::array<double, kBlock> first{}, sum{}, sum2{};
  const std::size_t groups = (rows + kLanes - 1) / kLanes;
  for (std::size_t t = 0; t < f.n_trees; ++t) {
    const std::int64_t root = f.tree_offset[t] * kNodeBytes;
    // The next tree (nodes and values) streams in while this one is walked:
    // fetching a tree on demand costs as much as walking it.
    const bool last = t + 1 == f.n_trees;
    const auto next_lo = static_cast<std::size_t>(last ? 0 : f.tree_offset[t + 1]);
    const auto next_hi = static_cast<std::size_t>(last ? 0 : f.tree_offset[t + 2]);
    const std::size_t per_group = (next_hi - next_lo + groups - 1) / groups;
    std::size_t fetch = next_lo;
    for (std::size_t g = 0; g < rows; g += kLanes) {
      for (const std::size_t end = std::min(next_hi, fetch + per_group); fetch < end; fetch += 4) {
        prefetch(f.nodes + fetch);  // 4 nodes a cache line
        prefetch(f.value + fetch);  // 8 values a line, so every line is asked for
      }
      const char* x = reinterpret_cast<const char*>(codes + g * f.n_features);
      std::array<const char*, kLanes> node;  // each lane's node
      node.fill(table + root);
      // A step never moves a row back and moves it unless it is on a leaf, so
      // the lanes' addresses keep their sum exactly when all are on leaves.
      std::uintptr_t before = kLanes * reinterpret_cast<std::uintptr_t>(table + root);
      for (std::size_t step = 0; step < f.depth[t]; ++step) {
        std::uintptr_t after = 0;
        for (std::size_t k = 0; k < kLanes; ++k) {
          const Node& p = *reinterpret_cast<const Node*>(node[k]);
          Code code;
          std::memcpy(&code, x + p.column + k * sizeof(Code), sizeof code);
          // code <= rank as the sign of rank - code: compilers turn a
          // comparison into a branch here, a coin flip the CPU mispredicts.
          const std::int64_t go_right = (static_cast<std::int64_t>(p.rank) - static_cast<std::int64_t>(code)) >> 63;
          node[k] += kNodeBytes + (p.skip & go_right);
          after += reinterpret_cast<std::uintptr_t>(node[k]);
        }
        if (after == before) break;
        before = after;
      }
      const std::size_t lanes = std::min(kLanes, rows - g);
      for (std::size_t k = 0; k < lanes; ++k) {
        const double v = f.value[(node[k] - table) / kNodeBytes];
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
  const auto T = static_cast<double>(f.n_trees);
  for (std::size_t r = 0; r < rows; ++r) {
    const double shift = sum[r] / T;
    mean[r] = first[r] + shift;
    std[r] = std::sqrt(std::max(0.0, sum2[r] / T - shift * shift));
  }
}

}  // namespace

void check_forest(const ForestView& forest) { tree_depths(forest); }

PackedForest::PackedForest(const ForestView& forest)
    : n_features_(forest.n_features),
      value_(forest.value, forest.value + forest.n_nodes),
      tree_offset_(forest.tree_offset, forest.tree_offset + forest.n_trees + 1),
      depth_(tree_depths(forest)) {
  const std::size_t d = n_features_, n_nodes = forest.n_nodes;
  if (d > kMaxFeatures)
    throw std::invalid_argument("a forest for prediction may have at most " + std::to_string(kMaxFeatures) +
                                " features, but it has " + std::to_string(d));
  auto is_leaf = [&](std::size_t i) { return forest.right[i] == static_cast<std::int64_t>(i); };
  // Thresholds grouped by feature (a counting sort), then sorted and made distinct.
  std::vector<std::size_t> offset(d + 1, 0);
  for (std::size_t i = 0; i < n_nodes; ++i)
    if (!is_leaf(i)) ++offset[static_cast<std::size_t>(forest.feature[i]) + 1];
  for (std::size_t j = 0; j < d; ++j) offset[j + 1] += offset[j];
  std::vector<double> grouped(offset[d]);
  std::vector<std::size_t> fill(offset.begin(), offset.end() - 1);
  for (std::size_t i = 0; i < n_nodes; ++i)
    if (!is_leaf(i)) grouped[fill[static_cast<std::size_t>(forest.feature[i])]++] = forest.threshold[i];
  coders_.resize(d);
  for (std::size_t j = 0; j < d; ++j) {
    const auto lo = grouped.begin() + static_cast<std::ptrdiff_t>(offset[j]);
    const auto hi = grouped.begin() + static_cast<std::ptrdiff_t>(offset[j + 1]);
    std::sort(lo, hi);
    const std::vector<double> t(lo, std::unique(lo, hi));
    Coder& c = coders_[j];
    c.n_buckets = std::max<std::size_t>(1, t.size());
    if (t.size() > 1) {
      c.lo = t.front();
      c.scale = static_cast<double>(c.n_buckets) / (t.back() - t.front());
      if (!std::isfinite(c.scale)) c.scale = 0;  // a range of overflowing width: one bucket
    }
    c.start = start_.size();
    start_.resize(c.start + c.n_buckets + 1, 0);
    for (const double v : t) ++start_[c.start + bucket(c, v) + 1];
    for (std::size_t b = 0; b < c.n_buckets; ++b) {
      c.width = std::max<std::size_t>(c.width, start_[c.start + b + 1]);
      start_[c.start + b + 1] += start_[c.start + b];
    }
    c.sorted = sorted_.size();
    sorted_.insert(sorted_.end(), t.begin(), t.end());
    sorted_.resize(sorted_.size() + c.width, kInf);
  }
  nodes_.resize(n_nodes);
  for (std::size_t i = 0; i < n_nodes; ++i) {
    if (is_leaf(i)) {
      nodes_[i] = {0, 0, -kNodeBytes};
      continue;
    }
    const auto j = static_cast<std::size_t>(forest.feature[i]);
    const Coder& c = coders_[j];
    const double* t = sorted_.data() + c.sorted;
    const double* t_end = t + start_[c.start + c.n_buckets];
    const auto rank = static_cast<std::uint32_t>(1 + (std::lower_bound(t, t_end, forest.threshold[i]) - t));
    const auto column = static_cast<std::uint32_t>(j * kLanes * sizeof(Code));
    nodes_[i] = {rank, column, (forest.right[i] - static_cast<std::int64_t>(i) - 1) * kNodeBytes};
  }
}

PackedForest::View PackedForest::view() const {
  return {nodes_.data(),  value_.data(),  tree_offset_.data(), nodes_.size(),  depth_.size(),
          n_features_,    coders_.data(), sorted_.data(),      start_.data(),  sorted_.size(),
          start_.size(),  kLanes * sizeof(Code)};
}

void PackedForest::predict(const double* X, std::size_t n, double* mean, double* std, int n_threads) const {
  const std::size_t d = n_features_;
  const Tables tables{nodes_.data(), value_.data(), tree_offset_.data(), depth_.data(), depth_.size(), d};
  const EncodeColumn vector_encode = avx512_encode_column();
  // The next feature's thresholds stream in while a feature is encoded: a
  // block is too short to pay for fetching them on demand, unless they are
  // more (in cache lines) than its rows.
  auto prefetch_coder = [&](const Coder& c) {
    const std::size_t n_sorted = start_[c.start + c.n_buckets] + c.width;
    if (n_sorted > 8 * kBlock) return;
    for (std::size_t i = 0; i < n_sorted; i += 8) prefetch(sorted_.data() + c.sorted + i);
    for (std::size_t i = 0; i <= c.n_buckets; i += 16) prefetch(start_.data() + c.start + i);
  };
  // Tasks are handed out as threads come free: a core shared with another
  // process then costs its share of the work, not half of the wall time.
  parallel_tasks((n + kBlock - 1) / kBlock, n_threads, [&](std::size_t b) {
    const std::size_t begin = b * kBlock, rows = std::min(kBlock, n - begin);
    std::vector<Code> codes(d * kBlock, Code{1});  // lanes past the last row read codes never written
    for (std::size_t j = 0; j < d; ++j) {
      const Coder& c = coders_[j];
      if (j + 1 < d) prefetch_coder(coders_[j + 1]);
      const EncodeColumn encode = vector_encode != nullptr && c.width <= kMaxVectorWidth ? vector_encode : encode_column;
      encode(c, sorted_.data() + c.sorted, start_.data() + c.start, X + begin * d + j, d, rows,
             codes.data() + j * kLanes, d * kLanes);
    }
    walk_block(tables, codes.data(), rows, mean + begin, std + begin);
  });
}

}  // namespace evonas
