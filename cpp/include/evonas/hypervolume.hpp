// Hypervolume indicator (minimisation). Points that do not strictly dominate
// the reference point in every objective contribute nothing. F and ref are
// finite or +inf (the Python layer rejects NaN and -inf); F is row-major n x m.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace evonas {

// Exact hypervolume: m <= 2 sweep, m == 3 HV3D+, m == 4 HV4D+, m >= 5 WFG.
double hypervolume(const double* F, std::size_t n, std::size_t m, const double* ref, int n_threads);

// Exact exclusive contribution of every point (0 for dominated points, for
// points outside the reference box, and for points with an identical copy).
std::vector<double> hv_contributions(const double* F, std::size_t n, std::size_t m,
                                     const double* ref, int n_threads);

struct MonteCarloEstimate {
  double value;
  double std_error;
};

// Monte-Carlo estimate from `samples` uniform points in the box spanned by the
// points' ideal and ref. The same seed gives the same value for any n_threads.
MonteCarloEstimate hypervolume_mc(const double* F, std::size_t n, std::size_t m, const double* ref,
                                  std::uint64_t samples, std::uint64_t seed, int n_threads);

}  // namespace evonas
