// Mutation of one row: polynomial mutation (real and integer genes), random
// reset (integer and categorical genes) and bounded creep (integer genes), on
// the draws of the row's own stream. Host and device code alike (the CPU
// drivers are op_mutation.cpp and op_variation.cpp, the device's
// cpp/cuda/op_variation.cu), so both mutate alike.
#pragma once

#include <algorithm>
#include <cmath>

#include "op_detail.hpp"

namespace evonas::ops {
namespace mutation_detail {

// Deb's polynomial mutation with the bounded spread of NSGA-II's C code and
// pymoo's mut_pm: the perturbation shrinks near a bound so the result stays
// inside it.
EVONAS_HD inline double polynomial(const Gene& g, const KindMutation& k, double x, Draws& d) {
  double w = g.to_work(x), range = g.whi - g.wlo;
  double u = d.rs.uniform();
  double dq;
  if (u <= 0.5) {
    double xy = 1.0 - (w - g.wlo) / range;
    double val = 2.0 * u + (1.0 - 2.0 * u) * k.power(xy);
    dq = std::pow(val, k.inv_eta1) - 1.0;
  } else {
    double xy = 1.0 - (g.whi - w) / range;
    double val = 2.0 * (1.0 - u) + 2.0 * (u - 0.5) * k.power(xy);
    dq = 1.0 - std::pow(val, k.inv_eta1);
  }
  return g.finish(w + dq * range);
}

// A uniformly drawn value of [a, b] other than x (a <= x <= b, a < b).
EVONAS_HD inline double other_value(double a, double b, double x, Draws& d) {
  auto count = static_cast<std::uint64_t>(b - a);  // values other than x
  double v = a + static_cast<double>(d.rs.below(count));
  return v >= x ? v + 1.0 : v;
}

EVONAS_HD inline double mutate_gene(const Gene& g, const KindMutation& k, double x, Draws& d) {
  switch (k.method) {
    case MutationMethod::polynomial:
      return polynomial(g, k, x, d);
    case MutationMethod::reset:
      // Excluding the current value: a mutation that keeps it would only
      // create a duplicate of the parent.
      return other_value(g.lo, g.hi, x, d);
    case MutationMethod::creep:
      return other_value(std::max(g.lo, x - k.step), std::min(g.hi, x + k.step), x, d);
    case MutationMethod::none:
      break;
  }
  return x;
}

}  // namespace mutation_detail

// Mutates `row` (n_var genes) in place with the draws of one stream.
EVONAS_HD inline void mutate_row(const PlanView& plan, const MutationPlan& mp, double* row, Draws& d) {
  using mutation_detail::mutate_gene;
  if (!mp.active || !d.chance(mp.prob)) return;
  for (std::size_t kind = 0; kind < kGeneKinds; ++kind) {
    const KindMutation& k = mp.by_kind[kind];
    const std::uint32_t* cols = plan.cols[kind];
    const std::size_t m = plan.count[kind];
    if (k.method == MutationMethod::none || k.prob_var <= 0.0 || m == 0 || !d.chance(k.prob)) continue;
    if (k.prob_var >= 1.0) {
      for (std::size_t t = 0; t < m; ++t) {
        const std::uint32_t j = cols[t];
        row[j] = mutate_gene(plan.genes[j], k, row[j], d);
      }
      continue;
    }
    // Skip straight to the next mutated gene: the gap before it is geometric,
    // P(gap >= g) = (1 - p)^g. At p = 1/m this costs about two draws per row
    // instead of m Bernoulli trials, with the same distribution.
    std::size_t pos = 0;
    for (;;) {
      double gap = std::log(1.0 - d.rs.uniform()) / k.log_keep;  // log of (0, 1]: finite
      if (!(gap < static_cast<double>(m - pos))) break;
      pos += static_cast<std::size_t>(gap);
      std::uint32_t j = cols[pos];
      row[j] = mutate_gene(plan.genes[j], k, row[j], d);
      if (++pos == m) break;
    }
  }
}

}  // namespace evonas::ops
