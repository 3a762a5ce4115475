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

namespace evonas {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

using ValueIdx = std::pair<double, std::uint32_t>;

bool value_idx_less(const ValueIdx& a, const ValueIdx& b) {
  return a.first < b.first || (!(b.first < a.first) && a.second < b.second);
}

class FrontCrowding {
 public:
  FrontCrowding(const double* F, std::size_t m, double* out) : F_(F), m_(m), out_(out) {}

  // ids: the members of one front in increasing index order.
  void run(const std::uint32_t* ids, std::size_t count, int n_threads) {
    std::vector<ValueIdx> first = dedup_by_first_objective(ids, count);
    const std::size_t k = first.size();
    if (k <= 2) {
      for (const auto& e : first) out_[e.second] = kInf;
      return;
    }
    // kept[i]: the kept points by index; objective sorts refer to them by
    // position so that the per-objective terms can go to plain arrays.
    std::vector<std::uint32_t> kept(k);
    for (std::size_t i = 0; i < k; ++i) kept[i] = first[i].second;
    std::sort(kept.begin(), kept.end());
    std::vector<std::vector<double>> term(m_, std::vector<double>(k, 0.0));
    parallel_for(m_, k >= 20000 ? n_threads : 1, 1, [&](std::size_t j0, std::size_t j1) {
      for (std::size_t j = j0; j < j1; ++j) objective_terms(kept, j, term[j]);
    });
    for (std::size_t i = 0; i < k; ++i) {
      double d = 0.0;
      for (std::size_t j = 0; j < m_; ++j) d += term[j][i];
      out_[kept[i]] = d;
    }
  }

 private:
  double at(std::uint32_t i, std::size_t j) const { return F_[std::size_t{i} * m_ + j]; }

  bool row_less(std::uint32_t a, std::uint32_t b) const {
    for (std::size_t j = 1; j < m_; ++j) {
      if (at(a, j) < at(b, j)) return true;
      if (at(b, j) < at(a, j)) return false;
    }
    return false;
  }

  bool row_equal(std::uint32_t a, std::uint32_t b) const {
    for (std::size_t j = 1; j < m_; ++j)
      if (!(at(a, j) == at(b, j))) return false;
    return true;
  }

  // The front's distinct points (lowest index of each group of copies)
  // sorted by (objective 0, index); sets the copies' distance to 0. Copies
  // share objective 0, so only runs of equal values need a closer look.
  std::vector<ValueIdx> dedup_by_first_objective(const std::uint32_t* ids, std::size_t count) {
    std::vector<ValueIdx> v(count);
    for (std::size_t i = 0; i < count; ++i) v[i] = {at(ids[i], 0), ids[i]};
    std::sort(v.begin(), v.end(), value_idx_less);
    std::vector<char> copy(count, 0);
    std::vector<std::uint32_t> run;
    for (std::size_t i = 0; i < count;) {
      std::size_t e = i + 1;
      while (e < count && v[e].first == v[i].first) ++e;
      if (e - i > 1 && m_ > 1) {
        // Positions in the run, by the rest of the row, then index.
        run.resize(e - i);
        for (std::size_t t = 0; t < run.size(); ++t) run[t] = static_cast<std::uint32_t>(i + t);
        std::stable_sort(run.begin(), run.end(), [&](std::uint32_t a, std::uint32_t b) {
          return row_less(v[a].second, v[b].second);
        });
        for (std::size_t t = 1; t < run.size(); ++t)
          if (row_equal(v[run[t]].second, v[run[t - 1]].second)) copy[run[t]] = 1;
      } else if (e - i > 1) {
        for (std::size_t t = i + 1; t < e; ++t) copy[t] = 1;
      }
      i = e;
    }
    std::size_t out = 0;
    for (std::size_t i = 0; i < count; ++i) {
      if (copy[i])
        out_[v[i].second] = 0.0;
      else
        v[out++] = v[i];
    }
    v.resize(out);
    return v;
  }

  // Objective j's term for each kept point (by position in `kept`).
  void objective_terms(const std::vector<std::uint32_t>& kept, std::size_t j,
                       std::vector<double>& term) const {
    const std::size_t k = kept.size();
    std::vector<ValueIdx> order(k);  // (value, position); positions follow index
    for (std::size_t i = 0; i < k; ++i) order[i] = {at(kept[i], j), static_cast<std::uint32_t>(i)};
    std::sort(order.begin(), order.end(), value_idx_less);
    term[order.front().second] = kInf;
    term[order.back().second] = kInf;
    const double lo = order.front().first, hi = order.back().first;
    const double span = hi - lo;
    if (lo == hi || std::isinf(span)) return;
    for (std::size_t t = 1; t + 1 < k; ++t)
      term[order[t].second] = (order[t + 1].first - order[t - 1].first) / span;
  }

  const double* F_;
  std::size_t m_;
  double* out_;
};

}  // namespace

std::vector<double> crowding_distance(const double* F, std::size_t n, std::size_t m,
                                      const std::int32_t* ranks, int n_threads) {
  std::vector<double> out(n, 0.0);
  if (n == 0) return out;
  if (m == 0) {  // every point of a front is a copy of the first
    std::vector<std::int32_t> seen;
    for (std::size_t i = 0; i < n; ++i) {
      if (ranks[i] < 0) continue;
      if (std::find(seen.begin(), seen.end(), ranks[i]) == seen.end()) {
        seen.push_back(ranks[i]);
        out[i] = kInf;
      }
    }
    return out;
  }
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

  // Big fronts one at a time, objectives in parallel; the rest front-parallel.
  const std::size_t big = std::max<std::size_t>(20000, n / 4);
  std::vector<std::size_t> small;
  FrontCrowding crowd(F, m, out.data());
  for (std::size_t f = 0; f < n_fronts; ++f) {
    std::size_t size = starts[f + 1] - starts[f];
    if (size >= big)
      crowd.run(ids.data() + starts[f], size, n_threads);
    else
      small.push_back(f);
  }
  const int workers = n >= 4096 ? n_threads : 1;
  parallel_tasks(small.size(), workers, [&](std::size_t t) {
    std::size_t f = small[t];
    crowd.run(ids.data() + starts[f], starts[f + 1] - starts[f], 1);
  });
  return out;
}

}  // namespace evonas
