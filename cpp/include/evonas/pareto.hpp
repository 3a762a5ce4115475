// Pareto ranking and crowding. Inputs are row-major n x m matrices of
// objectives to minimise, finite or +-inf (never NaN: the Python layer checks).
// No function here modifies its input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace evonas {

// Pareto rank of every point, 0 = non-dominated; equal points share a rank.
// Once the fronts ranked so far hold at least n_stop points, the remaining
// points get -1 (pass n_stop >= n for a full sort).
// m == 1: sort; m == 2: O(n log n) sweep; m == 3: sweep with one 2-D staircase
// per front, O(n log n log F); m >= 4: divide and conquer (Jensen/Buzdalov).
std::vector<std::int32_t> non_dominated_sort(const double* F, std::size_t n, std::size_t m,
                                             std::size_t n_stop, int n_threads);

// Mask of the first front (1 = non-dominated); duplicates of a non-dominated
// point are all non-dominated.
std::vector<std::uint8_t> nondominated(const double* F, std::size_t n, std::size_t m,
                                       int n_threads);

// NSGA-II crowding distance, computed front by front (ranks[i] >= 0 names the
// front of point i; points with a negative rank get 0). Boundary points of each objective get +inf. Among
// identical points of a front only the first (lowest index) gets a distance,
// computed as if the copies were absent; later copies get 0.
std::vector<double> crowding_distance(const double* F, std::size_t n, std::size_t m,
                                      const std::int32_t* ranks, int n_threads);

}  // namespace evonas
