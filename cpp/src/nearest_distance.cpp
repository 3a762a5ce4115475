// k-d tree over the sites, built once, queried in parallel. Sites are copied
// into tree order so a leaf's points are contiguous; every node stores its
// bounding box, whose distance to a query bounds the distance to any site in
// it from below (per kind: only the coordinates where a site could differ in
// the counted direction contribute).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "evonas/distance.hpp"
#include "evonas/parallel.hpp"

namespace evonas {
namespace {

constexpr std::size_t kLeafSize = 16;
// Below this many (query, site) pairs comparing every pair beats the tree: the
// tree is then one leaf.
constexpr std::size_t kBruteForcePairs = std::size_t{1} << 18;
// Queries per thread: a thread costs tens of microseconds to start.
constexpr std::size_t kQueryGrain = 4096;

// max(x, 0) without a branch: GCC compiles std::max and x > 0 ? x : 0 to a
// jump here, mispredicted on half the coordinates (7x slower than the
// Euclidean kind). Exact: x + |x| is 2x or 0; where 2x overflows, the square
// taken next overflows too.
inline double positive(double x) { return (x + std::fabs(x)) * 0.5; }

struct Node {
  std::size_t begin, end;  // sites [begin, end) in tree order
  std::int64_t left = -1, right = -1;
};

class KdTree {
 public:
  KdTree(const double* sites, std::size_t n, std::size_t m, std::size_t leaf_size)
      : m_(m), leaf_size_(leaf_size), points_(n * m) {
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    nodes_.reserve(2 * (n / leaf_size + 1));
    build(sites, order, 0, n);
    for (std::size_t i = 0; i < n; ++i) std::copy_n(sites + order[i] * m, m, points_.data() + i * m);
  }

  // Smallest squared distance from q to a site, stopping early at 0. The kind
  // is a template argument so that the inner loops carry no branch on it.
  template <DistanceKind kind>
  double nearest_squared(const double* q, std::vector<std::int64_t>& stack) const {
    double best = std::numeric_limits<double>::infinity();
    stack.clear();
    stack.push_back(0);
    while (!stack.empty() && best > 0.0) {
      auto index = static_cast<std::size_t>(stack.back());
      stack.pop_back();
      if (box_squared<kind>(index, q) >= best) continue;  // best may have shrunk since the push
      const Node& node = nodes_[index];
      if (node.left < 0) {
        for (std::size_t i = node.begin; i < node.end; ++i)
          best = std::min(best, point_squared<kind>(points_.data() + i * m_, q));
        continue;
      }
      // Nearer child last, so it is searched first.
      double dl = box_squared<kind>(static_cast<std::size_t>(node.left), q);
      double dr = box_squared<kind>(static_cast<std::size_t>(node.right), q);
      if (dl <= dr) {
        if (dr < best) stack.push_back(node.right);
        if (dl < best) stack.push_back(node.left);
      } else {
        if (dl < best) stack.push_back(node.left);
        if (dr < best) stack.push_back(node.right);
      }
    }
    return best;
  }

 private:
  std::int64_t build(const double* sites, std::vector<std::size_t>& order, std::size_t begin, std::size_t end) {
    auto index = static_cast<std::int64_t>(nodes_.size());
    nodes_.push_back(Node{begin, end});
    lo_.resize(lo_.size() + m_, std::numeric_limits<double>::infinity());
    hi_.resize(hi_.size() + m_, -std::numeric_limits<double>::infinity());
    double* lo = lo_.data() + static_cast<std::size_t>(index) * m_;
    double* hi = hi_.data() + static_cast<std::size_t>(index) * m_;
    for (std::size_t i = begin; i < end; ++i) {
      const double* p = sites + order[i] * m_;
      for (std::size_t k = 0; k < m_; ++k) {
        lo[k] = std::min(lo[k], p[k]);
        hi[k] = std::max(hi[k], p[k]);
      }
    }
    if (end - begin <= leaf_size_) return index;
    std::size_t axis = 0;
    for (std::size_t k = 1; k < m_; ++k)
      if (hi[k] - lo[k] > hi[axis] - lo[axis]) axis = k;
    if (!(hi[axis] > lo[axis])) return index;  // all sites equal: one leaf
    std::size_t mid = begin + (end - begin) / 2;
    std::nth_element(order.begin() + static_cast<std::ptrdiff_t>(begin), order.begin() + static_cast<std::ptrdiff_t>(mid),
                     order.begin() + static_cast<std::ptrdiff_t>(end), [&](std::size_t a, std::size_t b) {
                       return sites[a * m_ + axis] < sites[b * m_ + axis];
                     });
    std::int64_t left = build(sites, order, begin, mid);
    std::int64_t right = build(sites, order, mid, end);
    nodes_[static_cast<std::size_t>(index)].left = left;
    nodes_[static_cast<std::size_t>(index)].right = right;
    return index;
  }

  template <DistanceKind kind>
  double point_squared(const double* s, const double* q) const {
    double sum = 0.0;
    for (std::size_t k = 0; k < m_; ++k) {
      double d;
      if constexpr (kind == DistanceKind::euclidean) {
        d = q[k] - s[k];
      } else if constexpr (kind == DistanceKind::excess) {
        d = positive(s[k] - q[k]);
      } else {
        d = positive(q[k] - s[k]);
      }
      sum += d * d;
    }
    return sum;
  }

  template <DistanceKind kind>
  double box_squared(std::size_t node, const double* q) const {
    const double* lo = lo_.data() + node * m_;
    const double* hi = hi_.data() + node * m_;
    double sum = 0.0;
    for (std::size_t k = 0; k < m_; ++k) {
      double below = positive(lo[k] - q[k]);  // every site exceeds q by at least this
      double above = positive(q[k] - hi[k]);  // q exceeds every site by at least this
      double d;
      if constexpr (kind == DistanceKind::euclidean) {
        d = below + above;
      } else if constexpr (kind == DistanceKind::excess) {
        d = below;
      } else {
        d = above;
      }
      sum += d * d;
    }
    return sum;
  }

  std::size_t m_;
  std::size_t leaf_size_;
  std::vector<double> points_;
  std::vector<Node> nodes_;
  std::vector<double> lo_, hi_;
};

}  // namespace

std::vector<double> nearest_distances(const double* queries, std::size_t n_queries, const double* sites,
                                      std::size_t n_sites, std::size_t m, DistanceKind kind, int n_threads) {
  if (n_sites == 0) throw std::invalid_argument("nearest_distances needs at least one site");
  std::vector<double> out(n_queries);
  if (n_queries == 0) return out;
  bool brute_force = n_queries <= kBruteForcePairs / n_sites;
  KdTree tree(sites, n_sites, m, brute_force ? n_sites : kLeafSize);
  auto run = [&](auto kind_constant) {
    constexpr DistanceKind kind_value = decltype(kind_constant)::value;
    parallel_for(n_queries, n_threads, kQueryGrain, [&](std::size_t begin, std::size_t end) {
      std::vector<std::int64_t> stack;
      for (std::size_t i = begin; i < end; ++i)
        out[i] = std::sqrt(tree.template nearest_squared<kind_value>(queries + i * m, stack));
    });
  };
  switch (kind) {
    case DistanceKind::euclidean: run(std::integral_constant<DistanceKind, DistanceKind::euclidean>{}); break;
    case DistanceKind::excess: run(std::integral_constant<DistanceKind, DistanceKind::excess>{}); break;
    case DistanceKind::deficit: run(std::integral_constant<DistanceKind, DistanceKind::deficit>{}); break;
    default: throw std::invalid_argument("unknown distance kind");
  }
  return out;
}

}  // namespace evonas
