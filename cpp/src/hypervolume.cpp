// Dispatch by dimension after dropping the points that cannot contribute.
#include "evonas/hypervolume.hpp"

#include <algorithm>
#include <limits>

#include "hv_detail.hpp"

namespace evonas {
namespace {

struct InsideRef {
  std::vector<double> points;      // row-major k x m
  std::vector<std::size_t> index;  // row in F of each kept point
};

InsideRef points_inside(const double* F, std::size_t n, std::size_t m, const double* ref) {
  InsideRef kept;
  for (std::size_t i = 0; i < n; ++i) {
    const double* row = F + i * m;
    bool inside = true;
    for (std::size_t j = 0; j < m && inside; ++j) inside = row[j] < ref[j];
    if (!inside) continue;
    kept.points.insert(kept.points.end(), row, row + m);
    kept.index.push_back(i);
  }
  return kept;
}

}  // namespace

double hypervolume(const double* F, std::size_t n, std::size_t m, const double* ref,
                   int n_threads) {
  InsideRef kept = points_inside(F, n, m, ref);
  std::size_t k = kept.index.size();
  if (k == 0) return 0.0;
  const double* p = kept.points.data();
  switch (m) {
    case 1: return ref[0] - *std::min_element(p, p + k);
    case 2: return detail::hv2d(p, k, ref);
    case 3: return detail::hv3d(p, k, ref);
    case 4: return detail::hv4d(p, k, ref);
    default: return detail::hv_wfg(p, k, m, ref, n_threads);
  }
}

std::vector<double> hv_contributions(const double* F, std::size_t n, std::size_t m,
                                     const double* ref, int n_threads) {
  std::vector<double> result(n, 0.0);
  InsideRef kept = points_inside(F, n, m, ref);
  std::size_t k = kept.index.size();
  if (k == 0) return result;
  const double* p = kept.points.data();
  std::vector<double> c(k, 0.0);
  if (m == 1) {
    // Only a unique minimum owns volume: up to the next value or ref.
    std::size_t best = 0;
    double second = ref[0];
    for (std::size_t i = 1; i < k; ++i) {
      if (p[i] < p[best]) {
        second = p[best];
        best = i;
      } else if (p[i] < second) {
        second = p[i];
      }
    }
    c[best] = second - p[best];  // 0 when the minimum is repeated
  } else if (m == 2) {
    detail::hvc2d(p, k, ref, c.data());
  } else if (m == 3) {
    detail::hvc3d(p, k, ref, c.data());
  } else {
    detail::hvc_general(p, k, m, ref, n_threads, c.data());
  }
  for (std::size_t i = 0; i < k; ++i) result[kept.index[i]] = c[i];
  return result;
}

}  // namespace evonas
