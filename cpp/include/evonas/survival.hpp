// Environmental selection ("survival") of the evolutionary algorithms: which
// individuals of parents + offspring form the next population. Inputs are
// row-major; no function here modifies its input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace evonas {

// How NSGA-II cuts the front that overflows the population.
//   kCrowding:  crowding distance computed once, larger kept (Deb et al. 2002).
//   kPruning:   crowding distance recomputed after every removal (Kukkonen and
//               Deb 2006): the front keeps an even spread where one cut
//               leaves gaps.
//   kNeighbours: the product of the distances to the m nearest points
//               (objectives scaled to [0, 1] by the front's spans), recomputed
//               after every removal (Kukkonen and Deb 2006, for 3+ objectives,
//               where crowding distance says little about spacing).
enum class Truncation { kCrowding, kPruning, kNeighbours };

// The rows of one front that survive iterated removal, in increasing order,
// and the measure of each among the survivors.
struct PrunedFront {
  std::vector<std::uint32_t> kept;
  std::vector<double> crowding;
};

// Keeps n_keep of the k rows of F (one front, no NaN) by removing, one at a
// time, the row with the smallest measure (kPruning or kNeighbours; ties: the
// highest index goes). Identical rows: all but the lowest index measure 0 and
// the lowest is measured as if they were absent. Every row at an end of an
// objective's (value, index) order measures +inf; so do all rows when at
// most two distinct rows (kPruning) or at most m (kNeighbours) are left.
// Objectives whose span over the front is 0 or infinite count 0. Equal to
// recomputing the measure from scratch after each removal.
PrunedFront prune_front(const double* F, std::size_t k, std::size_t m, std::size_t n_keep, Truncation how,
                        int n_threads);

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
// overflows is truncated as `how` says (kCrowding: larger crowding distance
// first, ties by lower index; otherwise by prune_front). If fewer than n_survive rows are feasible, all of them survive and
// the infeasible ones fill the rest by (violation, index).
//
// Ranks: feasible survivors get their front (0 = non-dominated); infeasible
// survivors all get the rank after the last feasible front and crowding 0
// (the tournament compares them by violation first anyway). Crowding of the
// other survivors: kCrowding and kPruning give the crowding distance in the
// whole front (kCrowding, as in the reference implementation) or among the
// front's survivors (kPruning); kNeighbours gives the nearest-neighbour
// product among the front's survivors, for every front.
//
// n_survive >= n keeps everyone. O(n log n) for m <= 2, more for m >= 3
// (see non_dominated_sort); memory O(n m).
Survivors nsga2_survival(const double* F, const double* cv, std::size_t n, std::size_t m,
                         std::size_t n_survive, Truncation how, int n_threads);

}  // namespace evonas
