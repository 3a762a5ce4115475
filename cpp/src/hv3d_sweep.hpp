// Shared set-up of the 3-D sweeps: the z order in which points are processed,
// and each point's rank in the (x, y) order used by the 2-D staircase.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hv3d_sort.hpp"

namespace evonas::detail {

struct XY {
  double x, y;
};

struct Sweep3 {
  // Indexed by sweep step k (points in ascending z):
  std::vector<std::uint32_t> index;  // row in the input
  std::vector<std::uint32_t> rank;   // rank in the staircase order
  std::vector<double> z;
  std::vector<XY> at_step;  // the point itself, read in sequence
  // Indexed by rank:
  std::vector<XY> at_rank;  // staircase neighbours, looked up by rank
  std::vector<std::uint32_t> step;
};

// Ranks order by x, then (with tie_by_y) y, then sweep step, so an earlier
// copy of a projection always ranks first: "the staircase predecessor has
// y <= mine" then means exactly "some earlier point covers my projection".
// Without tie_by_y, points sharing x rank by step only; HV3D tolerates that
// (a covered point left behind is a zero-width step) and saves a sort pass.
inline Sweep3 make_sweep3(const double* p, std::size_t n, bool tie_by_y) {
  Sweep3 s;
  std::vector<std::uint64_t> keys(n);
  s.index.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    keys[i] = order_key(p[3 * i + 2]);
    s.index[i] = static_cast<std::uint32_t>(i);
  }
  radix_sort(keys, s.index);

  s.z.resize(n);
  s.at_step.resize(n);
  s.step.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    const double* q = p + 3 * std::size_t{s.index[k]};
    s.at_step[k] = {q[0], q[1]};
    s.z[k] = q[2];
    s.step[k] = static_cast<std::uint32_t>(k);
  }
  if (tie_by_y) {
    for (std::size_t k = 0; k < n; ++k) keys[k] = order_key(s.at_step[k].y);
    radix_sort(keys, s.step);
  }
  for (std::size_t r = 0; r < n; ++r) keys[r] = order_key(s.at_step[s.step[r]].x);
  radix_sort(keys, s.step);

  s.rank.resize(n);
  s.at_rank.resize(n);
  for (std::size_t r = 0; r < n; ++r) {
    std::uint32_t k = s.step[r];
    s.rank[k] = static_cast<std::uint32_t>(r);
    s.at_rank[r] = s.at_step[k];
  }
  return s;
}

}  // namespace evonas::detail
