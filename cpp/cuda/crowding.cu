// NSGA-II crowding distance on the device, every front at once, with the
// CPU path's exact semantics (cpp/src/crowding.cpp): identical points of a
// front keep only their lowest index, each objective gives +inf to a front's
// first and last point in (value, index) order and (next - prev) / range to
// the others (0 when the range is 0 or infinite), summed over the objectives
// in order. The same operations in the same order: equal to the CPU path.
#include <thrust/binary_search.h>
#include <thrust/copy.h>
#include <thrust/device_vector.h>
#include <thrust/fill.h>
#include <thrust/for_each.h>
#include <thrust/gather.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/remove.h>
#include <thrust/sort.h>

#include <cmath>
#include <limits>

#include "exec.cuh"
#include "row_order.cuh"

namespace evonas::EVONAS_DEVICE_NS {
namespace {

struct Rows {
  const double* F;
  const std::int32_t* rank;
  std::uint32_t m;
  EVONAS_HD double at(std::uint32_t i, std::uint32_t j) const { return F[std::size_t{i} * m + j]; }
};

struct InAFront {
  const std::int32_t* rank;
  EVONAS_HD bool operator()(std::uint32_t i) const { return rank[i] >= 0; }
};

// Whether sorted position t repeats the row (and front) at t - 1.
struct IsCopy {
  Rows r;
  const std::uint32_t* sorted;
  EVONAS_HD bool operator()(std::uint32_t t) const {
    if (t == 0) return false;
    const std::uint32_t a = sorted[t], b = sorted[t - 1];
    if (r.rank[a] != r.rank[b]) return false;
    for (std::uint32_t j = 0; j < r.m; ++j)
      if (!(r.at(a, j) == r.at(b, j))) return false;
    return true;
  }
};

// Adds objective j's term of sorted position t to out[point].
struct AddTerm {
  Rows r;
  std::uint32_t j;
  const std::uint32_t* order;
  const std::uint32_t* begin;  // per position, its front's first position
  const std::uint32_t* end;    // and one past its last
  double* out;
  EVONAS_HD void operator()(std::uint32_t t) const {
    const std::uint32_t s = begin[t], e = end[t];
    double term = 0.0;
    if (t == s || t + 1 == e) {
      term = std::numeric_limits<double>::infinity();
    } else {
      const double lo = r.at(order[s], j), hi = r.at(order[e - 1], j), span = hi - lo;
      if (!(lo == hi || std::isinf(span))) term = (r.at(order[t + 1], j) - r.at(order[t - 1], j)) / span;
    }
    out[order[t]] += term;
  }
};

}  // namespace

void crowding_distance(const double* F, std::size_t n, std::size_t m, const std::int32_t* ranks, double* out,
                       Where where) {
  const DeviceScope scope(where);
  const auto policy = scope.policy();
  thrust::fill(policy, thrust::device_pointer_cast(out), thrust::device_pointer_cast(out) + n, 0.0);
  if (n == 0) return;
  const Rows rows{F, ranks, static_cast<std::uint32_t>(m)};
  const thrust::counting_iterator<std::uint32_t> first(0);

  thrust::device_vector<std::uint32_t> members(n);
  const auto members_end = thrust::copy_if(policy, first, first + n, members.begin(), InAFront{ranks});
  members.resize(static_cast<std::size_t>(members_end - members.begin()));
  const std::size_t count = members.size();
  // (rank, the row lexicographically, index): copies of a row end up
  // adjacent, the lowest index first (members come in index order).
  thrust::device_vector<std::uint64_t> key(count);
  stable_sort_rows(policy, F, m, members, count, key);
  stable_sort_by(policy, members, count, key, RankKey{ranks});

  // The kept points (no copies), fronts in rank order.
  thrust::device_vector<std::uint32_t> kept(count);
  const auto kept_end =
      thrust::remove_copy_if(policy, members.begin(), members.end(), first, kept.begin(),
                             IsCopy{rows, thrust::raw_pointer_cast(members.data())});
  kept.resize(static_cast<std::size_t>(kept_end - kept.begin()));
  const std::size_t k = kept.size();

  // Each position's front: [begin, end) in every objective's order alike,
  // since each sorts by rank first.
  thrust::device_vector<std::int32_t> front(k);
  thrust::gather(policy, kept.begin(), kept.end(), thrust::device_pointer_cast(ranks), front.begin());
  thrust::device_vector<std::uint32_t> begin(k), end(k);
  thrust::lower_bound(policy, front.begin(), front.end(), front.begin(), front.end(), begin.begin());
  thrust::upper_bound(policy, front.begin(), front.end(), front.begin(), front.end(), end.begin());

  thrust::device_vector<std::uint32_t> order(k);
  for (std::uint32_t j = 0; j < m; ++j) {
    // (rank, objective j, index)
    thrust::copy(policy, kept.begin(), kept.end(), order.begin());
    thrust::sort(policy, order.begin(), order.end());
    stable_sort_by(policy, order, k, key, ColumnKey{F, static_cast<std::uint32_t>(m), j});
    stable_sort_by(policy, order, k, key, RankKey{ranks});
    thrust::for_each(policy, first, first + k,
                     AddTerm{rows, j, thrust::raw_pointer_cast(order.data()), thrust::raw_pointer_cast(begin.data()),
                             thrust::raw_pointer_cast(end.data()), out});
  }
  scope.synchronize();
}

}  // namespace evonas::EVONAS_DEVICE_NS
