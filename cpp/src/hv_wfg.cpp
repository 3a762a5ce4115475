// WFG hypervolume for any m >= 2 (the dispatcher uses it for m >= 5).
// The top-level exclusive volumes are independent, so they run in parallel
// and are summed afterwards in a fixed order: the result does not depend on
// the thread count.
#include <algorithm>
#include <atomic>
#include <numeric>
#include <vector>

#include "evonas/parallel.hpp"
#include "hv_detail.hpp"
#include "hv_wfg_engine.hpp"

namespace evonas::detail {
namespace {

// The points sorted ascending by the last coordinate (ties in any order),
// without most dominated ones. The slab sum is exact for any point set, so
// the few that slip through only cost a little time.
std::vector<double> sorted_candidates(const double* p, std::size_t n, std::size_t m,
                                      const double* ref) {
  const std::vector<std::int32_t> dominator = quick_dominators(p, n, m, ref);
  std::vector<std::uint32_t> alive;
  for (std::uint32_t i = 0; i < n; ++i)
    if (dominator[i] < 0) alive.push_back(i);
  std::sort(alive.begin(), alive.end(), [&](std::uint32_t a, std::uint32_t b) {
    return p[std::size_t{a} * m + m - 1] < p[std::size_t{b} * m + m - 1];
  });
  std::vector<double> pts(alive.size() * m);
  for (std::size_t r = 0; r < alive.size(); ++r)
    std::copy_n(p + std::size_t{alive[r]} * m, m, &pts[r * m]);
  return pts;
}

}  // namespace

double hv_wfg(const double* p, std::size_t n, std::size_t m, const double* ref, int n_threads) {
  if (m <= 4) {  // not used by the dispatcher; the engine's sweeps want a clean front
    const std::vector<double> pts = nondominated_sorted(p, n, m);
    const std::size_t k = pts.size() / m;
    return WfgEngine(ref, m).hv(to_columns(pts.data(), k, m).data(), k, k, m);
  }
  const std::vector<double> pts = sorted_candidates(p, n, m, ref);
  const std::size_t k = pts.size() / m;
  const std::vector<double> cols = to_columns(pts.data(), k, m);

  // Slab i: height ref - p_i[last] times the (m-1)-D exclusive volume of p_i
  // against the points before it (all lower or equal in the last coordinate).
  std::vector<double> slab(k);
  std::atomic<std::size_t> next{0};
  const double work = 0.5 * static_cast<double>(k) * static_cast<double>(k) * static_cast<double>(m);
  const std::size_t workers =
      worth_threads(work) ? static_cast<std::size_t>(resolve_threads(n_threads)) : 1;
  parallel_tasks(workers, n_threads, [&](std::size_t) {
    WfgEngine engine(ref, m);
    // The last points have the largest limit sets: hand them out first.
    for (std::size_t t; (t = next++) < k;) {
      const std::size_t i = k - 1 - t;
      const double* row = &pts[i * m];
      slab[i] = (ref[m - 1] - row[m - 1]) * engine.exclusive(row, cols.data(), k, i, i, m - 1);
    }
  });
  double total = 0.0;
  for (double v : slab) total += v;
  return total;
}

}  // namespace evonas::detail
