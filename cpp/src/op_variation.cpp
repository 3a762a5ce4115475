// Variation: crossover and mutation fused in one pass over the matings, so
// each child is mutated while its row is still in cache.
#include <algorithm>
#include <stdexcept>
#include <vector>

#include "evonas/parallel.hpp"
#include "op_crossover_row.hpp"
#include "op_mutation_row.hpp"

namespace evonas {

void variation(const GeneSpace& space, const double* X, std::size_t n,
               const std::int64_t* parents, std::size_t n_matings, const CrossoverSpec& crossover,
               const MutationSpec& mutation, std::uint64_t seed, std::uint64_t generation,
               int n_threads, double* out) {
  ops::require_index_range(2 * n_matings, "the number of offspring");
  for (std::size_t i = 0; i < 2 * n_matings; ++i)
    if (parents[i] < 0 || static_cast<std::size_t>(parents[i]) >= n)
      throw std::invalid_argument("parent indices must lie in [0, n)");
  ops::Plan plan(space);
  ops::CrossoverPlan cx(crossover);
  ops::MutationPlan mp(mutation, plan);
  const ops::PlanView view = plan.view();
  std::size_t n_var = plan.n_var;
  parallel_for(n_matings, n_threads, ops::kRowGrain / 2, [&](std::size_t lo, std::size_t hi) {
    // Local copies: GCC drops the prefetches when their addresses are read
    // through the closure (it cannot prove them unchanged by the calls).
    const double* const rows = X;
    const std::int64_t* const pairs = parents;
    const std::size_t width = n_var, row_bytes = n_var * sizeof(double);
    std::vector<std::uint8_t> cut(width);  // point crossover's scratch
    // Parents are drawn at random: fetch those of a later mating while this
    // one is worked on, so the memory latencies overlap.
    constexpr std::size_t kAhead = 8;
    for (std::size_t i = lo; i < hi; ++i) {
      if (i + kAhead < hi) {
        const std::int64_t* next = pairs + 2 * (i + kAhead);
        ops::prefetch(rows + static_cast<std::size_t>(next[0]) * width, row_bytes);
        ops::prefetch(rows + static_cast<std::size_t>(next[1]) * width, row_bytes);
      }
      const double* p1 = rows + static_cast<std::size_t>(pairs[2 * i]) * width;
      const double* p2 = rows + static_cast<std::size_t>(pairs[2 * i + 1]) * width;
      double* c1 = out + 2 * i * width;
      double* c2 = c1 + width;
      ops::Draws d(op_stream(seed, generation, OpStream::crossover, i));
      ops::cross_pair(view, cx, p1, p2, c1, c2, d, cut.data());
      if (!mp.active) continue;
      ops::Draws m1(op_stream(seed, generation, OpStream::mutation, 2 * i));
      ops::mutate_row(view, mp, c1, m1);
      ops::Draws m2(op_stream(seed, generation, OpStream::mutation, 2 * i + 1));
      ops::mutate_row(view, mp, c2, m2);
    }
  });
}

}  // namespace evonas
