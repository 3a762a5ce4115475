// Orders of row indices by radix sorts: each key (a column's order_key, a
// rank) is one stable radix sort of 64-bit keys, least significant first,
// instead of a comparison sort whose every comparison reads rows at random.
// The orders equal those of the comparison sorts they replace: ties keep
// the order the indices came in.
#pragma once

#include <thrust/device_vector.h>
#include <thrust/sort.h>
#include <thrust/transform.h>

#include "exec.cuh"
#include "order_key.hpp"

namespace evonas::EVONAS_DEVICE_NS {

// Row i's value in column j, as a sort key.
struct ColumnKey {
  const double* F;
  std::uint32_t m, j;
  EVONAS_HD std::uint64_t operator()(std::uint32_t i) const { return order_key(F[std::size_t{i} * m + j]); }
};

// Row i's rank (>= 0), as a sort key.
struct RankKey {
  const std::int32_t* rank;
  EVONAS_HD std::uint64_t operator()(std::uint32_t i) const { return static_cast<std::uint32_t>(rank[i]); }
};

// Reorders order[0 .. count) stably by key_of(index); `key` holds at least count entries.
template <class Policy, class KeyOf>
void stable_sort_by(const Policy& policy, thrust::device_vector<std::uint32_t>& order, std::size_t count,
                    thrust::device_vector<std::uint64_t>& key, KeyOf key_of) {
  thrust::transform(policy, order.begin(), order.begin() + count, key.begin(), key_of);
  thrust::stable_sort_by_key(policy, key.begin(), key.begin() + count, order.begin());
}

// Reorders order[0 .. count) stably by the rows of F (n x m) lexicographically.
template <class Policy>
void stable_sort_rows(const Policy& policy, const double* F, std::size_t m, thrust::device_vector<std::uint32_t>& order,
                      std::size_t count, thrust::device_vector<std::uint64_t>& key) {
  for (std::size_t j = m; j-- > 0;)
    stable_sort_by(policy, order, count, key,
                   ColumnKey{F, static_cast<std::uint32_t>(m), static_cast<std::uint32_t>(j)});
}

}  // namespace evonas::EVONAS_DEVICE_NS
