// k-way tournament selection on (violation, rank or fitness, -crowding).
#include <algorithm>
#include <vector>

#include "evonas/parallel.hpp"
#include "op_selection_row.hpp"

namespace evonas {
namespace {

// The competitors of all tournaments in a row: permutation p of the
// population, drawn from the stream (seed, generation, select, p), fills
// positions [p n, (p + 1) n), and tournament t takes positions [t k, t k + k).
// This is tournament selection without replacement (Deb's NSGA-II code,
// pymoo): every individual gets one place in each permutation. Drawing with
// replacement instead leaves e^-k of the population (13.5% at k = 2) out of
// a generation's tournaments, extremes of the front included, and adds
// selection noise (Goldberg and Deb 1991; Sastry and Goldberg 2001); on the
// ZDT problems NSGA-II's final hypervolume drops measurably with it. Each
// permutation has its own stream, so the result does not depend on the
// thread count.
std::vector<std::uint32_t> competitors(std::size_t n, std::size_t count, std::uint64_t seed,
                                       std::uint64_t generation, int n_threads) {
  if (count == 0) return {};
  const std::size_t n_perm = (count + n - 1) / n;
  std::vector<std::uint32_t> out(n_perm * n);
  const std::size_t n_buckets = ops::shuffle_buckets(n);
  parallel_for(n_perm, n_threads, std::max<std::size_t>(1, ops::kShuffleBucket / n),
               [&](std::size_t lo, std::size_t hi) {
                 std::vector<std::uint32_t> bucket(n_buckets > 1 ? n : 0);
                 std::vector<std::size_t> start(n_buckets > 1 ? n_buckets + 1 : 0);
                 for (std::size_t p = lo; p < hi; ++p) {
                   PhiloxStream rs = op_stream(seed, generation, OpStream::select, p);
                   ops::shuffle_indices(out.data() + p * n, n, rs, bucket.data(), start.data());
                 }
               });
  return out;
}

}  // namespace

std::vector<std::int64_t> tournament_select(const TournamentCriteria& c, std::size_t n,
                                            std::size_t n_select, std::size_t k,
                                            std::uint64_t seed, std::uint64_t generation,
                                            int n_threads) {
  ops::require_tournament(n, n_select, k);
  std::vector<ops::Key> keys(n);
  parallel_for(n, n_threads, 1 << 14, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) keys[i] = ops::tournament_key(c, i);
  });
  const std::vector<std::uint32_t> drawn = competitors(n, n_select * k, seed, generation, n_threads);
  std::vector<std::int64_t> winners(n_select);
  parallel_for(n_select, n_threads, 1 << 13, [&](std::size_t lo, std::size_t hi) {
    // Tournaments go in batches: prefetch the keys of every competitor of
    // the batch, then decide. The keys are read at random, so this
    // overlaps the memory latencies instead of paying them one by one.
    constexpr std::size_t kBatch = 32;
    for (std::size_t start = lo; start < hi; start += kBatch) {
      std::size_t end = std::min(hi, start + kBatch);
      for (std::size_t i = start * k; i < end * k; ++i) ops::prefetch(&keys[drawn[i]], sizeof(ops::Key));
      for (std::size_t t = start; t < end; ++t)
        winners[t] = static_cast<std::int64_t>(ops::tournament_winner(keys.data(), &drawn[t * k], k));
    }
  });
  return winners;
}

}  // namespace evonas
