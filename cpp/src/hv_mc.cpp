// Monte-Carlo hypervolume: the fraction of uniform samples in the box
// [ideal, ref] that some point weakly dominates, times the box volume.
//
// Sample i is drawn from the Philox stream (seed, i), so the hit count (an
// integer) is the same however the samples are split across threads.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <vector>

#include "evonas/parallel.hpp"
#include "evonas/rng.hpp"
#include "hv_detail.hpp"
#include "hv_wfg_engine.hpp"

namespace evonas::detail {
namespace {

bool leq(const double* a, const double* b, std::size_t m) {
  for (std::size_t j = 0; j < m; ++j)
    if (a[j] > b[j]) return false;
  return true;
}

// Points rescaled to the unit box, without most dominated points and copies
// (they never decide whether a sample is covered; an exact filter would cost
// O(n^2), and the few that slip through only make the tree slightly larger).
std::vector<double> unit_points(const double* p, std::size_t n, std::size_t m, const double* ref,
                                const double* lo, const double* width) {
  const std::vector<std::int32_t> dominator = quick_dominators(p, n, m, ref);
  std::vector<double> u;
  for (std::size_t i = 0; i < n; ++i) {
    if (dominator[i] >= 0) continue;
    for (std::size_t j = 0; j < m; ++j) u.push_back((p[i * m + j] - lo[j]) / width[j]);
  }
  return u;
}

// Bounding-corner tree: each node stores the componentwise minimum of its
// points; a sample that this corner does not weakly dominate is dominated by
// no point below it. Misses, which would otherwise test every point, thereby
// skip whole regions of the front.
class CornerTree {
 public:
  CornerTree(const std::vector<double>& pts, std::size_t m) : m_(m) {
    std::size_t n = pts.size() / m;
    std::vector<std::size_t> idx(n);
    std::iota(idx.begin(), idx.end(), std::size_t{0});
    build(pts, idx, 0, n);
    pts_.reserve(pts.size());  // points in tree order: leaves are contiguous
    for (std::size_t i : idx) pts_.insert(pts_.end(), &pts[i * m], &pts[i * m] + m);
  }

  bool covers(const double* u, std::vector<std::uint32_t>& stack) const {
    stack.assign(1, 0);
    while (!stack.empty()) {
      std::uint32_t id = stack.back();
      stack.pop_back();
      if (!leq(&corners_[id * m_], u, m_)) continue;
      const Node& node = nodes_[id];
      if (node.left == 0) {
        for (std::uint32_t i = node.begin; i < node.end; ++i)
          if (leq(&pts_[i * m_], u, m_)) return true;
      } else {
        stack.push_back(node.right);
        stack.push_back(node.left);
      }
    }
    return false;
  }

 private:
  struct Node {
    std::uint32_t begin, end;
    std::uint32_t left = 0, right = 0;  // left == 0 marks a leaf (0 is the root)
  };
  static constexpr std::size_t kLeaf = 4;

  std::uint32_t build(const std::vector<double>& pts, std::vector<std::size_t>& idx,
                      std::size_t begin, std::size_t end) {
    auto id = static_cast<std::uint32_t>(nodes_.size());
    nodes_.push_back({static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(end)});
    std::vector<double> lo(m_, 2.0), hi(m_, -1.0);
    for (std::size_t i = begin; i < end; ++i)
      for (std::size_t j = 0; j < m_; ++j) {
        lo[j] = std::min(lo[j], pts[idx[i] * m_ + j]);
        hi[j] = std::max(hi[j], pts[idx[i] * m_ + j]);
      }
    corners_.insert(corners_.end(), lo.begin(), lo.end());
    if (end - begin <= kLeaf) return id;
    std::size_t axis = 0;  // split the widest coordinate at its median
    for (std::size_t j = 1; j < m_; ++j)
      if (hi[j] - lo[j] > hi[axis] - lo[axis]) axis = j;
    std::size_t mid = begin + (end - begin) / 2;
    auto first = idx.begin();
    std::nth_element(first + static_cast<std::ptrdiff_t>(begin),
                     first + static_cast<std::ptrdiff_t>(mid),
                     first + static_cast<std::ptrdiff_t>(end), [&](std::size_t a, std::size_t b) {
                       return pts[a * m_ + axis] < pts[b * m_ + axis];
                     });
    std::uint32_t left = build(pts, idx, begin, mid);
    std::uint32_t right = build(pts, idx, mid, end);
    nodes_[id].left = left;
    nodes_[id].right = right;
    return id;
  }

  std::size_t m_;
  std::vector<Node> nodes_;
  std::vector<double> corners_;  // nodes_.size() x m
  std::vector<double> pts_;      // row-major, in tree order
};

}  // namespace

MonteCarloEstimate hv_mc(const double* p, std::size_t n, std::size_t m, const double* ref,
                         std::uint64_t samples, std::uint64_t seed, int n_threads) {
  std::vector<double> lo(ref, ref + m), width(m);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < m; ++j) lo[j] = std::min(lo[j], p[i * m + j]);
  double box = 1.0;
  for (std::size_t j = 0; j < m; ++j) {
    width[j] = ref[j] - lo[j];
    box *= width[j];
  }
  const CornerTree tree(unit_points(p, n, m, ref, lo.data(), width.data()), m);

  std::atomic<std::uint64_t> hits{0};
  parallel_for(samples, n_threads, std::size_t{1} << 14, [&](std::size_t begin, std::size_t end) {
    std::vector<double> u(m);
    std::vector<std::uint32_t> stack;
    std::uint64_t local = 0;
    for (std::size_t s = begin; s < end; ++s) {
      PhiloxStream rs(seed, s, kMcStream);
      for (std::size_t j = 0; j < m; ++j) u[j] = rs.uniform();
      local += tree.covers(u.data(), stack);
    }
    hits += local;
  });

  double frac = static_cast<double>(hits.load()) / static_cast<double>(samples);
  return {box * frac, box * std::sqrt(frac * (1.0 - frac) / static_cast<double>(samples))};
}

}  // namespace evonas::detail
