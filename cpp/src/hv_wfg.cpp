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
#include "hv_wfg_kernels.hpp"

namespace evonas::detail {
namespace {

constexpr std::size_t kBlock = 16;  // slabs per task

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

// For each point j of the column-major k x d set, the first later point
// i > j that weakly dominates it in the first d coordinates, or k. The limit
// sets of the slabs after i can leave j out: i, or a point that dominates i
// in turn, bounds j's row. Each j scans forward in vectorised chunks until a
// point has no coordinate above j's; the points are independent, so the
// workers take them in small runs.
std::vector<std::uint32_t> first_dominators(const double* cols, std::size_t k, std::size_t d,
                                            std::size_t workers, int n_threads) {
  constexpr std::size_t kChunk = 64, kRun = 32;
  std::vector<std::uint32_t> dies(k, static_cast<std::uint32_t>(k));
  std::vector<std::uint64_t> bits(d);
  for (std::size_t t = 0; t < d; ++t) bits[t] = std::uint64_t{1} << (t & 63);
  std::atomic<std::size_t> next{0};
  parallel_tasks(workers, n_threads, [&](std::size_t) {
    std::vector<double> v(d);
    std::uint64_t above[kChunk];  // coordinates of i above j's
    for (std::size_t j0; (j0 = next.fetch_add(kRun)) < k;)
      for (std::size_t j = j0; j < std::min(k, j0 + kRun); ++j) {
        for (std::size_t t = 0; t < d; ++t) v[t] = cols[t * k + j];
        for (std::size_t i0 = j + 1; i0 < k; i0 += kChunk) {
          const std::size_t len = std::min(kChunk, k - i0);
          wfg::columns_compare<false>(cols + i0, k, len, v.data(), bits.data(), d, above);
          const std::uint64_t* hit = std::find(above, above + len, std::uint64_t{0});
          if (hit != above + len) {
            dies[j] = static_cast<std::uint32_t>(i0 + static_cast<std::size_t>(hit - above));
            break;
          }
        }
      }
  });
  return dies;
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
  // Slabs go in blocks of kBlock. A block's candidates are the points before
  // its end that no point before its start dominates in m-1 coordinates,
  // packed in order, and slab i uses the prefix of them before i: the same
  // inputs, and bits, for any thread count.
  const double work = 0.5 * static_cast<double>(k) * static_cast<double>(k) * static_cast<double>(m);
  const std::size_t workers =
      worth_threads(work) ? static_cast<std::size_t>(resolve_threads(n_threads)) : 1;
  const std::vector<std::uint32_t> dies =
      first_dominators(cols.data(), k, m - 1, workers, n_threads);
  const std::size_t n_blocks = (k + kBlock - 1) / kBlock;
  std::vector<double> slab(k);
  std::atomic<std::size_t> next{0};
  parallel_tasks(workers, n_threads, [&](std::size_t) {
    WfgEngine engine(ref, m);
    std::vector<std::uint32_t> live;
    std::vector<double> sub;
    // The last blocks have the largest limit sets: hand them out first.
    for (std::size_t b; (b = next++) < n_blocks;) {
      const std::size_t begin = (n_blocks - 1 - b) * kBlock, end = std::min(k, begin + kBlock);
      live.clear();
      for (std::uint32_t j = 0; j < end; ++j)
        if (dies[j] >= begin) live.push_back(j);
      const std::size_t c = live.size();
      sub.resize(c * m);
      for (std::size_t r = 0; r < c; ++r)
        for (std::size_t t = 0; t < m; ++t) sub[t * c + r] = pts[std::size_t{live[r]} * m + t];
      for (std::size_t r = 0; r < c; ++r) {
        const std::size_t i = live[r];
        if (i < begin) continue;
        const double* row = &pts[i * m];
        slab[i] = (ref[m - 1] - row[m - 1]) * engine.exclusive(row, sub.data(), c, r, r, m - 1);
      }
    }
  });
  double total = 0.0;
  for (double v : slab) total += v;
  return total;
}

}  // namespace evonas::detail
