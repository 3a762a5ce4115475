// NSGA-II survival: constrained domination, early-stopped non-dominated
// sort and crowding truncation (see survival.hpp for the contract).
#include <algorithm>
#include <cmath>
#include <limits>

#include "evonas/pareto.hpp"
#include "evonas/survival.hpp"
#include "nds_detail.hpp"

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

// Front (-1 past the n_stop cut) and crowding distance of every row.
struct Ranking {
  std::vector<std::int32_t> rank;
  std::vector<double> crowd;
  std::int32_t n_fronts = 0;  // fronts ranked
};

// Crowding of one 2-D front given its distinct points as positions K in the
// lexicographic order (rows: the points gathered in it), so by increasing f1
// and decreasing f2: the arithmetic of crowding_distance, term by term.
void crowd_front_2d(const double* rows, const std::uint32_t* order, const std::vector<std::uint32_t>& K,
                    double* crowd) {
  const std::size_t k = K.size();
  if (k <= 2) {
    for (std::uint32_t i : K) crowd[order[i]] = kInf;
    return;
  }
  auto f = [rows](std::uint32_t i, int j) { return rows[2 * std::size_t{i} + j]; };
  const double lo0 = f(K[0], 0), hi0 = f(K[k - 1], 0), lo1 = f(K[k - 1], 1), hi1 = f(K[0], 1);
  const double span0 = hi0 - lo0, span1 = hi1 - lo1;
  const bool use0 = !(lo0 == hi0 || std::isinf(span0)), use1 = !(lo1 == hi1 || std::isinf(span1));
  crowd[order[K[0]]] = crowd[order[K[k - 1]]] = kInf;
  for (std::size_t p = 1; p + 1 < k; ++p) {
    double d = 0.0;
    d += use0 ? (f(K[p + 1], 0) - f(K[p - 1], 0)) / span0 : 0.0;
    d += use1 ? (f(K[p - 1], 1) - f(K[p + 1], 1)) / span1 : 0.0;
    crowd[order[K[p]]] = d;
  }
}

// Two objectives: the lexicographic order that ranks the rows also lists
// every front by increasing f1, copies adjacent and lowest index first, and
// along a front of distinct points f2 strictly decreases, so the f2 order
// crowding needs is that list reversed. Same values as non_dominated_sort +
// crowding_distance, with one sort instead of one per front and objective;
// fronts are walked as positions in that order, reading the gathered rows
// sequentially.
Ranking rank_2d(const double* F, std::size_t n, std::size_t n_stop, int n_threads) {
  Ranking out;
  const std::vector<std::uint32_t> order =
      nds_detail::lex_order(F, n, 2, nds_detail::threads_for(n, n_threads));
  const std::vector<double> rows = nds_detail::gather_rows_2d(F, order.data(), n);
  out.rank = nds_detail::rank_sorted_2d(rows.data(), order.data(), n);
  std::vector<std::size_t> offset(1, 0);  // per-front counts, then starts
  for (std::int32_t r : out.rank) {
    if (static_cast<std::size_t>(r) + 1 >= offset.size()) offset.resize(r + 2, 0);
    ++offset[r + 1];
  }
  // Front r is reported while the fronts before it hold < n_stop points.
  std::size_t cut = 0;
  for (std::size_t before = 0; cut + 1 < offset.size() && before < n_stop; ++cut)
    before += offset[cut + 1];
  offset.resize(cut + 1);
  for (std::size_t r = 0; r < cut; ++r) offset[r + 1] += offset[r];
  std::vector<std::uint32_t> members(offset[cut]);  // positions in the order, front by front
  std::vector<std::size_t> fill(offset.begin(), offset.end() - 1);
  for (std::size_t i = 0; i < n; ++i) {
    const auto r = static_cast<std::size_t>(out.rank[order[i]]);
    if (r < cut) members[fill[r]++] = static_cast<std::uint32_t>(i);
  }
  for (std::int32_t& r : out.rank)
    if (static_cast<std::size_t>(r) >= cut) r = -1;
  out.crowd.assign(n, 0.0);  // copies and unranked rows keep 0
  std::vector<std::uint32_t> kept;
  for (std::size_t r = 0; r < cut; ++r) {
    kept.clear();
    for (std::size_t t = offset[r]; t < offset[r + 1]; ++t) {
      const std::uint32_t i = members[t];
      if (kept.empty() || !nds_detail::rows_equal(&rows[2 * std::size_t{i}], &rows[2 * std::size_t{kept.back()}], 2))
        kept.push_back(i);
    }
    crowd_front_2d(rows.data(), order.data(), kept, out.crowd.data());
  }
  out.n_fronts = static_cast<std::int32_t>(cut);
  return out;
}

