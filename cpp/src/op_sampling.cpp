// Initial populations: independent uniform genes, and Latin hypercube
// samples that stratify every gene. The per-row code is op_sampling_row.hpp
// (shared with the device).
#include <vector>

#include "evonas/parallel.hpp"
#include "op_sampling_row.hpp"

namespace evonas {

void sample_random(const GeneSpace& space, std::size_t n, std::uint64_t seed,
                   std::uint64_t generation, int n_threads, double* out) {
  ops::require_index_range(n, "the number of samples");
  ops::Plan plan(space);
  const ops::PlanView view = plan.view();
  std::size_t n_var = plan.n_var;
  parallel_for(n, n_threads, ops::kRowGrain, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) ops::sample_row(view, seed, generation, i, out + i * n_var);
  });
}

void sample_lhs(const GeneSpace& space, std::size_t n, std::uint64_t seed,
                std::uint64_t generation, int n_threads, double* out) {
  ops::require_index_range(n, "the number of samples");
  ops::Plan plan(space);
  const ops::PlanView view = plan.view();
  std::size_t n_var = plan.n_var;
  if (n == 0 || n_var == 0) return;
  // Stratum of every cell, column by column: one shuffle per gene, each on
  // its own stream, so columns can go to any thread.
  std::vector<std::uint32_t> strata(n * n_var);
  const bool scratch = ops::shuffle_buckets(n) > 1;
  parallel_tasks(n_var, n_threads, [&](std::size_t j) {
    std::vector<std::uint32_t> bucket(scratch ? n : 0);
    std::vector<std::size_t> start(scratch ? ops::shuffle_buckets(n) + 1 : 0);
    PhiloxStream rs = ops::lhs_strata_stream(seed, generation, j);
    ops::shuffle_indices(&strata[j * n], n, rs, bucket.data(), start.data());
  });
  parallel_for(n, n_threads, ops::kRowGrain, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) ops::lhs_row(view, strata.data(), n, seed, generation, i, out + i * n_var);
  });
}

}  // namespace evonas
