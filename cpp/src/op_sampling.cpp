// Initial populations: independent uniform genes, and Latin hypercube
// samples that stratify every gene.
#include <cmath>
#include <numeric>
#include <vector>

#include "evonas/parallel.hpp"
#include "op_detail.hpp"

namespace evonas {
namespace {

// The gene value at probability level s in [0, 1): the inverse of the gene's
// uniform distribution (log-uniform for log genes, discrete uniform over the
// integral values of discrete genes).
double at_level(const ops::Gene& g, double s) {
  if (g.kind == GeneKind::real) return g.finish(g.wlo + s * (g.whi - g.wlo));
  double x = std::floor(g.lo + s * (g.hi - g.lo + 1.0));
  return std::min(x, g.hi);  // s * count can round up to count
}

// Unbiased integer in [0, n), 0 < n < 2^32, from one 32-bit word in all but
// a fraction n / 2^32 of the draws (Lemire's method on 32 bits: half the
// randomness of PhiloxStream::below, which matters for the shuffles).
std::uint32_t below32(PhiloxStream& rs, std::uint32_t n) {
  std::uint64_t m = std::uint64_t{rs.next_u32()} * n;
  if (static_cast<std::uint32_t>(m) < n) {
    std::uint32_t threshold = (0u - n) % n;
    while (static_cast<std::uint32_t>(m) < threshold) m = std::uint64_t{rs.next_u32()} * n;
  }
  return static_cast<std::uint32_t>(m >> 32);
}

}  // namespace

void sample_random(const GeneSpace& space, std::size_t n, std::uint64_t seed,
                   std::uint64_t generation, int n_threads, double* out) {
  ops::require_index_range(n, "the number of samples");
  ops::Plan plan(space);
  std::size_t n_var = plan.n_var;
  parallel_for(n, n_threads, ops::kRowGrain, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      PhiloxStream rs = op_stream(seed, generation, OpStream::sample, i);
      double* row = out + i * n_var;
      for (std::size_t j = 0; j < n_var; ++j) {
        const ops::Gene& g = plan.genes[j];
        if (g.kind == GeneKind::real) {
          row[j] = at_level(g, rs.uniform());
        } else {  // exactly uniform over the values (no rounding bias)
          auto count = static_cast<std::uint64_t>(g.hi - g.lo) + 1;
          row[j] = g.lo + static_cast<double>(rs.below(count));
        }
      }
    }
  });
}

void sample_lhs(const GeneSpace& space, std::size_t n, std::uint64_t seed,
                std::uint64_t generation, int n_threads, double* out) {
  ops::require_index_range(n, "the number of samples");
  ops::Plan plan(space);
  std::size_t n_var = plan.n_var;
  if (n == 0 || n_var == 0) return;
  // Stratum of every cell, column by column: one Fisher-Yates shuffle per
  // gene, each on its own stream, so columns can go to any thread.
  std::vector<std::uint32_t> strata(n * n_var);
  parallel_tasks(n_var, n_threads, [&](std::size_t j) {
    std::uint32_t* perm = &strata[j * n];
    std::iota(perm, perm + n, std::uint32_t{0});
    PhiloxStream rs = op_stream(seed, generation, OpStream::lhs_permutation, j);
    for (std::size_t i = n - 1; i > 0; --i)
      std::swap(perm[i], perm[below32(rs, static_cast<std::uint32_t>(i + 1))]);
  });
  double inv_n = 1.0 / static_cast<double>(n);
  parallel_for(n, n_threads, ops::kRowGrain, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      PhiloxStream rs = op_stream(seed, generation, OpStream::lhs_jitter, i);
      double* row = out + i * n_var;
      for (std::size_t j = 0; j < n_var; ++j) {
        double s = (static_cast<double>(strata[j * n + i]) + rs.uniform()) * inv_n;
        row[j] = at_level(plan.genes[j], std::min(s, 1.0 - 0x1p-53));
      }
    }
  });
}

}  // namespace evonas
