// 3-D hypervolume, HV3D+ style: sweep the points in ascending z while keeping
// the 2-D staircase of the (x, y) projections seen so far; the volume is the
// sum of staircase area x slice height. O(n log n).
#include "hv3d_rankset.hpp"
#include "hv3d_sweep.hpp"
#include "hv_detail.hpp"

namespace evonas::detail {

double hv3d(const double* p, std::size_t n, const double* ref) {
  Sweep3 s = make_sweep3(p, n, false);
  RankSet stair(n);  // ranks of the staircase points: x increasing, y decreasing
  double area = 0.0, volume = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    if (k > 0) volume += area * (s.z[k] - s.z[k - 1]);
    std::size_t r = s.rank[k];
    double qx = s.at_step[k].x, qy = s.at_step[k].y;
    std::size_t pred = stair.prev(r);
    if (pred != RankSet::npos && s.at_rank[pred].y <= qy) continue;  // projection covered
    // Newly covered area: strips of height (y above) - qy between the points
    // that q now covers (removed) up to the first one below qy.
    double cur_x = qx, cur_y = pred != RankSet::npos ? s.at_rank[pred].y : ref[1];
    double added = 0.0;
    std::size_t next = stair.next(r);
    while (next != RankSet::npos && s.at_rank[next].y >= qy) {
      const XY& d = s.at_rank[next];
      added += (d.x - cur_x) * (cur_y - qy);
      cur_x = d.x;
      cur_y = d.y;
      stair.erase(next);
      next = stair.next(next);
    }
    double right = next != RankSet::npos ? s.at_rank[next].x : ref[0];
    added += (right - cur_x) * (cur_y - qy);
    stair.insert(r);
    area += added;
  }
  volume += area * (ref[2] - s.z[n - 1]);
  return volume;
}

}  // namespace evonas::detail
