// Monte-Carlo hypervolume: the fraction of uniform samples in the box
// [ideal, ref] that some point weakly dominates, times the box volume.
//
// Sample i is drawn from the Philox stream (seed, i), so the hit count (an
// integer) is the same however the samples are split across threads, and the
// same on the CUDA path (cpp/cuda/hv_mc.cu), which shares hv_mc_tree.hpp.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <vector>

#include "evonas/hypervolume.hpp"
#include "evonas/parallel.hpp"
#include "hv_mc_tree.hpp"
#include "hv_wfg_engine.hpp"

namespace evonas {
namespace detail {
namespace {

constexpr std::size_t kLeaf = 4;  // points per leaf

}  // namespace

CornerTree::CornerTree(const double* F, std::size_t n, std::size_t m, const double* ref) : m_(m) {
  std::vector<double> inside;
  for (std::size_t i = 0; i < n; ++i) {
    const double* row = F + i * m;
    bool in = true;
    for (std::size_t j = 0; j < m && in; ++j) in = row[j] < ref[j];
    if (in) inside.insert(inside.end(), row, row + m);
  }
  const std::size_t k = inside.size() / m;
  if (k == 0) return;
  std::vector<double> lo(ref, ref + m), width(m);
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < m; ++j) lo[j] = std::min(lo[j], inside[i * m + j]);
  for (std::size_t j = 0; j < m; ++j) {
    width[j] = ref[j] - lo[j];
    box_ *= width[j];
  }
  // Most dominated points and copies never decide whether a sample is
  // covered; an exact filter would cost O(n^2), and the few that slip
  // through only make the tree slightly larger.
  const std::vector<std::int32_t> dominator = quick_dominators(inside.data(), k, m, ref);
  std::vector<double> unit;
  for (std::size_t i = 0; i < k; ++i) {
    if (dominator[i] >= 0) continue;
    for (std::size_t j = 0; j < m; ++j) unit.push_back((inside[i * m + j] - lo[j]) / width[j]);
  }
  std::vector<std::size_t> idx(unit.size() / m);
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  build(unit, idx, 0, idx.size());
  pts_.reserve(unit.size());
  for (std::size_t i : idx) pts_.insert(pts_.end(), &unit[i * m], &unit[i * m] + m);
}

std::uint32_t CornerTree::build(const std::vector<double>& pts, std::vector<std::size_t>& idx,
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
  std::nth_element(first + static_cast<std::ptrdiff_t>(begin), first + static_cast<std::ptrdiff_t>(mid),
                   first + static_cast<std::ptrdiff_t>(end),
                   [&](std::size_t a, std::size_t b) { return pts[a * m_ + axis] < pts[b * m_ + axis]; });
  std::uint32_t left = build(pts, idx, begin, mid);
  std::uint32_t right = build(pts, idx, mid, end);
  nodes_[id].left = left;
  nodes_[id].right = right;
  return id;
}

MonteCarloEstimate mc_estimate(double box, std::uint64_t hits, std::uint64_t samples) {
  const double frac = static_cast<double>(hits) / static_cast<double>(samples);
  return {box * frac, box * std::sqrt(frac * (1.0 - frac) / static_cast<double>(samples))};
}

}  // namespace detail

MonteCarloEstimate hypervolume_mc(const double* F, std::size_t n, std::size_t m, const double* ref,
                                  std::uint64_t samples, std::uint64_t seed, int n_threads) {
  const detail::CornerTree tree(F, n, m, ref);
  if (tree.empty() || samples == 0) return {0.0, 0.0};
  const detail::CornerTreeView view = tree.view();
  std::atomic<std::uint64_t> hits{0};
  parallel_for(samples, n_threads, std::size_t{1} << 14, [&](std::size_t begin, std::size_t end) {
    std::vector<double> u(m);
    std::uint64_t local = 0;
    for (std::size_t s = begin; s < end; ++s) local += detail::sample_covered(view, seed, s, u.data());
    hits += local;
  });
  return detail::mc_estimate(tree.box(), hits.load(), samples);
}

}  // namespace evonas
