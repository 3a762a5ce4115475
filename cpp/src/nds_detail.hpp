// Internal pieces shared by non_dominated_sort, nondominated and
// crowding_distance. Not part of the public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "evonas/parallel.hpp"
#include "order_key.hpp"

#ifndef EVONAS_NDS_PARALLEL_MIN  // overridable so that tests reach the threads
#define EVONAS_NDS_PARALLEL_MIN 16384
#endif

namespace evonas::nds_detail {

// Threads for a problem of n points: below the size at which any kernel here
// forks, one (which also spares asking the OS for the core count on every
// small call, as NSGA-II makes each generation).
inline int threads_for(std::size_t n, int n_threads) {
  return n < EVONAS_NDS_PARALLEL_MIN ? 1 : resolve_threads(n_threads);
}

inline bool rows_equal(const double* a, const double* b, std::size_t m) {
  for (std::size_t j = 0; j < m; ++j)
    if (!(a[j] == b[j])) return false;
  return true;
}

struct KeyIdx {
  std::uint64_t key;
  std::uint32_t idx;
};
// Sorts by (key, idx): radix on the high bits, then the runs they leave tied.
void sort_by_key(std::vector<KeyIdx>& a, int n_threads);

// Row indices of the n x m matrix F in lexicographic order, ties (identical
// rows) by index.
std::vector<std::uint32_t> lex_order(const double* F, std::size_t n, std::size_t m, int n_threads);
// Row indices ordered by column j alone, ties by index.
std::vector<std::uint32_t> column_order(const double* F, std::size_t n, std::size_t m,
                                        std::size_t j, int n_threads);

// The distinct rows of F in lexicographic order. Sorting them this way lets
// the rankers treat objective 0 as "comes earlier": a point can only be
// dominated by an earlier one, and an earlier one that is <= in objectives
// 1..m-1 dominates it.
struct UniqueRows {
  std::vector<double> rows;          // count x m, row-major
  std::vector<std::uint32_t> group;  // row of F -> its distinct row
  std::size_t count = 0;
};
UniqueRows unique_rows(const double* F, std::size_t n, std::size_t m, int n_threads);

// Expands ranks of distinct rows to the n input rows (group may be null for
// the identity) and applies the n_stop rule: front r is kept only while the
// fronts before it hold fewer than n_stop points; the rest get -1.
std::vector<std::int32_t> finish_ranks(const std::vector<std::int32_t>& ranks,
                                       const std::uint32_t* group, std::size_t n,
                                       std::size_t n_stop, int n_threads);

// m == 2: the rows order[0..n) of the n x 2 matrix F, one after the other.
// Gathering first keeps the random reads independent of each other (a
// sweep's searches would otherwise wait on every cache miss).
std::vector<double> gather_rows_2d(const double* F, const std::uint32_t* order, std::size_t n);
// m == 2: Pareto rank of every row (all fronts), given the rows' lexicographic
// order (lex_order) and the rows gathered in it; identical rows share a rank.
std::vector<std::int32_t> rank_sorted_2d(const double* sorted, const std::uint32_t* order, std::size_t n);

// Rankers on distinct rows in lexicographic order (see UniqueRows).
// m == 3: sweep over per-front staircases.
std::vector<std::int32_t> rank_sorted_3d(const double* rows, std::size_t u);
// m >= 3: divide and conquer. Points whose rank exceeds max_rank may stop
// early and are then only known to be > max_rank.
std::vector<std::int32_t> rank_sorted_dc(const double* rows, std::size_t u, std::size_t m,
                                         std::int32_t max_rank, int n_threads);

}  // namespace evonas::nds_detail
