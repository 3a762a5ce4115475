// nondominated: the first front alone. Cheaper than a full sort because
// dominated points can be dropped as soon as one dominator is known.
#include <algorithm>
#include <limits>
#include <stdexcept>

#include "evonas/parallel.hpp"
#include "evonas/pareto.hpp"
#include "nds_detail.hpp"
#include "nds_staircase.hpp"

namespace evonas {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Two objectives: in lexicographic order a point is non-dominated iff its f2
// is below every earlier f2, or it repeats the previous point.
std::vector<std::uint8_t> first_front_2d(const double* F, std::size_t n, int n_threads) {
  std::vector<std::uint32_t> order = nds_detail::lex_order(F, n, 2, n_threads);
  std::vector<std::uint8_t> mask(n, 0);
  double min_y = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t p = order[i];
    const double* fp = F + 2 * std::size_t{p};
    if (i == 0 || fp[1] < min_y) {
      mask[p] = 1;
      min_y = fp[1];
    } else {
      const double* fq = F + 2 * std::size_t{order[i - 1]};
      if (fp[0] == fq[0] && fp[1] == fq[1]) mask[p] = mask[order[i - 1]];
    }
  }
  return mask;
}

// Three objectives: one staircase of the (f2, f3) minima seen so far.
std::vector<std::int32_t> first_front_3d(const double* rows, std::size_t u) {
  std::vector<std::int32_t> ranks(u, 1);
  nds_detail::Staircase<double, double> stairs;
  for (std::size_t i = 0; i < u; ++i) {
    const double y = rows[3 * i + 1], z = rows[3 * i + 2];
    if (stairs.try_insert(y, z)) ranks[i] = 0;
  }
  return ranks;
}

// Exact first front of the n x m matrix F (m >= 2).
std::vector<std::uint8_t> first_front(const double* F, std::size_t n, std::size_t m,
                                      int n_threads) {
  if (m == 2) return first_front_2d(F, n, n_threads);
  nds_detail::UniqueRows u = nds_detail::unique_rows(F, n, m, n_threads);
  std::vector<std::int32_t> ranks =
      m == 3 ? first_front_3d(u.rows.data(), u.count)
             : nds_detail::rank_sorted_dc(u.rows.data(), u.count, m, 0, n_threads);
  std::vector<std::uint8_t> mask(n);
  for (std::size_t i = 0; i < n; ++i) mask[i] = ranks[u.group[i]] == 0;
  return mask;
}

// Points that none of a few promising ones (the smallest sums of objectives)
// dominates. Dropping the others leaves the first front unchanged, since a
// dominated point always has a non-dominated dominator, and on typical data
// it leaves little for the exact pass. Costs one pass over F.
std::vector<std::uint32_t> prefilter(const double* F, std::size_t n, std::size_t m,
                                     int n_threads) {
  constexpr std::size_t kPivots = 16;
  std::vector<std::pair<double, std::uint32_t>> sums(n);
  parallel_for(n, n_threads, 1 << 15, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      double s = 0.0;
      for (std::size_t j = 0; j < m; ++j) s += F[i * m + j];
      sums[i] = {s == s ? s : kInf, static_cast<std::uint32_t>(i)};  // NaN from inf - inf
    }
  });
  std::nth_element(sums.begin(), sums.begin() + (kPivots - 1), sums.end());
  std::sort(sums.begin(), sums.begin() + kPivots);
  std::vector<double> pivots(kPivots * m);
  for (std::size_t p = 0; p < kPivots; ++p)
    std::copy_n(F + std::size_t{sums[p].second} * m, m, pivots.data() + p * m);
  std::vector<std::uint8_t> keep(n);
  parallel_for(n, n_threads, 1 << 14, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      const double* x = F + i * m;
      bool dominated = false;
      for (std::size_t p = 0; p < kPivots && !dominated; ++p) {
        const double* q = pivots.data() + p * m;
        bool le = true, lt = false;
        for (std::size_t j = 0; j < m && le; ++j) {
          le = q[j] <= x[j];
          lt = lt || q[j] < x[j];
        }
        dominated = le && lt;
      }
      keep[i] = !dominated;
    }
  });
  std::vector<std::uint32_t> kept;
  for (std::size_t i = 0; i < n; ++i)
    if (keep[i]) kept.push_back(static_cast<std::uint32_t>(i));
  return kept;
}

}  // namespace

std::vector<std::uint8_t> nondominated(const double* F, std::size_t n, std::size_t m,
                                       int n_threads) {
  if (n > static_cast<std::size_t>(INT32_MAX)) throw std::length_error("nondominated: too many points");
  if (n == 0) return {};
  if (m == 0) return std::vector<std::uint8_t>(n, 1);
  n_threads = nds_detail::threads_for(n, n_threads);
  if (m == 1) {
    const double best = *std::min_element(F, F + n);
    std::vector<std::uint8_t> mask(n);
    for (std::size_t i = 0; i < n; ++i) mask[i] = F[i] == best;
    return mask;
  }
  if (n < 1024) return first_front(F, n, m, n_threads);
  std::vector<std::uint32_t> kept = prefilter(F, n, m, n_threads);
  if (kept.size() > n / 2) return first_front(F, n, m, n_threads);
  std::vector<double> sub(kept.size() * m);
  for (std::size_t i = 0; i < kept.size(); ++i)
    std::copy_n(F + std::size_t{kept[i]} * m, m, sub.data() + i * m);
  std::vector<std::uint8_t> sub_mask = first_front(sub.data(), kept.size(), m, n_threads);
  std::vector<std::uint8_t> mask(n, 0);
  for (std::size_t i = 0; i < kept.size(); ++i) mask[kept[i]] = sub_mask[i];
  return mask;
}

}  // namespace evonas
