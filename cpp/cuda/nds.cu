// Non-dominated sorting on the device, front by front ("peeling").
//
// Points are sorted lexicographically, so that every dominator of a point
// comes before it, and copies of a row are adjacent: only the first of a run
// takes part, its copies get its rank at the end. Each round finds the
// remaining points that no earlier remaining point dominates (one thread
// per point, scanning backwards from its nearest predecessor and stopping at
// the first dominator), gives them the round's rank and removes them. A
// point remembers the dominator it found; while that one remains, the point
// is dominated without a scan, so a point is only rescanned after its
// dominator has been ranked.
//
// Work: a front's points scan every earlier remaining point, so up to
// O(n^2 m) in total (all points on one front); memory O(n m). Special cases:
// one objective needs no rounds (the distinct values in order are the
// fronts); with two a round is a prefix minimum (an earlier remaining point
// dominates exactly when its f2 is not larger), O(c) for c remaining points;
// with three a round can run by divide and conquer (nds_front3d.cuh), O(c
// log^2 c) however large the front, which the automatic strategy picks
// unless the last front was small. Equal to the CPU path, ranks and n_stop
// included, whichever the strategy.
#include <thrust/copy.h>
#include <thrust/count.h>
#include <thrust/device_vector.h>
#include <thrust/fill.h>
#include <thrust/for_each.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/remove.h>
#include <thrust/scan.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>
#include <thrust/transform.h>
#include <thrust/transform_reduce.h>

#include <limits>
#include <stdexcept>

#include "exec.cuh"
#include "nds_front3d.cuh"
#include "row_order.cuh"

namespace evonas::EVONAS_DEVICE_NS {
namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

// Position t of the sorted rows starts a run of equal rows: t itself if so,
// 0 otherwise (an inclusive max-scan then names every position's run head).
struct HeadOrZero {
  const double* S;
  std::uint32_t m;
  EVONAS_HD std::uint32_t operator()(std::uint32_t t) const {
    if (t == 0) return 0;
    for (std::uint32_t j = 0; j < m; ++j)
      if (!(S[std::size_t{t} * m + j] == S[std::size_t{t - 1} * m + j])) return t;
    return 0;
  }
};

struct IsHead {
  const std::uint32_t* head;
  EVONAS_HD bool operator()(std::uint32_t t) const { return head[t] == t; }
};

// Whether remaining point R[k] is dominated by an earlier remaining point.
struct FindDominator {
  const double* S;
  std::uint32_t m;
  const std::uint32_t* R;
  const std::int32_t* rank;  // per sorted position; < 0 while not ranked
  std::uint32_t* dominator;  // per sorted position: the last dominator found
  std::uint8_t* dominated;   // per k
  EVONAS_HD void operator()(std::uint32_t k) const {
    const std::uint32_t i = R[k];
    const std::uint32_t known = dominator[i];
    if (known != kNone && rank[known] < 0) {
      dominated[k] = 1;
      return;
    }
    const double* row = S + std::size_t{i} * m;
    for (std::uint32_t u = k; u-- > 0;) {
      const std::uint32_t p = R[u];
      const double* other = S + std::size_t{p} * m;
      bool leq = true;  // rows differ, so weakly dominating is dominating
      for (std::uint32_t j = 0; j < m && leq; ++j) leq = other[j] <= row[j];
      if (leq) {
        dominator[i] = p;
        dominated[k] = 1;
        return;
      }
    }
    dominated[k] = 0;
  }
};

// Two objectives: the f2 of every remaining point, in order.
struct SecondObjective {
  const double* S;
  EVONAS_HD double operator()(std::uint32_t p) const { return S[2 * std::size_t{p} + 1]; }
};

// Dominated when some earlier remaining point has no larger f2 (the first
// has none before it, whatever its f2, +inf included).
struct DominatedByPrefix {
  const double* f2;
  const double* earlier_min;
  EVONAS_HD std::uint8_t operator()(std::uint32_t k) const { return k > 0 && earlier_min[k] <= f2[k] ? 1 : 0; }
};

struct RankFront {
  const std::uint32_t* R;
  const std::uint8_t* dominated;
  std::int32_t front;
  std::int32_t* rank;
  EVONAS_HD void operator()(std::uint32_t k) const {
    if (!dominated[k]) rank[R[k]] = front;
  }
};

// How many points (copies included) the front's members stand for.
struct FrontSize {
  const std::uint32_t* R;
  const std::uint8_t* dominated;
  const std::uint32_t* run_end;  // per sorted head position: one past its run
  EVONAS_HD std::size_t operator()(std::uint32_t k) const {
    return dominated[k] ? 0 : run_end[R[k]] - R[k];
  }
};

struct RunEnd {
  const std::uint32_t* heads;  // the run heads, increasing
  std::size_t count, n;
  std::uint32_t* run_end;
  EVONAS_HD void operator()(std::size_t h) const {
    run_end[heads[h]] = static_cast<std::uint32_t>(h + 1 < count ? heads[h + 1] : n);
  }
};

// One objective: the k-th distinct value is front k, reported while the
// fronts before it hold fewer than n_stop points.
struct RankDistinct {
  const std::uint32_t* R;
  const std::size_t* before;  // points in the fronts before k
  std::size_t n_stop;
  std::int32_t* rank;
  EVONAS_HD void operator()(std::uint32_t k) const { rank[R[k]] = before[k] < n_stop ? static_cast<std::int32_t>(k) : -1; }
};

struct RunLength {
  const std::uint32_t* run_end;
  EVONAS_HD std::size_t operator()(std::uint32_t p) const { return run_end[p] - p; }
};

// ranks[order[t]] = the rank of t's run head.
struct Scatter {
  const std::uint32_t* order;
  const std::uint32_t* head;
  const std::int32_t* rank;
  std::int32_t* ranks;
  EVONAS_HD void operator()(std::uint32_t t) const { ranks[order[t]] = rank[head[t]]; }
};

}  // namespace

