// Tournament selection, one individual, permutation or tournament at a time:
// the comparison keys, the shuffles that draw the competitors, and the
// tournaments. Host and device code alike (the CPU driver is
// op_selection.cpp, the device's cpp/cuda/op_selection.cu), so both pick the
// same winners.
#pragma once

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "op_detail.hpp"

namespace evonas::ops {

// The arguments of a tournament selection, checked (std::invalid_argument).
inline void require_tournament(std::size_t n, std::size_t n_select, std::size_t k) {
  require_index_range(n_select, "the number of selections");
  if (n_select > 0 && n == 0) throw std::invalid_argument("cannot select from an empty population");
  if (k < 1) throw std::invalid_argument("the tournament size must be >= 1");
  require_index_range(n, "the population size");
  // Permutation indices key the streams, so they must fit the index bits:
  // n_select * k <= 2^28 n (tested without overflow; it also bounds the draws).
  if (n_select > 0 && k > kMaxOpIndex * n / n_select)
    throw std::invalid_argument("n_select * k must be at most 2**28 * the population size");
}

// A double as an unsigned integer with the same order, NaN above +inf (the
// worst value of every criterion) and -0.0 equal to 0.0.
EVONAS_HD inline std::uint64_t order_key(double x) {
  if (std::isnan(x)) return ~std::uint64_t{0};
  x += 0.0;  // -0.0 -> +0.0
#if defined(__CUDA_ARCH__)
  auto bits = static_cast<std::uint64_t>(__double_as_longlong(x));
#else
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
#endif
  return (bits >> 63) ? ~bits : bits | (std::uint64_t{1} << 63);
}

// The three criteria of one individual side by side: a tournament then reads
// one cache line per competitor instead of one per criterion array.
struct Key {
  std::uint64_t violation, primary, secondary;
  EVONAS_HD bool operator<(const Key& o) const {
    if (violation != o.violation) return violation < o.violation;
    if (primary != o.primary) return primary < o.primary;
    return secondary < o.secondary;
  }
};

EVONAS_HD inline Key tournament_key(const TournamentCriteria& c, std::size_t i) {
  // Feasible (cv <= 0) individuals all share violation 0.
  double cv = c.cv && !(c.cv[i] <= 0.0) ? c.cv[i] : 0.0;
  double primary = c.rank ? static_cast<double>(c.rank[i]) : c.fitness ? c.fitness[i] : 0.0;
  return {order_key(cv), order_key(primary), order_key(c.crowding ? -c.crowding[i] : 0.0)};
}

// Elements per bucket of a large shuffle: a block that stays in cache.
inline constexpr std::size_t kShuffleBucket = std::size_t{1} << 14;

// Buckets of a shuffle of n elements (at most 1: a plain Fisher-Yates).
EVONAS_HD inline std::size_t shuffle_buckets(std::size_t n) { return (n + kShuffleBucket - 1) / kShuffleBucket; }

// A uniformly random permutation of [0, n) written to out, from rs. Up to
// kShuffleBucket elements: Fisher-Yates. Beyond, every element first goes to
// a uniformly drawn bucket and then each bucket is shuffled on its own: the
// order is that of iid random keys (bucket, uniform), so still uniform, but
// the swaps stay within a cache-sized block instead of jumping across the
// whole array (selecting from 10^6 individuals: 4x faster). Scratch, only
// for more than one bucket: bucket (n entries) and start
// (shuffle_buckets(n) + 1 entries).
EVONAS_HD inline void shuffle_indices(std::uint32_t* out, std::size_t n, PhiloxStream& rs, std::uint32_t* bucket,
                                      std::size_t* start) {
  const std::size_t n_buckets = shuffle_buckets(n);
  if (n_buckets <= 1) {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint32_t>(i);
    for (std::size_t i = 0; i < n; ++i) exchange(out[i], out[i + rs.below(n - i)]);
    return;
  }
  for (std::size_t b = 0; b <= n_buckets; ++b) start[b] = 0;
  for (std::size_t i = 0; i < n; ++i) {
    bucket[i] = static_cast<std::uint32_t>(rs.below(n_buckets));
    ++start[bucket[i] + 1];
  }
  for (std::size_t b = 1; b <= n_buckets; ++b) start[b] += start[b - 1];
  // Filling advances start[b] to the end of bucket b, the start of b + 1.
  for (std::size_t i = 0; i < n; ++i) out[start[bucket[i]]++] = static_cast<std::uint32_t>(i);
  for (std::size_t b = 0; b < n_buckets; ++b)
    for (std::size_t i = b == 0 ? 0 : start[b - 1], end = start[b]; i < end; ++i)
      exchange(out[i], out[i + rs.below(end - i)]);
}

// The winner among the k competitors who[0 .. k): ties keep the earlier draw.
EVONAS_HD inline std::uint32_t tournament_winner(const Key* keys, const std::uint32_t* who, std::size_t k) {
  std::uint32_t best = who[0];
  for (std::size_t r = 1; r < k; ++r)
    if (keys[who[r]] < keys[best]) best = who[r];
  return best;
}

}  // namespace evonas::ops
