// Exclusive contributions for m >= 4: the box of each point minus the
// hypervolume of the limit set of all other points against it (WFG style),
// one independent task per point. A point's own copies are among the others
// and cover it, so copies and dominated points get exactly 0.
//
// A cheap filter first finds most dominated points and one dominator of each.
// Those contribute 0, and they can be left out of every other point's set
// except their dominator's: anywhere else the dominator (or, along a chain,
// its own dominator) already covers them. Dominated points never vanish
// entirely because they shrink their dominator's share.
#include <algorithm>
#include <atomic>
#include <vector>

#include "evonas/parallel.hpp"
#include "hv_detail.hpp"
#include "hv_wfg_engine.hpp"

namespace evonas::detail {

void hvc_general(const double* p, std::size_t n, std::size_t m, const double* ref, int n_threads,
                 double* out) {
  const std::vector<std::int32_t> dominator = quick_dominators(p, n, m, ref);
  std::vector<std::uint32_t> alive;
  std::vector<std::int32_t> first_hidden(n, -1), next_hidden(n, -1);  // per dominator
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = 0.0;
    const std::int32_t d = dominator[i];
    if (d < 0) {
      alive.push_back(static_cast<std::uint32_t>(i));
    } else {
      next_hidden[i] = first_hidden[static_cast<std::size_t>(d)];
      first_hidden[static_cast<std::size_t>(d)] = static_cast<std::int32_t>(i);
    }
  }
  const std::size_t k = alive.size();
  std::vector<double> rows(k * m);
  for (std::size_t a = 0; a < k; ++a)
    for (std::size_t t = 0; t < m; ++t) rows[a * m + t] = p[alive[a] * m + t];
  const std::vector<double> cols = to_columns(rows.data(), k, m);

  const double work = static_cast<double>(k) * static_cast<double>(k * m);
  const std::size_t workers =
      worth_threads(work) ? static_cast<std::size_t>(resolve_threads(n_threads)) : 1;
  std::atomic<std::size_t> next{0};
  parallel_tasks(workers, n_threads, [&](std::size_t) {
    WfgEngine engine(ref, m);
    std::vector<double> merged;
    for (std::size_t a; (a = next++) < k;) {
      const std::size_t i = alive[a];
      const double* row = p + i * m;
      if (first_hidden[i] < 0) {
        out[i] = engine.exclusive(row, cols.data(), k, k, a, m);
        continue;
      }
      // The points only i covered join its set: alive points, then those.
      std::size_t extra = 0;
      for (std::int32_t h = first_hidden[i]; h >= 0; h = next_hidden[static_cast<std::size_t>(h)])
        ++extra;
      const std::size_t stride = k + extra;
      merged.assign(stride * m, 0.0);
      for (std::size_t t = 0; t < m; ++t) {
        std::copy_n(&cols[t * k], k, &merged[t * stride]);
        std::size_t at = k;
        for (std::int32_t h = first_hidden[i]; h >= 0; h = next_hidden[static_cast<std::size_t>(h)])
          merged[t * stride + at++] = p[static_cast<std::size_t>(h) * m + t];
      }
      out[i] = engine.exclusive(row, merged.data(), stride, stride, a, m);
    }
  });
}

}  // namespace evonas::detail
