// WFG building blocks shared by hv_wfg.cpp and hv_contrib.cpp.
//
// WFG (While, Bradstreet, Barone 2012): the hypervolume of points sorted by
// their last coordinate is the sum of each point's exclusive volume with
// respect to the points before it. Those all have a smaller or equal last
// coordinate, so the exclusive volume is a slab of height ref - p[last]
// times a (d-1)-dimensional exclusive volume: the box of p minus the
// hypervolume of the "limit set" {max(p, q)} of the earlier points, which
// recurses one dimension down.
//
// Most of the time goes into reducing the limit set to its non-dominated
// rows. Per row, the coordinates where q is worse than p (its mask) decide
// who can dominate whom: rows worse in one coordinate only give plain
// per-coordinate bounds that discard most rows in one vectorised pass, and
// the rest are filtered against the kept rows whose masks are subsets of
// their own. Base cases: inclusion-exclusion for up to 4 rows, hv4d_sorted
// (HV4D+) for 4-D sets from 12 points on, a z-sweep below.
//
// Point sets are passed column-major ("columns": coordinate t of point j at
// cols[t * stride + j]) so that the scans over all points are vectorised.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hv4d_sweep.hpp"

namespace evonas::detail {

// Scratch space and recursion for one thread; not thread-safe, cheap to keep.
class WfgEngine {
 public:
  WfgEngine(const double* ref, std::size_t m);

  // Hypervolume of k mutually non-dominated points without copies, using
  // their first d <= m coordinates, sorted ascending by coordinate d-1.
  double hv(const double* cols, std::size_t stride, std::size_t k, std::size_t d);

  // Volume that p alone covers against points [0, count) of cols except
  // `skip` (pass skip >= count to use all), in the first d coordinates.
  // Exactly 0 when one of them weakly dominates p.
  double exclusive(const double* p, const double* cols, std::size_t stride, std::size_t count,
                   std::size_t skip, std::size_t d);

 private:
  struct Level {
    std::vector<std::uint64_t> mask, dead, qmask, kmask;
    std::vector<std::uint32_t> index, order, group, segments, kept_begin;
    std::uint32_t calls = 0;  // archive calls, to stamp kept_begin entries
    std::vector<double> rows, kept, cols, point, lim;
  };

  template <std::size_t D>
  double exclusive_dim(const double* p, const double* cols, std::size_t stride, std::size_t count,
                       std::size_t skip, std::size_t d);
  template <std::size_t D>
  std::size_t archive_grouped(Level& level, const double* rows, const std::uint64_t* qmask,
                              std::size_t c, std::size_t d);
  template <std::size_t D>
  std::size_t archive_flat(Level& level, const double* rows, const std::uint64_t* qmask,
                           std::size_t c, std::size_t d);
  double hv4_small(const double* cols, std::size_t stride, std::size_t k);
  double sweep3(const double* cols, std::size_t stride, std::size_t k);
  // Row-major copy of the first d columns, for the external base cases.
  const double* gather_rows(const double* cols, std::size_t stride, std::size_t k, std::size_t d);

  const double* ref_;
  std::vector<Level> levels_;  // indexed by dimension
  // Per dimension d <= 8: each mask's rank when ordered by size, then value.
  std::vector<std::vector<std::uint32_t>> mask_rank_;
  std::vector<std::uint64_t> bits_;  // bits_[t] = mask bit of coordinate t
  std::vector<hv4d_sweep::Hv4dNode> hv4d_nodes_;
};

// Rows of p (n x m) that no other row weakly dominates, one of each group of
// copies, sorted ascending by the last coordinate.
std::vector<double> nondominated_sorted(const double* p, std::size_t n, std::size_t m);

// For each point, one of the 64 points with the largest boxes that weakly
// dominates it (an identical point only if its index is lower), or -1. Cheap
// (n x 64 tests) where an exact filter costs O(n^2) on a clean front; it
// catches most dominated points of typical sets, the rest get -1 too.
std::vector<std::int32_t> quick_dominators(const double* p, std::size_t n, std::size_t m,
                                           const double* ref);

// Whether work of about `units` elementary steps pays for starting threads.
inline bool worth_threads(double units) { return units >= 2e5; }

// Column-major copy of the row-major n x m matrix p.
std::vector<double> to_columns(const double* p, std::size_t n, std::size_t m);

}  // namespace evonas::detail
