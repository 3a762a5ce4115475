// Surrogate models: an ensemble of regression trees (extra trees, optionally
// bagged) predicting a mean and an uncertainty (the spread of the trees).
// Inputs are row-major float64; no function here modifies its input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace evonas {

// Stream tag of the forest: tree t draws from stream_a = kForestStream << 32 | t,
// so a forest and the operators may share a seed without sharing numbers.
inline constexpr std::uint64_t kForestStream = 0x464Fu;  // "FO"

struct ForestParams {
  std::size_t n_trees = 100;
  std::size_t max_features = 0;      // candidate features per node, 1..d
  std::size_t min_samples_leaf = 1;  // >= 1
  std::size_t max_depth = 0;         // 0: unlimited
  bool bootstrap = false;
  std::uint64_t seed = 0;
};

// All trees in one flat node table (struct of arrays), each tree in preorder:
// the left child of internal node i is i + 1, its right child right[i].
// A leaf has right[i] == i, feature[i] == 0 and threshold[i] == -inf, so a
// descent step `x[feature] <= threshold ? i + 1 : right[i]` with finite x
// stays on it.
// Indices are global (into the whole table); tree t owns the nodes
// [tree_offset[t], tree_offset[t + 1]).
struct Forest {
  std::size_t n_features = 0;
  std::vector<std::int32_t> feature;
  std::vector<double> threshold;
  std::vector<std::int32_t> right;
  std::vector<double> value;  // leaf prediction (the node mean for internal nodes)
  std::vector<std::int64_t> tree_offset;
};

// A read-only view of a node table laid out like Forest (e.g. numpy arrays).
struct ForestView {
  std::size_t n_features = 0, n_nodes = 0, n_trees = 0;
  const std::int32_t* feature = nullptr;
  const double* threshold = nullptr;
  const std::int32_t* right = nullptr;
  const double* value = nullptr;
  const std::int64_t* tree_offset = nullptr;  // n_trees + 1 entries

  static ForestView of(const Forest& f) {
    return {f.n_features, f.right.size(), f.tree_offset.size() - 1, f.feature.data(), f.threshold.data(),
            f.right.data(), f.value.data(), f.tree_offset.data()};
  }
};

// Fits params.n_trees trees to X (n x d, finite) and y (n, finite), n >= 1.
//
// Tree t, exactly (tests/reference_forest.py reproduces it):
//  * samples: 0..n-1, or with bootstrap n draws below(n) from the stream
//    (seed, kForestStream << 32 | t, 0), in order (duplicates kept);
//  * nodes are created in preorder (node k: k-th created in the tree, from
//    0); node k draws from stream (seed, kForestStream << 32 | t, k + 1);
//  * a node of samples S (in order) becomes a leaf when |S| < 2 *
//    min_samples_leaf, its depth equals max_depth (> 0), or all y[S] are
//    equal; otherwise, for j = 0..max_features-1, candidate j comes from a
//    partial Fisher-Yates shuffle of the identity 0..d-1 (position j swaps
//    with j + below(d - j)); if its values on S are not all equal (lo < hi)
//    the next draw u = uniform() gives thr = lo + (hi - lo) * u (lo when
//    that rounds up to hi), else it is skipped; the split sends x <= thr left;
//    it is valid when each side holds >= min_samples_leaf samples, and
//    scores sl*sl/nl + sr*sr/nr where sl = the in-order sum of y on the left
//    and sr = total - sl (total = the in-order sum over S); the first valid
//    candidate with the strictly largest score wins; none valid: a leaf;
//  * the children's samples keep S's order (stable partition);
//  * a leaf's value is y[S[0]] if all y[S] are equal, else total / |S|.
Forest fit_forest(const double* X, const double* y, std::size_t n, std::size_t d, const ForestParams& params,
                  int n_threads);

// Checks that a node table (e.g. restored from a pickle) is a well-formed
// forest, so that a descent stays inside its tree and ends on a leaf;
// throws std::invalid_argument if not. O(n_nodes).
void check_forest(const ForestView& forest);

// A forest prepared for batch prediction: checked and packed once, then
// reused by every predict call.
//
// Each feature's distinct split thresholds are kept sorted, and a row's value
// x is replaced by its code 1 + #{thresholds of that feature < x}; a node
// whose threshold is the j-th (from 0) sends x left exactly when code(x) <=
// j + 1, the node's rank: x <= thr[j] iff fewer than j + 1 thresholds lie
// below x. So a descent step compares two integers, with the result of
// `x <= threshold`.
class PackedForest {
 public:
  // One node in 16 bytes. A leaf has rank 0 (every code is >= 1, so it
  // "goes right") and skip -sizeof(Node): a step leaves it where it is.
  struct Node {
    std::uint32_t rank;
    std::uint32_t column;  // byte offset of the node's feature in a block of codes
    std::int64_t skip;     // bytes from the next node (the left child) to the right child
  };

  // What turns a feature's values into codes. Its m distinct thresholds are
  // spread over buckets by a monotone function of the value; a value's code
  // then only needs a search among the thresholds of its own bucket.
  struct Coder {
    double lo = 0, scale = 0;  // bucket(x) = clamp(floor((x - lo) * scale), 0, n_buckets - 1)
    std::size_t n_buckets = 1;
    std::size_t width = 1;   // the most thresholds in one bucket, at least 1
    std::size_t sorted = 0;  // offset in sorted_ of the m thresholds, then `width` entries of +inf
    std::size_t start = 0;   // offset in start_ of n_buckets + 1 entries: #{thresholds in lower buckets}
  };

  // Checks the table (as check_forest) and packs it; throws
  // std::invalid_argument if it is malformed. O(n_nodes log n_nodes).
  explicit PackedForest(const ForestView& forest);

  std::size_t n_features() const { return n_features_; }

  // The packed tables as they are, for the CUDA path (cpp/cuda/forest_predict.cu).
  struct View {
    const Node* nodes;
    const double* value;
    const std::int64_t* tree_offset;  // n_trees + 1 entries
    std::size_t n_nodes, n_trees, n_features;
    const Coder* coders;          // n_features
    const double* sorted;         // n_sorted
    const std::uint32_t* start;   // n_start
    std::size_t n_sorted, n_start;
    std::size_t column_stride;    // Node::column = feature * column_stride
  };
  View view() const;

  // Predicts rows X (n x n_features()): mean[i] over the trees and std[i],
  // their population standard deviation (0 where all trees agree exactly).
  // Throws std::invalid_argument if X is not finite (it is checked as it is
  // read). The result does not depend on n_threads.
  void predict(const double* X, std::size_t n, double* mean, double* std, int n_threads) const;

 private:
  std::size_t n_features_;
  std::vector<Node> nodes_;
  std::vector<double> value_;
  std::vector<std::int64_t> tree_offset_;
  std::vector<std::size_t> depth_;  // steps from each tree's root to its deepest leaf
  std::vector<Coder> coders_;  // one per feature
  std::vector<double> sorted_;
  std::vector<std::uint32_t> start_;
};

}  // namespace evonas
