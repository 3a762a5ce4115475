// NSGA-II crowding distance, front by front. For every front: identical
// points keep only their lowest index (the copies get 0); fronts of at most
// two distinct points are all +inf; otherwise every objective sorts the kept
// points by (value, index), gives +inf to the first and last, and adds
// (next - prev) / range to the others, unless the range is 0 or infinite
// (then it adds 0). Summing objectives in a fixed order keeps the result
// independent of the thread count.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "evonas/parallel.hpp"
#include "evonas/pareto.hpp"
#include "nds_detail.hpp"

namespace evonas {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

using nds_detail::KeyIdx;

class FrontCrowding {
 public:
  // pos: scratch with one entry per input point, shared by fronts (each
  // writes only its own points).
  FrontCrowding(const double* F, std::size_t m, double* out, std::uint32_t* pos)
      : F_(F), m_(m), out_(out), pos_(pos) {}

  // ids: the members of one front in increasing index order.
  void run(const std::uint32_t* ids, std::size_t count, int n_threads) const {
    // The kept points by (objective 0, index): objective 0's order, and
    // position p of a point in it names its slot in the term arrays.
    std::vector<std::uint32_t> kept = dedup_by_first_objective(ids, count);
    const std::size_t k = kept.size();
    if (k <= 2) {
      for (std::uint32_t i : kept) out_[i] = kInf;
      return;
    }
    for (std::size_t p = 0; p < k; ++p) pos_[kept[p]] = static_cast<std::uint32_t>(p);
    std::vector<std::vector<double>> term(m_, std::vector<double>(k, 0.0));
    parallel_for(m_, k >= 20000 ? n_threads : 1, 1, [&](std::size_t j0, std::size_t j1) {
      for (std::size_t j = j0; j < j1; ++j) {
        if (j == 0) {
          objective_terms(kept, 0, term[0]);
          continue;
        }
        std::vector<KeyIdx> order(k);
        for (std::size_t p = 0; p < k; ++p) order[p] = {order_key(at(kept[p], j)), kept[p]};
        nds_detail::sort_by_key(order, 1);
        std::vector<std::uint32_t> sorted(k);
        for (std::size_t p = 0; p < k; ++p) sorted[p] = order[p].idx;
        objective_terms(sorted, j, term[j]);
      }
    });
    for (std::size_t p = 0; p < k; ++p) {
      double d = 0.0;
      for (std::size_t j = 0; j < m_; ++j) d += term[j][p];
      out_[kept[p]] = d;
    }
  }

 private:
  double at(std::uint32_t i, std::size_t j) const { return F_[std::size_t{i} * m_ + j]; }

  bool rest_less(std::uint32_t a, std::uint32_t b) const {
    for (std::size_t j = 1; j < m_; ++j) {
      if (at(a, j) < at(b, j)) return true;
      if (at(b, j) < at(a, j)) return false;
    }
    return false;
  }

  bool rest_equal(std::uint32_t a, std::uint32_t b) const {
    for (std::size_t j = 1; j < m_; ++j)
      if (!(at(a, j) == at(b, j))) return false;
    return true;
  }

  // The front's distinct points (lowest index of each group of copies)
  // sorted by (objective 0, index); sets the copies' distance to 0. Copies
  // share objective 0, so only runs of equal values need a closer look.
  std::vector<std::uint32_t> dedup_by_first_objective(const std::uint32_t* ids,
                                                      std::size_t count) const {
    std::vector<KeyIdx> v(count);
    for (std::size_t i = 0; i < count; ++i) v[i] = {order_key(at(ids[i], 0)), ids[i]};
    nds_detail::sort_by_key(v, 1);
    std::vector<char> copy(count, 0);
    std::vector<std::uint32_t> run;
    for (std::size_t i = 0; i < count;) {
      std::size_t e = i + 1;
      while (e < count && v[e].key == v[i].key) ++e;
      if (e - i > 1) {
        // Positions in the run, by the rest of the row, then index.
        run.resize(e - i);
        for (std::size_t t = 0; t < run.size(); ++t) run[t] = static_cast<std::uint32_t>(i + t);
        std::stable_sort(run.begin(), run.end(), [&](std::uint32_t a, std::uint32_t b) {
          return rest_less(v[a].idx, v[b].idx);
        });
        for (std::size_t t = 1; t < run.size(); ++t)
          if (rest_equal(v[run[t]].idx, v[run[t - 1]].idx)) copy[run[t]] = 1;
      }
      i = e;
    }
    std::vector<std::uint32_t> kept;
    kept.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      if (copy[i])
        out_[v[i].idx] = 0.0;
      else
        kept.push_back(v[i].idx);
    }
    return kept;
  }

  // Objective j's term for the kept points, given in (value, index) order.
  void objective_terms(const std::vector<std::uint32_t>& sorted, std::size_t j,
                       std::vector<double>& term) const {
    const std::size_t k = sorted.size();
    term[pos_[sorted.front()]] = kInf;
    term[pos_[sorted.back()]] = kInf;
    const double lo = at(sorted.front(), j), hi = at(sorted.back(), j);
    const double span = hi - lo;
    if (lo == hi || std::isinf(span)) return;
    for (std::size_t t = 1; t + 1 < k; ++t)
      term[pos_[sorted[t]]] = (at(sorted[t + 1], j) - at(sorted[t - 1], j)) / span;
  }

  const double* F_;
  std::size_t m_;
  double* out_;
  std::uint32_t* pos_;
};

}  // namespace

std::vector<double> crowding_distance(const double* F, std::size_t n, std::size_t m,
                                      const std::int32_t* ranks, int n_threads) {
  std::vector<double> out(n, 0.0);
  if (n == 0) return out;
  n_threads = nds_detail::threads_for(n, n_threads);
  // Members of every front, fronts by rank, members by index.
  std::vector<std::pair<std::int32_t, std::uint32_t>> members;
  members.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    if (ranks[i] >= 0) members.emplace_back(ranks[i], static_cast<std::uint32_t>(i));
  std::stable_sort(members.begin(), members.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::uint32_t> ids(members.size());
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < members.size(); ++i) {
    ids[i] = members[i].second;
    if (i == 0 || members[i].first != members[i - 1].first) starts.push_back(i);
  }
  starts.push_back(members.size());
  const std::size_t n_fronts = starts.size() - 1;
  if (m == 0) {  // every point of a front is a copy of its first one
    for (std::size_t f = 0; f < n_fronts; ++f) out[ids[starts[f]]] = kInf;
    return out;
  }

  // Big fronts one at a time, objectives in parallel; the rest front-parallel.
  const std::size_t big = std::max<std::size_t>(20000, n / 4);
  std::vector<std::size_t> small;
  std::vector<std::uint32_t> pos(n);
  FrontCrowding crowd(F, m, out.data(), pos.data());
  for (std::size_t f = 0; f < n_fronts; ++f) {
    std::size_t size = starts[f + 1] - starts[f];
    if (size >= big)
      crowd.run(ids.data() + starts[f], size, n_threads);
    else
      small.push_back(f);
  }
  parallel_tasks(small.size(), n_threads, [&](std::size_t t) {
    std::size_t f = small[t];
    crowd.run(ids.data() + starts[f], starts[f + 1] - starts[f], 1);
  });
  return out;
}

}  // namespace evonas
