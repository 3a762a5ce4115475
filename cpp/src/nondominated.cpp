// nondominated: the first front alone. Cheaper than a full sort because
// dominated points can be dropped as soon as one dominator is known.
#include <algorithm>
#include <stdexcept>

#include "evonas/pareto.hpp"
#include "nds_detail.hpp"
#include "nds_staircase.hpp"

namespace evonas {
namespace {

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

}  // namespace

std::vector<std::uint8_t> nondominated(const double* F, std::size_t n, std::size_t m,
                                       int n_threads) {
  if (n > static_cast<std::size_t>(INT32_MAX)) throw std::length_error("nondominated: too many points");
  if (n == 0) return {};
  if (m == 0) return std::vector<std::uint8_t>(n, 1);
  if (m == 1) {
    const double best = *std::min_element(F, F + n);
    std::vector<std::uint8_t> mask(n);
    for (std::size_t i = 0; i < n; ++i) mask[i] = F[i] == best;
    return mask;
  }
  if (m == 2) return first_front_2d(F, n, n_threads);
  nds_detail::UniqueRows u = nds_detail::unique_rows(F, n, m, n_threads);
  std::vector<std::int32_t> ranks = m == 3 ? first_front_3d(u.rows.data(), u.count)
                                           : nds_detail::rank_sorted_dc(u.rows.data(), u.count, m, 0, n_threads);
  std::vector<std::uint8_t> mask(n);
  for (std::size_t i = 0; i < n; ++i) mask[i] = ranks[u.group[i]] == 0;
  return mask;
}

}  // namespace evonas
