// Fitting the tree ensemble (the exact rule is in surrogate.hpp). Trees are
// independent tasks, each drawing from its own Philox streams, so the forest
// is the same for any thread count.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "evonas/parallel.hpp"
#include "evonas/rng.hpp"
#include "evonas/surrogate.hpp"

namespace evonas {
namespace {

constexpr double kLeaf = -std::numeric_limits<double>::infinity();  // a leaf's threshold

struct Tree {
  std::vector<std::int32_t> feature, right;
  std::vector<double> threshold, value;
};

struct Split {
  std::size_t feature = 0;
  double threshold = 0.0;
  double score = -std::numeric_limits<double>::infinity();
  bool found = false;
};

// Builds one tree depth-first with an explicit stack (no recursion limit).
class TreeBuilder {
 public:
  TreeBuilder(const double* Xcol, const double* y, std::size_t n, std::size_t d, const ForestParams& p,
              std::size_t tree)
      : Xcol_(Xcol), y_(y), n_(n), d_(d), p_(p), stream_(kForestStream << 32 | tree), perm_(d) {}

  Tree build() {
    samples_.resize(n_);
    if (p_.bootstrap) {
      PhiloxStream rs(p_.seed, stream_, 0);
      for (auto& s : samples_) s = static_cast<std::uint32_t>(rs.below(n_));
    } else {
      std::iota(samples_.begin(), samples_.end(), 0u);
    }
    scratch_.resize(n_);
    xbuf_.resize(n_);
    ybuf_.resize(n_);
    // (begin, end, depth, node whose `right` is this task's node, or -1)
    struct Task {
      std::size_t begin, end, depth;
      std::int64_t parent;
    };
    std::vector<Task> stack{{0, n_, 0, -1}};
    while (!stack.empty()) {
      Task task = stack.back();
      stack.pop_back();
      auto id = static_cast<std::int32_t>(tree_.right.size());
      if (task.parent >= 0) tree_.right[static_cast<std::size_t>(task.parent)] = id;
      std::size_t mid = node(id, task.begin, task.end, task.depth);
      if (mid != task.begin) {  // split: the left child is popped next, so it gets id + 1
        stack.push_back({mid, task.end, task.depth + 1, id});
        stack.push_back({task.begin, mid, task.depth + 1, -1});
      }
    }
    return std::move(tree_);
  }

 private:
  double x(std::size_t f, std::uint32_t s) const { return Xcol_[f * n_ + s]; }

  // Appends node `id` for samples_[begin, end); if it splits, partitions
  // them and returns the end of the left part, else returns begin.
  std::size_t node(std::int32_t id, std::size_t begin, std::size_t end, std::size_t depth) {
    const std::size_t m = end - begin;
    double total = 0.0, ymin = y_[samples_[begin]], ymax = ymin;
    for (std::size_t i = begin; i < end; ++i) {
      const double v = y_[samples_[i]];
      ybuf_[i - begin] = v;
      total += v;
      ymin = std::min(ymin, v);
      ymax = std::max(ymax, v);
    }
    const bool pure = ymin == ymax;
    Split split;
    if (!pure && m >= 2 * p_.min_samples_leaf && !(p_.max_depth > 0 && depth >= p_.max_depth))
      split = best_split(id, begin, end, total);
    if (!split.found) {
      push(0, kLeaf, id, pure ? y_[samples_[begin]] : total / static_cast<double>(m));
      return begin;
    }
    push(static_cast<std::int32_t>(split.feature), split.threshold, -1, total / static_cast<double>(m));
    // Stable partition: left samples in place, right ones via scratch.
    std::size_t left = begin, n_right = 0;
    for (std::size_t i = begin; i < end; ++i) {
      std::uint32_t s = samples_[i];
      if (x(split.feature, s) <= split.threshold)
        samples_[left++] = s;
      else
        scratch_[n_right++] = s;
    }
    std::copy(scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(n_right),
              samples_.begin() + static_cast<std::ptrdiff_t>(left));
    return left;
  }

