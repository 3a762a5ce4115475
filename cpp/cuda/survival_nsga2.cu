// NSGA-II survival on the device, with the CPU path's exact contract
// (evonas/survival.hpp): feasible rows are ranked (stopping once n_survive
// are) and crowded by the device sort and crowding kernels, whole fronts
// survive and the overflowing one is cut by (larger crowding, lower index);
// infeasible rows fill up by (violation, index). Survivors in index order.
#include <thrust/copy.h>
#include <thrust/count.h>
#include <thrust/device_vector.h>
#include <thrust/extrema.h>
#include <thrust/for_each.h>
#include <thrust/gather.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/zip_iterator.h>
#include <thrust/remove.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>
#include <thrust/transform.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "exec.cuh"
#include "row_order.cuh"

namespace evonas::EVONAS_DEVICE_NS {
namespace {

// 0 for a feasible row, +inf for one with a NaN objective or cv, else cv.
struct Violation {
  const double* F;
  const double* cv;  // may be null: every row is feasible unless NaN
  std::uint32_t m;
  EVONAS_HD double operator()(std::uint32_t i) const {
    const double c = cv ? cv[i] : 0.0;
    bool nan = c != c;
    for (std::uint32_t j = 0; j < m; ++j) nan = nan || F[std::size_t{i} * m + j] != F[std::size_t{i} * m + j];
    if (nan) return std::numeric_limits<double>::infinity();
    return c <= 0.0 ? 0.0 : c;
  }
};

struct IsFeasible {
  const double* viol;
  EVONAS_HD bool operator()(std::uint32_t i) const { return viol[i] == 0.0; }
};

// Sort keys of the feasible positions: ranked fronts first (unranked rows
// last), within a front larger crowding first.
struct FrontKey {
  const std::int32_t* rank;
  EVONAS_HD std::uint64_t operator()(std::uint32_t i) const {
    return rank[i] < 0 ? ~std::uint64_t{0} : static_cast<std::uint64_t>(rank[i]);
  }
};

struct LessCrowdedLast {
  const double* crowd;
  EVONAS_HD std::uint64_t operator()(std::uint32_t i) const { return order_key(-crowd[i]); }
};

struct IsRanked {
  EVONAS_HD bool operator()(std::int32_t r) const { return r >= 0; }
};

// Survivor t: feasible position pos[t] (t < take_feasible) or infeasible row
// infeasible[t - take_feasible].
struct WriteSurvivor {
  const std::uint32_t* pos;
  const std::uint32_t* feasible;
  const std::int32_t* rank;
  const double* crowd;
  const std::uint32_t* infeasible;
  std::size_t take_feasible;
  std::int32_t n_fronts;
  std::int64_t* index;
  std::int32_t* out_rank;
  double* out_crowd;
  EVONAS_HD void operator()(std::size_t t) const {
    if (t < take_feasible) {
      const std::uint32_t k = pos[t];
      index[t] = feasible[k];
      out_rank[t] = rank[k];
      out_crowd[t] = crowd[k];
    } else {
      index[t] = infeasible[t - take_feasible];
      out_rank[t] = n_fronts;
      out_crowd[t] = 0.0;
    }
  }
};

}  // namespace

void nsga2_survival(const double* F, const double* cv, std::size_t n, std::size_t m, std::size_t n_survive,
                    std::int64_t* index, std::int32_t* rank_out, double* crowding_out, Where where) {
  n_survive = std::min(n_survive, n);
  if (n_survive == 0) return;
  const DeviceScope scope(where);
  const auto policy = scope.policy();
  const auto m32 = static_cast<std::uint32_t>(m);
  const thrust::counting_iterator<std::uint32_t> first(0);

  thrust::device_vector<double> viol(n);
  thrust::transform(policy, first, first + n, viol.begin(), Violation{F, cv, m32});
  thrust::device_vector<std::uint32_t> feasible(n), infeasible(n);
  feasible.resize(static_cast<std::size_t>(
      thrust::copy_if(policy, first, first + n, feasible.begin(), IsFeasible{ptr(viol)}) - feasible.begin()));
  infeasible.resize(static_cast<std::size_t>(
      thrust::remove_copy_if(policy, first, first + n, infeasible.begin(), IsFeasible{ptr(viol)}) -
      infeasible.begin()));
  const std::size_t nf = feasible.size();

  // The sort never sees an infeasible (possibly NaN) row.
  thrust::device_vector<double> Ff(nf * m);
  gather_rows(policy, F, ptr(feasible), nf, m, ptr(Ff));
  thrust::device_vector<std::int32_t> rank(nf);
  thrust::device_vector<double> crowd(nf);
  non_dominated_sort(ptr(Ff), nf, m, std::min(n_survive, nf), ptr(rank), where);
  crowding_distance(ptr(Ff), nf, m, ptr(rank), ptr(crowd), where);
  const std::int32_t n_fronts =
      nf == 0 ? 0 : 1 + *thrust::max_element(policy, rank.begin(), rank.end());
  const auto n_ranked = static_cast<std::size_t>(thrust::count_if(policy, rank.begin(), rank.end(), IsRanked{}));
  const std::size_t take_feasible = std::min(n_ranked, n_survive);

  // Feasible positions by (front, larger crowding, index): two stable radix sorts.
  thrust::device_vector<std::uint32_t> pos(nf);
  thrust::sequence(policy, pos.begin(), pos.end());
  {
    thrust::device_vector<std::uint64_t> key(nf);
    stable_sort_by(policy, pos, nf, key, LessCrowdedLast{ptr(crowd)});
    stable_sort_by(policy, pos, nf, key, FrontKey{ptr(rank)});
  }
  if (take_feasible < n_survive) {
    // Infeasible rows by (violation, index): a stable sort of the index order.
    thrust::device_vector<double> key(infeasible.size());
    thrust::gather(policy, infeasible.begin(), infeasible.end(), viol.begin(), key.begin());
    thrust::stable_sort_by_key(policy, key.begin(), key.end(), infeasible.begin());
  }
  thrust::for_each(policy, thrust::counting_iterator<std::size_t>(0),
                   thrust::counting_iterator<std::size_t>(n_survive),
                   WriteSurvivor{ptr(pos), ptr(feasible), ptr(rank), ptr(crowd), ptr(infeasible), take_feasible,
                                 n_fronts, index, rank_out, crowding_out});
  // Survivors in increasing index order.
  const auto idx = thrust::device_pointer_cast(index);
  thrust::sort_by_key(policy, idx, idx + n_survive,
                      thrust::make_zip_iterator(thrust::make_tuple(thrust::device_pointer_cast(rank_out),
                                                                   thrust::device_pointer_cast(crowding_out))));
  scope.synchronize();
}

}  // namespace evonas::EVONAS_DEVICE_NS
