// Monte-Carlo hypervolume, the part that the CPU (hv_mc.cpp) and the CUDA
// path (cpp/cuda/hv_mc.cu) share: the points in a bounding-corner tree, and
// whether one sample is covered. Sharing it makes both paths count exactly
// the same samples as covered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "evonas/hd.hpp"
#include "evonas/hypervolume.hpp"
#include "evonas/rng.hpp"

namespace evonas::detail {

struct CornerNode {
  std::uint32_t begin, end;           // the node's points: pts[begin .. end)
  std::uint32_t left = 0, right = 0;  // left == 0 marks a leaf (0 is the root)
};

// Deep enough for any tree CornerTree builds: it splits at medians, so its
// depth is below log2(2^32) + 1, and a depth-first walk keeps at most one
// pending node per level.
inline constexpr std::size_t kCornerStack = 40;

// A tree's arrays, wherever they live (host or device memory).
struct CornerTreeView {
  const CornerNode* nodes;
  const double* corners;  // per node, the componentwise minimum of its points (m each)
  const double* pts;      // the points in tree order: a leaf's points are contiguous
  std::uint32_t m;
};

EVONAS_HD inline bool weakly_dominates(const double* a, const double* b, std::uint32_t m) {
  for (std::uint32_t j = 0; j < m; ++j)
    if (a[j] > b[j]) return false;
  return true;
}

// Whether some point weakly dominates u. A node whose corner does not weakly
// dominate u has no point that does, so misses skip whole regions.
EVONAS_HD inline bool covers(const CornerTreeView& t, const double* u) {
  std::uint32_t stack[kCornerStack];
  std::size_t top = 0;
  stack[top++] = 0;
  while (top > 0) {
    const std::uint32_t id = stack[--top];
    if (!weakly_dominates(t.corners + std::size_t{id} * t.m, u, t.m)) continue;
    const CornerNode node = t.nodes[id];
    if (node.left == 0) {
      for (std::uint32_t i = node.begin; i < node.end; ++i)
        if (weakly_dominates(t.pts + std::size_t{i} * t.m, u, t.m)) return true;
    } else {
      stack[top++] = node.right;
      stack[top++] = node.left;
    }
  }
  return false;
}

// Whether sample s (m uniform coordinates from the Philox stream (seed, s,
// kMcStream), in the unit box) is covered; u is scratch for m doubles.
EVONAS_HD inline bool sample_covered(const CornerTreeView& t, std::uint64_t seed, std::uint64_t s,
                                     double* u) {
  PhiloxStream rs(seed, s, kMcStream);
  for (std::uint32_t j = 0; j < t.m; ++j) u[j] = rs.uniform();
  return covers(t, u);
}

// The points that can cover a sample, rescaled to the unit box between their
// ideal point and ref, in a bounding-corner tree (built on the host).
class CornerTree {
 public:
  // F: n x m finite points; those that do not strictly dominate ref are left out.
  CornerTree(const double* F, std::size_t n, std::size_t m, const double* ref);

  bool empty() const { return nodes_.empty(); }  // no point dominates ref
  double box() const { return box_; }  // the volume of the sampled box
  std::size_t m() const { return m_; }
  const std::vector<CornerNode>& nodes() const { return nodes_; }
  const std::vector<double>& corners() const { return corners_; }
  const std::vector<double>& points() const { return pts_; }
  CornerTreeView view() const {
    return {nodes_.data(), corners_.data(), pts_.data(), static_cast<std::uint32_t>(m_)};
  }

 private:
  std::uint32_t build(const std::vector<double>& pts, std::vector<std::size_t>& idx, std::size_t begin,
                      std::size_t end);

  std::size_t m_;
  double box_ = 1.0;
  std::vector<CornerNode> nodes_;
  std::vector<double> corners_;  // nodes_.size() x m
  std::vector<double> pts_;      // row-major, in tree order
};

// The estimate and its standard error from `hits` covered samples out of
// `samples` (> 0) drawn in a box of volume `box`.
MonteCarloEstimate mc_estimate(double box, std::uint64_t hits, std::uint64_t samples);

}  // namespace evonas::detail