  Split best_split(std::int32_t id, std::size_t begin, std::size_t end, double total) {
    PhiloxStream rs(p_.seed, stream_, static_cast<std::uint32_t>(id) + 1u);
    std::iota(perm_.begin(), perm_.end(), std::size_t{0});
    const std::size_t m = end - begin;
    Split best;
    for (std::size_t j = 0; j < p_.max_features; ++j) {
      std::swap(perm_[j], perm_[j + rs.below(d_ - j)]);
      const std::size_t f = perm_[j];
      double lo = x(f, samples_[begin]), hi = lo;
      for (std::size_t i = begin; i < end; ++i) {
        const double v = x(f, samples_[i]);
        xbuf_[i - begin] = v;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
      if (!(lo < hi)) continue;
      double thr = lo + (hi - lo) * rs.uniform();
      if (thr >= hi) thr = lo;  // keep the maximum on the right
      // Branch-free over contiguous copies (the side of a random threshold
      // is unpredictable); adding +0.0 leaves sl's bits unchanged.
      double sl = 0.0;
      std::size_t nl = 0;
      for (std::size_t i = 0; i < m; ++i) {
        const bool left = xbuf_[i] <= thr;
        sl += left ? ybuf_[i] : 0.0;
        nl += left;
      }
      const std::size_t nr = m - nl;
      if (nl < p_.min_samples_leaf || nr < p_.min_samples_leaf) continue;
      const double sr = total - sl;
      const double score = sl * sl / static_cast<double>(nl) + sr * sr / static_cast<double>(nr);
      if (score > best.score) best = {f, thr, score, true};
    }
    return best;
  }

  void push(std::int32_t feature, double threshold, std::int32_t right, double value) {
    tree_.feature.push_back(feature);
    tree_.threshold.push_back(threshold);
    tree_.right.push_back(right);
    tree_.value.push_back(value);
  }

  const double* Xcol_;
  const double* y_;
  std::size_t n_, d_;
  const ForestParams& p_;
  std::uint64_t stream_;
  std::vector<std::size_t> perm_;
  std::vector<std::uint32_t> samples_, scratch_;
  std::vector<double> xbuf_, ybuf_;  // a node's feature values and targets, in sample order
  Tree tree_;
};

}  // namespace

Forest fit_forest(const double* X, const double* y, std::size_t n, std::size_t d, const ForestParams& params,
                  int n_threads) {
  if (n == 0 || d == 0) throw std::invalid_argument("fit_forest needs at least one sample and one feature");
  if (n > std::numeric_limits<std::uint32_t>::max()) throw std::invalid_argument("fit_forest: too many samples");
  if (params.n_trees == 0 || params.max_features == 0 || params.max_features > d || params.min_samples_leaf == 0)
    throw std::invalid_argument("fit_forest: n_trees, max_features (<= d) and min_samples_leaf must be >= 1");
  // Column-major copy: each candidate feature is scanned over a node's samples.
  std::vector<double> Xcol(n * d);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t f = 0; f < d; ++f) Xcol[f * n + i] = X[i * d + f];

  std::vector<Tree> trees(params.n_trees);
  parallel_tasks(params.n_trees, n_threads, [&](std::size_t t) {
    trees[t] = TreeBuilder(Xcol.data(), y, n, d, params, t).build();
  });

  Forest forest;
  forest.n_features = d;
  forest.tree_offset.reserve(params.n_trees + 1);
  forest.tree_offset.push_back(0);
  for (const Tree& tree : trees) forest.tree_offset.push_back(forest.tree_offset.back() + tree.right.size());
  const auto total = static_cast<std::size_t>(forest.tree_offset.back());
  if (total > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw std::length_error("fit_forest: the forest has more than 2**31 - 1 nodes");
  forest.feature.reserve(total);
  forest.threshold.reserve(total);
  forest.right.reserve(total);
  forest.value.reserve(total);
  for (std::size_t t = 0; t < trees.size(); ++t) {
    const auto offset = static_cast<std::int32_t>(forest.tree_offset[t]);
    Tree& tree = trees[t];
    forest.feature.insert(forest.feature.end(), tree.feature.begin(), tree.feature.end());
    forest.threshold.insert(forest.threshold.end(), tree.threshold.begin(), tree.threshold.end());
    forest.value.insert(forest.value.end(), tree.value.begin(), tree.value.end());
    for (std::int32_t r : tree.right) forest.right.push_back(r + offset);
    tree = Tree();  // release as we go
  }
  return forest;
}

}  // namespace evonas