Ranking rank_any(const double* F, std::size_t n, std::size_t m, std::size_t n_stop, int n_threads) {
  Ranking out;
  out.rank = non_dominated_sort(F, n, m, n_stop, n_threads);
  out.crowd = crowding_distance(F, n, m, out.rank.data(), n_threads);
  for (std::int32_t r : out.rank) out.n_fronts = std::max(out.n_fronts, r + 1);
  return out;
}

// Iterated removal over the `count` rows ids of F down to n_keep; marks the
// survivors in keep and gives them their measure among the survivors.
void prune_into(const double* F, std::size_t m, const std::uint32_t* ids, std::size_t count, std::size_t n_keep,
                Truncation how, int n_threads, std::vector<char>& keep, std::vector<double>& crowd) {
  std::vector<double> rows(count * m);
  for (std::size_t t = 0; t < count; ++t) std::copy_n(F + std::size_t{ids[t]} * m, m, rows.data() + t * m);
  const PrunedFront kept = prune_front(rows.data(), count, m, n_keep, how, n_threads);
  for (std::size_t t = 0; t < kept.kept.size(); ++t) {
    keep[ids[kept.kept[t]]] = 1;
    crowd[ids[kept.kept[t]]] = kept.crowding[t];
  }
}

// Which ranked rows of F survive when `take` of them do: whole fronts in rank
// order, then the overflowing front cut as `how` says (kCrowding: larger
// crowding, ties lower index, by a selection instead of a sort). Updates
// g.crowd where the truncation measures anew. O(n) besides the cut.
std::vector<char> take_by_front(Ranking& g, const double* F, std::size_t m, std::size_t take, Truncation how,
                                int n_threads) {
  const std::size_t n = g.rank.size();
  std::vector<std::size_t> start(static_cast<std::size_t>(g.n_fronts) + 1, 0);  // counts, then front starts
  for (std::int32_t r : g.rank)
    if (r >= 0) ++start[r + 1];
  std::int32_t last = 0;
  std::size_t before = 0;
  while (last < g.n_fronts && before + start[last + 1] <= take) before += start[++last];
  std::vector<char> keep(n, 0);
  const std::size_t need = take - before;
  if (how != Truncation::kNeighbours && need == 0) {  // whole fronts only: no member lists needed
    for (std::size_t k = 0; k < n; ++k) keep[k] = g.rank[k] >= 0 && g.rank[k] < last;
    return keep;
  }
  // Members of fronts 0..last (last only if it is cut), front by front, in index order.
  const std::int32_t listed = need > 0 ? last + 1 : last;
  for (std::int32_t r = 0; r < listed; ++r) start[r + 1] += start[r];
  std::vector<std::uint32_t> members(start[listed]);
  std::vector<std::size_t> fill(start.begin(), start.begin() + listed);
  for (std::size_t k = 0; k < n; ++k)
    if (g.rank[k] >= 0 && g.rank[k] < listed) members[fill[g.rank[k]]++] = static_cast<std::uint32_t>(k);
  for (std::int32_t r = 0; r < last; ++r) {
    const std::uint32_t* ids = members.data() + start[r];
    const std::size_t count = start[r + 1] - start[r];
    if (how == Truncation::kNeighbours)
      prune_into(F, m, ids, count, count, how, n_threads, keep, g.crowd);
    else
      for (std::size_t t = 0; t < count; ++t) keep[ids[t]] = 1;
  }
  if (need == 0) return keep;
  const auto first = members.begin() + static_cast<std::ptrdiff_t>(start[last]);
  const auto end = members.begin() + static_cast<std::ptrdiff_t>(start[last + 1]);
  if (how != Truncation::kCrowding) {
    prune_into(F, m, &*first, static_cast<std::size_t>(end - first), need, how, n_threads, keep, g.crowd);
    return keep;
  }
  auto better = [&g](std::uint32_t a, std::uint32_t b) {
    if (g.crowd[a] != g.crowd[b]) return g.crowd[a] > g.crowd[b];
    return a < b;
  };
  std::nth_element(first, first + static_cast<std::ptrdiff_t>(need - 1), end, better);
  for (auto it = first; it != first + static_cast<std::ptrdiff_t>(need); ++it) keep[*it] = 1;
  return keep;
}

}  // namespace

