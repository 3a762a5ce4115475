// Environmental selection ("survival") of the evolutionary algorithms: which
// individuals of parents + offspring form the next population. Inputs are
// row-major; no function here modifies its input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace evonas {

// The survivors of one selection, in increasing index order, with the rank
// and crowding distance of each (aligned with `index`), which the next
// generation's tournament compares.
struct Survivors {
  std::vector<std::int64_t> index;
  std::vector<std::int32_t> rank;
  std::vector<double> crowding;
};

// NSGA-II survival (Deb et al. 2002) with Deb's constrained domination.
//
// F: n x m objectives to minimise; cv: n total constraint violations (<= 0 is
// feasible). A row with a NaN objective or a NaN cv counts as infeasible
// with the worst violation (+inf; ties among such rows go by index): a
// failed evaluation must never displace a solution that was measured.
//
// Feasible rows come first: they are sorted into fronts (stopping once
// n_survive rows are ranked) and whole fronts survive; the front that
// overflows is truncated by crowding distance (larger first, ties by lower
// index). If fewer than n_survive rows are feasible, all of them survive and
// the infeasible ones fill the rest by (violation, index).
//
// Ranks: feasible survivors get their front (0 = non-dominated); infeasible
// survivors all get the rank after the last feasible front and crowding 0
// (the tournament compares them by violation first anyway). The crowding of
// a survivor of the truncated front is its distance in the whole front, as
// in the reference implementation.
//
// n_survive >= n keeps everyone. O(n log n) for m <= 2, more for m >= 3
// (see non_dominated_sort); memory O(n m).
Survivors nsga2_survival(const double* F, const double* cv, std::size_t n, std::size_t m,
                         std::size_t n_survive, int n_threads);

}  // namespace evonas
