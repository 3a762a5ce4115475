// k-way tournament selection on (violation, rank or fitness, -crowding).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "evonas/parallel.hpp"
#include "op_detail.hpp"

namespace evonas {
namespace {

// A double as an unsigned integer with the same order, NaN above +inf (the
// worst value of every criterion) and -0.0 equal to 0.0.
std::uint64_t order_key(double x) {
  if (std::isnan(x)) return ~std::uint64_t{0};
  x += 0.0;  // -0.0 -> +0.0
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits >> 63) ? ~bits : bits | (std::uint64_t{1} << 63);
}

// The three criteria of one individual side by side: a tournament then reads
// one cache line per competitor instead of one per criterion array.
struct Key {
  std::uint64_t violation, primary, secondary;
  bool operator<(const Key& o) const {
    if (violation != o.violation) return violation < o.violation;
    if (primary != o.primary) return primary < o.primary;
    return secondary < o.secondary;
  }
};

}  // namespace

std::vector<std::int64_t> tournament_select(const TournamentCriteria& c, std::size_t n,
                                            std::size_t n_select, std::size_t k,
                                            std::uint64_t seed, std::uint64_t generation,
                                            int n_threads) {
  ops::require_index_range(n_select, "the number of selections");
  if (n_select > 0 && n == 0) throw std::invalid_argument("cannot select from an empty population");
  if (k < 1) throw std::invalid_argument("the tournament size must be >= 1");
  std::vector<Key> keys(n);
  parallel_for(n, n_threads, 1 << 14, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      Key& key = keys[i];
      // Feasible (cv <= 0) individuals all share violation 0.
      double cv = c.cv && !(c.cv[i] <= 0.0) ? c.cv[i] : 0.0;
      double primary = c.rank ? static_cast<double>(c.rank[i]) : c.fitness ? c.fitness[i] : 0.0;
      key.violation = order_key(cv);
      key.primary = order_key(primary);
      key.secondary = order_key(c.crowding ? -c.crowding[i] : 0.0);
    }
  });
  std::vector<std::int64_t> winners(n_select);
  parallel_for(n_select, n_threads, 1 << 13, [&](std::size_t lo, std::size_t hi) {
    // Tournaments go in batches: draw every competitor of the batch and
    // prefetch its key, then decide. The keys are read at random, so this
    // overlaps the memory latencies instead of paying them one by one.
    constexpr std::size_t kBatch = 32;
    std::vector<std::size_t> drawn(kBatch * k);
    for (std::size_t start = lo; start < hi; start += kBatch) {
      std::size_t end = std::min(hi, start + kBatch);
      for (std::size_t t = start; t < end; ++t) {
        PhiloxStream rs = op_stream(seed, generation, OpStream::select, t);
        std::size_t* who = &drawn[(t - start) * k];
        for (std::size_t r = 0; r < k; ++r) {
          who[r] = rs.below(n);
          ops::prefetch(&keys[who[r]], sizeof(Key));
        }
      }
      for (std::size_t t = start; t < end; ++t) {
        const std::size_t* who = &drawn[(t - start) * k];
        std::size_t best = who[0];
        for (std::size_t r = 1; r < k; ++r)
          if (keys[who[r]] < keys[best]) best = who[r];  // ties keep the earlier draw
        winners[t] = static_cast<std::int64_t>(best);
      }
    }
  });
  return winners;
}

}  // namespace evonas
