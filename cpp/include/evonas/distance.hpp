// Nearest distances between two point sets, for the distance-based quality
// indicators (GD, GD+, IGD, IGD+). Inputs are row-major, finite (the Python
// layer checks); nothing is modified.
#pragma once

#include <cstddef>
#include <vector>

namespace evonas {

// How far query point q is from site s.
enum class DistanceKind : int {
  euclidean = 0,  // ||q - s||                       (GD, IGD)
  excess = 1,     // ||max(s - q, 0)||: s's excess over q     (IGD+: q reference, s solution)
  deficit = 2,    // ||max(q - s, 0)||: q's excess over s     (GD+: q solution, s reference)
};

// For every row of `queries` (n_queries x m), the distance to the nearest row
// of `sites` (n_sites x m, n_sites >= 1). A k-d tree over the sites, pruned by
// each node's bounding box (a lower bound for all three kinds); exact, and
// the same on any number of threads.
std::vector<double> nearest_distances(const double* queries, std::size_t n_queries, const double* sites,
                                      std::size_t n_sites, std::size_t m, DistanceKind kind, int n_threads);

}  // namespace evonas