void non_dominated_sort(const double* F, std::size_t n, std::size_t m, std::size_t n_stop, std::int32_t* ranks,
                        Where where, NdsStrategy strategy) {
  const DeviceScope scope(where);
  const auto policy = scope.policy();
  thrust::fill(policy, thrust::device_pointer_cast(ranks), thrust::device_pointer_cast(ranks) + n, -1);
  if (n == 0 || n_stop == 0) {
    scope.synchronize();
    return;
  }
  const auto m32 = static_cast<std::uint32_t>(m);
  const thrust::counting_iterator<std::uint32_t> first(0);

  thrust::device_vector<std::uint32_t> order(n);
  thrust::sequence(policy, order.begin(), order.end());
  {  // rows lexicographically, then by index
    thrust::device_vector<std::uint64_t> key(n);
    stable_sort_rows(policy, F, m, order, n, key);
  }
  thrust::device_vector<double> S(n * m);
  gather_rows(policy, F, ptr(order), n, m, ptr(S));

  thrust::device_vector<std::uint32_t> head(n);
  thrust::transform(policy, first, first + n, head.begin(), HeadOrZero{ptr(S), m32});
  thrust::inclusive_scan(policy, head.begin(), head.end(), head.begin(), thrust::maximum<std::uint32_t>());
  thrust::device_vector<std::uint32_t> R(n);
  R.resize(static_cast<std::size_t>(thrust::copy_if(policy, first, first + n, R.begin(), IsHead{ptr(head)}) -
                                    R.begin()));
  thrust::device_vector<std::uint32_t> run_end(n);
  thrust::for_each(policy, thrust::counting_iterator<std::size_t>(0), thrust::counting_iterator<std::size_t>(R.size()),
                   RunEnd{ptr(R), R.size(), n, ptr(run_end)});

  thrust::device_vector<std::int32_t> rank(n, -1);
  if (m == 1) {
    thrust::device_vector<std::size_t> before(R.size());
    thrust::transform(policy, R.begin(), R.end(), before.begin(), RunLength{ptr(run_end)});
    thrust::exclusive_scan(policy, before.begin(), before.end(), before.begin());
    thrust::for_each(policy, first, first + static_cast<std::uint32_t>(R.size()),
                     RankDistinct{ptr(R), ptr(before), n_stop, ptr(rank)});
    R.clear();
  }
  thrust::device_vector<std::uint32_t> dominator(n, kNone);
  thrust::device_vector<std::uint8_t> dominated(R.size());
  thrust::device_vector<double> f2(m == 2 ? R.size() : 0), earlier_min(f2.size());
  std::size_t ranked = 0, last_front = n;
  for (std::int32_t front = 0; !R.empty() && ranked < n_stop; ++front) {
    const auto count = static_cast<std::uint32_t>(R.size());
    // Divide and conquer pays once the scans of a front (its size times the
    // remaining points) outweigh c log^2 c.
    double log_c = 1.0;
    for (std::uint32_t c = count; c > 1; c /= 2) log_c += 1.0;
    const bool divide = m == 3 && (strategy == NdsStrategy::divide ||
                                   (strategy == NdsStrategy::automatic &&
                                    static_cast<double>(last_front) > 4.0 * log_c * log_c));
    if (m == 2) {
      thrust::transform(policy, R.begin(), R.end(), f2.begin(), SecondObjective{ptr(S)});
      thrust::exclusive_scan(policy, f2.begin(), f2.begin() + count, earlier_min.begin(),
                             std::numeric_limits<double>::infinity(), thrust::minimum<double>());
      thrust::transform(policy, first, first + count, dominated.begin(), DominatedByPrefix{ptr(f2), ptr(earlier_min)});
    } else if (divide) {
      front3d::mark_dominated(policy, ptr(S), ptr(R), count, ptr(dominated));
    } else {
      thrust::for_each(policy, first, first + count,
                       FindDominator{ptr(S), m32, ptr(R), ptr(rank), ptr(dominator), ptr(dominated)});
    }
    thrust::for_each(policy, first, first + count, RankFront{ptr(R), ptr(dominated), front, ptr(rank)});
    ranked += thrust::transform_reduce(policy, first, first + count, FrontSize{ptr(R), ptr(dominated), ptr(run_end)},
                                       std::size_t{0}, thrust::plus<std::size_t>());
    // Keep the dominated (dominated[k] != 0): remove where the flag is 0.
    last_front = static_cast<std::size_t>(thrust::count(policy, dominated.begin(), dominated.begin() + count, 0));
    const auto kept = thrust::remove_if(policy, R.begin(), R.end(), dominated.begin(), thrust::logical_not<std::uint8_t>());
    // Every round ranks at least R's first point; a round that ranks none
    // would loop forever, so it is reported instead.
    if (kept == R.end()) throw std::logic_error("evonas: the device sort ranked no point in a round (a bug)");
    R.resize(static_cast<std::size_t>(kept - R.begin()));
  }
  thrust::for_each(policy, first, first + static_cast<std::uint32_t>(n),
                   Scatter{ptr(order), ptr(head), ptr(rank), ranks});
  scope.synchronize();
}

}  // namespace evonas::EVONAS_DEVICE_NS