Survivors nsga2_survival(const double* F, const double* cv, std::size_t n, std::size_t m,
                         std::size_t n_survive, Truncation how, int n_threads) {
  n_survive = std::min(n_survive, n);
  std::vector<double> viol(n);
  std::vector<std::int64_t> feasible, infeasible;
  feasible.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    viol[i] = violation(F, cv, i, m);
    (viol[i] == 0.0 ? feasible : infeasible).push_back(static_cast<std::int64_t>(i));
  }

  // The sort must never see an infeasible (possibly NaN) row: when there are
  // any, the feasible rows are copied into a compact matrix.
  const std::size_t nf = feasible.size();
  std::vector<double> compact;
  const double* Ff = F;
  if (nf < n) {
    compact.resize(nf * m);
    for (std::size_t k = 0; k < nf; ++k)
      std::copy_n(F + static_cast<std::size_t>(feasible[k]) * m, m, compact.data() + k * m);
    Ff = compact.data();
  }
  const std::size_t n_stop = std::min(n_survive, nf);
  Ranking g = m == 2 ? rank_2d(Ff, nf, n_stop, n_threads) : rank_any(Ff, nf, m, n_stop, n_threads);
  std::size_t n_ranked = 0;
  for (std::int32_t r : g.rank) n_ranked += r >= 0;
  const std::size_t take_feasible = std::min(n_ranked, n_survive);
  const std::vector<char> keep = take_by_front(g, Ff, m, take_feasible, how, n_threads);

  // Infeasible fill, by (violation, index); stable_sort keeps index order.
  const std::size_t take_infeasible = n_survive - take_feasible;
  if (take_infeasible > 0) {
    std::stable_sort(infeasible.begin(), infeasible.end(),
                     [&](std::int64_t a, std::int64_t b) { return viol[a] < viol[b]; });
    infeasible.resize(take_infeasible);
    std::sort(infeasible.begin(), infeasible.end());
  }

  // Merge both by increasing index.
  Survivors out;
  out.index.reserve(n_survive);
  out.rank.reserve(n_survive);
  out.crowding.reserve(n_survive);
  std::size_t k = 0, b = 0;
  for (;;) {
    while (k < nf && !keep[k]) ++k;
    const bool has_f = k < nf, has_i = b < take_infeasible;
    if (!has_f && !has_i) break;
    if (has_f && (!has_i || feasible[k] < infeasible[b])) {
      out.index.push_back(feasible[k]);
      out.rank.push_back(g.rank[k]);
      out.crowding.push_back(g.crowd[k]);
      ++k;
    } else {
      out.index.push_back(infeasible[b++]);
      out.rank.push_back(g.n_fronts);
      out.crowding.push_back(0.0);
    }
  }
  return out;
}

}  // namespace evonas
