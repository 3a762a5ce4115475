// Three objectives: a sweep in lexicographic order over one staircase per
// front. Every earlier point is <= in objective 0, so p is dominated by front
// k iff front k's staircase of (f1, f2) covers p. Being dominated by front k
// implies being dominated by every earlier front, so p's front is found by a
// binary search: O(n log n log F).
#include "nds_detail.hpp"
#include "nds_staircase.hpp"

namespace evonas::nds_detail {

std::vector<std::int32_t> rank_sorted_3d(const double* rows, std::size_t u) {
  std::vector<std::int32_t> ranks(u);
  std::vector<Staircase<double, double>> fronts;
  for (std::size_t i = 0; i < u; ++i) {
    const double y = rows[3 * i + 1], z = rows[3 * i + 2];
    std::size_t lo = 0, hi = fronts.size();
    Staircase<double, double>::Hint hint, probe;
    while (lo < hi) {
      std::size_t mid = (lo + hi) / 2;
      if (fronts[mid].covers(y, z, probe)) {
        lo = mid + 1;
      } else {
        hi = mid;
        hint = probe;  // the answer is the last front found not covering p
      }
    }
    if (lo == fronts.size()) fronts.emplace_back();
    fronts[lo].insert(y, z, hint);
    ranks[i] = static_cast<std::int32_t>(lo);
  }
  return ranks;
}

}  // namespace evonas::nds_detail
