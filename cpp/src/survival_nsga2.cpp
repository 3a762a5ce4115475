// NSGA-II survival: constrained domination, early-stopped non-dominated
// sort and crowding truncation (see survival.hpp for the contract).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "evonas/pareto.hpp"
#include "evonas/survival.hpp"

namespace evonas {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

bool row_has_nan(const double* row, std::size_t m) {
  for (std::size_t j = 0; j < m; ++j)
    if (std::isnan(row[j])) return true;
  return false;
}

// Violation used for ordering: 0 for feasible rows, +inf for rows that
// cannot be compared (NaN), the given cv otherwise.
double violation(const double* F, const double* cv, std::size_t i, std::size_t m) {
  const double c = cv ? cv[i] : 0.0;
  if (std::isnan(c) || row_has_nan(F + i * m, m)) return kInf;
  return c <= 0.0 ? 0.0 : c;
}

}  // namespace

Survivors nsga2_survival(const double* F, const double* cv, std::size_t n, std::size_t m,
                         std::size_t n_survive, int n_threads) {
  n_survive = std::min(n_survive, n);
  std::vector<double> viol(n);
  std::vector<std::int64_t> feasible, infeasible;
  for (std::size_t i = 0; i < n; ++i) {
    viol[i] = violation(F, cv, i, m);
    (viol[i] == 0.0 ? feasible : infeasible).push_back(static_cast<std::int64_t>(i));
  }

  // The feasible rows are copied into a compact matrix so that the sort
  // never sees an infeasible (possibly NaN) row.
  const std::size_t nf = feasible.size();
  std::vector<double> Ff(nf * m);
  for (std::size_t k = 0; k < nf; ++k)
    std::copy_n(F + static_cast<std::size_t>(feasible[k]) * m, m, Ff.data() + k * m);
  const std::size_t n_stop = std::min(n_survive, nf);
  std::vector<std::int32_t> rank = non_dominated_sort(Ff.data(), nf, m, n_stop, n_threads);
  std::vector<double> crowd = crowding_distance(Ff.data(), nf, m, rank.data(), n_threads);

  // Feasible candidates in survival order: by rank, then larger crowding,
  // then lower index; only the last front's order matters for truncation,
  // and the index tie-break makes it deterministic.
  std::vector<std::size_t> order;
  order.reserve(nf);
  for (std::size_t k = 0; k < nf; ++k)
    if (rank[k] >= 0) order.push_back(k);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (rank[a] != rank[b]) return rank[a] < rank[b];
    if (crowd[a] != crowd[b]) return crowd[a] > crowd[b];
    return a < b;
  });
  const std::size_t take_feasible = std::min(order.size(), n_survive);
  std::int32_t n_fronts = 0;
  for (std::size_t k : order) n_fronts = std::max(n_fronts, rank[k] + 1);

  // Infeasible fill, by (violation, index); stable_sort keeps index order.
  const std::size_t take_infeasible = n_survive - take_feasible;
  std::stable_sort(infeasible.begin(), infeasible.end(),
                   [&](std::int64_t a, std::int64_t b) { return viol[a] < viol[b]; });

  // Gather (index, rank, crowding) and return them by increasing index.
  struct Entry {
    std::int64_t index;
    std::int32_t rank;
    double crowding;
  };
  std::vector<Entry> chosen;
  chosen.reserve(n_survive);
  for (std::size_t p = 0; p < take_feasible; ++p) {
    const std::size_t k = order[p];
    chosen.push_back({feasible[k], rank[k], crowd[k]});
  }
  for (std::size_t p = 0; p < take_infeasible; ++p) chosen.push_back({infeasible[p], n_fronts, 0.0});
  std::sort(chosen.begin(), chosen.end(),
            [](const Entry& a, const Entry& b) { return a.index < b.index; });

  Survivors out;
  out.index.reserve(chosen.size());
  out.rank.reserve(chosen.size());
  out.crowding.reserve(chosen.size());
  for (const Entry& e : chosen) {
    out.index.push_back(e.index);
    out.rank.push_back(e.rank);
    out.crowding.push_back(e.crowding);
  }
  return out;
}

}  // namespace evonas
