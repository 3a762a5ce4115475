// Sampling, one row or one column at a time: uniform rows and the two steps
// of a Latin hypercube (a shuffle of strata per column, a jitter per row).
// Host and device code alike (the CPU driver is op_sampling.cpp, the
// device's cpp/cuda/op_sampling.cu), so both draw the same genomes.
#pragma once

#include <algorithm>
#include <cmath>

#include "op_detail.hpp"
#include "op_shuffle.hpp"

namespace evonas::ops {

// The gene value at probability level s in [0, 1): the inverse of the gene's
// uniform distribution (log-uniform for log genes, discrete uniform over the
// integral values of discrete genes).
EVONAS_HD inline double at_level(const Gene& g, double s) {
  if (g.kind == GeneKind::real) return g.finish(g.wlo + s * (g.whi - g.wlo));
  double x = std::floor(g.lo + s * (g.hi - g.lo + 1.0));
  return std::min(x, g.hi);  // s * count can round up to count
}

// Row i of a uniform sample: independent genes.
EVONAS_HD inline void sample_row(const PlanView& plan, std::uint64_t seed, std::uint64_t generation, std::size_t i,
                                 double* row) {
  PhiloxStream rs = op_stream(seed, generation, OpStream::sample, i);
  for (std::size_t j = 0; j < plan.n_var; ++j) {
    const Gene& g = plan.genes[j];
    if (g.kind == GeneKind::real) {
      row[j] = at_level(g, rs.uniform());
    } else {  // exactly uniform over the values (no rounding bias)
      auto count = static_cast<std::uint64_t>(g.hi - g.lo) + 1;
      row[j] = g.lo + static_cast<double>(rs.below(count));
    }
  }
}

// The stream of the strata of column j of a Latin hypercube: a permutation
// of the rows (shuffle_indices).
EVONAS_HD inline PhiloxStream lhs_strata_stream(std::uint64_t seed, std::uint64_t generation, std::size_t j) {
  return op_stream(seed, generation, OpStream::lhs_permutation, j);
}

// Row i of an n-row Latin hypercube whose strata (column j at j * n) are drawn.
EVONAS_HD inline void lhs_row(const PlanView& plan, const std::uint32_t* strata, std::size_t n, std::uint64_t seed,
                              std::uint64_t generation, std::size_t i, double* row) {
  const double inv_n = 1.0 / static_cast<double>(n);
  PhiloxStream rs = op_stream(seed, generation, OpStream::lhs_jitter, i);
  for (std::size_t j = 0; j < plan.n_var; ++j) {
    double s = (static_cast<double>(strata[j * n + i]) + rs.uniform()) * inv_n;
    row[j] = at_level(plan.genes[j], std::min(s, 1.0 - 0x1p-53));
  }
}

}  // namespace evonas::ops
