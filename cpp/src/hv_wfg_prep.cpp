// Point-set preparation for the WFG engine: filters and layout.
#include <algorithm>
#include <numeric>

#include "hv_wfg_engine.hpp"
#include "hv_wfg_kernels.hpp"

namespace evonas::detail {

std::vector<double> nondominated_sorted(const double* p, std::size_t n, std::size_t m) {
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), std::uint32_t{0});
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const double* x = p + std::size_t{a} * m;
    const double* y = p + std::size_t{b} * m;
    for (std::size_t t = m; t-- > 0;)
      if (x[t] != y[t]) return x[t] < y[t];
    return false;
  });
  // Weak dominators sort first, so each row is checked against kept rows only.
  std::vector<double> kept;
  for (std::uint32_t i : order) {
    const double* row = p + std::size_t{i} * m;
    bool dominated = false;
    for (std::size_t r = 0; r < kept.size() && !dominated; r += m)
      dominated = wfg::weakly_dominates<0>(&kept[r], row, m);
    if (!dominated) kept.insert(kept.end(), row, row + m);
  }
  return kept;
}

std::vector<std::int32_t> quick_dominators(const double* p, std::size_t n, std::size_t m,
                                           const double* ref) {
  constexpr std::size_t kFilters = 64;
  std::vector<double> volume(n, 1.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t t = 0; t < m; ++t) volume[i] *= ref[t] - p[i * m + t];
  std::vector<std::uint32_t> idx(n);
  std::iota(idx.begin(), idx.end(), std::uint32_t{0});
  const std::size_t n_filters = std::min(n, kFilters);
  std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(n_filters), idx.end(),
                    [&](std::uint32_t a, std::uint32_t b) {
                      return volume[a] > volume[b] || (volume[a] == volume[b] && a < b);
                    });
  // Per filter f, one vectorised pass over the points not yet known to be
  // dominated: the coordinates where they are >= f (the bits alias past 64
  // coordinates; the exact test below decides). Dominated filters are
  // skipped, their dominators catch the same points.
  std::vector<std::uint32_t> live(n);
  std::iota(live.begin(), live.end(), std::uint32_t{0});
  std::vector<double> cols = to_columns(p, n, m);
  std::vector<std::uint64_t> bits(m), ge(n);
  for (std::size_t t = 0; t < m; ++t) bits[t] = std::uint64_t{1} << (t & 63);
  const std::uint64_t all = m >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << m) - 1;
  std::vector<std::int32_t> dominator(n, -1);
  std::size_t n_live = n, stride = n, removed = 0;
  for (std::size_t r = 0; r < n_filters; ++r) {
    const std::size_t f = idx[r];
    if (dominator[f] >= 0) continue;
    const double* s = p + f * m;
    wfg::columns_compare<true>(cols.data(), stride, n_live, s, bits.data(), m, ge.data());
    for (std::size_t a = 0; a < n_live; ++a) {
      const std::size_t i = live[a];
      if (ge[a] != all || dominator[i] >= 0 || i == f) continue;
      const double* row = p + i * m;
      bool leq = true, equal = true;
      for (std::size_t t = 0; t < m; ++t) {
        leq &= s[t] <= row[t];
        equal &= s[t] == row[t];
      }
      // Of identical points the one with the lowest index stays.
      if (leq && (!equal || f < i)) {
        dominator[i] = static_cast<std::int32_t>(f);
        ++removed;
      }
    }
    if (removed * 8 > n_live) {  // drop the dominated points from the scans
      std::size_t w = 0;
      for (std::size_t a = 0; a < n_live; ++a) {
        if (dominator[live[a]] >= 0) continue;
        live[w] = live[a];
        for (std::size_t t = 0; t < m; ++t) cols[t * stride + w] = cols[t * stride + a];
        ++w;
      }
      n_live = w;
      removed = 0;
    }
  }
  return dominator;
}

std::vector<double> to_columns(const double* p, std::size_t n, std::size_t m) {
  std::vector<double> cols(n * m);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t t = 0; t < m; ++t) cols[t * n + i] = p[i * m + t];
  return cols;
}

}  // namespace evonas::detail
