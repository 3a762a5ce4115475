// non_dominated_sort: picks the ranker by the number of objectives.
#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "evonas/pareto.hpp"
#include "nds_detail.hpp"
#include "nds_staircase.hpp"

namespace evonas {
namespace {

using nds_detail::finish_ranks;

// One objective: dense rank of the sorted values.
std::vector<std::int32_t> rank_1d(const double* F, std::size_t n, std::size_t n_stop,
                                  int n_threads) {
  std::vector<std::uint32_t> order = nds_detail::lex_order(F, n, 1, n_threads);
  std::vector<std::int32_t> ranks(n);
  std::int32_t r = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && F[order[i]] != F[order[i - 1]]) ++r;
    ranks[order[i]] = r;
  }
  return finish_ranks(ranks, nullptr, n, n_stop, n_threads);
}

// Two objectives: one lexicographic sort, then a sweep.
std::vector<std::int32_t> rank_2d(const double* F, std::size_t n, std::size_t n_stop,
                                  int n_threads) {
  std::vector<std::uint32_t> order = nds_detail::lex_order(F, n, 2, n_threads);
  std::vector<double> sorted = nds_detail::gather_rows_2d(F, order.data(), n);
  return finish_ranks(nds_detail::rank_sorted_2d(sorted.data(), order.data(), n), nullptr, n,
                      n_stop, n_threads);
}

}  // namespace

namespace nds_detail {

std::vector<double> gather_rows_2d(const double* F, const std::uint32_t* order, std::size_t n) {
  std::vector<double> rows(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    rows[2 * i] = F[2 * std::size_t{order[i]}];
    rows[2 * i + 1] = F[2 * std::size_t{order[i]} + 1];
  }
  return rows;
}

// In lexicographic order p is dominated by front k iff the smallest f2 seen
// in front k is <= f2(p) (identical points excepted), and these minima
// increase with k, so p's front is a binary search.
std::vector<std::int32_t> rank_sorted_2d(const double* sorted, const std::uint32_t* order, std::size_t n) {
  std::vector<std::int32_t> ranks(n);
  std::vector<double> front_min;  // smallest f2 of each front so far
  std::int32_t prev = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = sorted[2 * i], y = sorted[2 * i + 1];
    if (i == 0 || !(x == sorted[2 * i - 2] && y == sorted[2 * i - 1])) {
      const std::size_t k =
          count_le(front_min.size(), y, [&front_min](std::size_t j) { return front_min[j]; });
      if (k == front_min.size())
        front_min.push_back(y);
      else
        front_min[k] = y;
      prev = static_cast<std::int32_t>(k);
    }
    ranks[order[i]] = prev;
  }
  return ranks;
}

}  // namespace nds_detail

std::vector<std::int32_t> non_dominated_sort(const double* F, std::size_t n, std::size_t m,
                                             std::size_t n_stop, int n_threads) {
  if (n > static_cast<std::size_t>(INT32_MAX))
    throw std::length_error("non_dominated_sort: too many points");
  if (n == 0) return {};
  if (n_stop == 0) return std::vector<std::int32_t>(n, -1);
  n_threads = nds_detail::threads_for(n, n_threads);
  if (m == 0) return std::vector<std::int32_t>(n, 0);  // all points equal
  if (m == 1) return rank_1d(F, n, n_stop, n_threads);
  if (m == 2) return rank_2d(F, n, n_stop, n_threads);
  nds_detail::UniqueRows u = nds_detail::unique_rows(F, n, m, n_threads);
  std::vector<std::int32_t> ranks =
      m == 3 ? nds_detail::rank_sorted_3d(u.rows.data(), u.count)
             : nds_detail::rank_sorted_dc(u.rows.data(), u.count, m, INT32_MAX, n_threads);
  return finish_ranks(ranks, u.group.data(), n, n_stop, n_threads);
}

}  // namespace evonas
