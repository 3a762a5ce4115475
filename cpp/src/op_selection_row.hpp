// Tournament selection, one individual, permutation or tournament at a time:
// the comparison keys, the shuffles that draw the competitors, and the
// tournaments. Host and device code alike (the CPU driver is
// op_selection.cpp, the device's cpp/cuda/op_selection.cu), so both pick the
// same winners.
#pragma once

#include <cmath>
#include <stdexcept>

#include "op_detail.hpp"
#include "op_shuffle.hpp"
#include "order_key.hpp"

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

// The winner among the k competitors who[0 .. k): ties keep the earlier draw.
EVONAS_HD inline std::uint32_t tournament_winner(const Key* keys, const std::uint32_t* who, std::size_t k) {
  std::uint32_t best = who[0];
  for (std::size_t r = 1; r < k; ++r)
    if (keys[who[r]] < keys[best]) best = who[r];
  return best;
}

}  // namespace evonas::ops
