// Mutation of rows: polynomial mutation (real and integer genes), random
// reset (integer and categorical genes) and bounded creep (integer genes).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "evonas/parallel.hpp"
#include "op_detail.hpp"

namespace evonas::ops {
namespace {

// Deb's polynomial mutation with the bounded spread of NSGA-II's C code and
// pymoo's mut_pm: the perturbation shrinks near a bound so the result stays
// inside it.
double polynomial(const Gene& g, const KindMutation& k, double x, Draws& d) {
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
double other_value(double a, double b, double x, Draws& d) {
  auto count = static_cast<std::uint64_t>(b - a);  // values other than x
  double v = a + static_cast<double>(d.rs.below(count));
  return v >= x ? v + 1.0 : v;
}

double mutate_gene(const Gene& g, const KindMutation& k, double x, Draws& d) {
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

}  // namespace

MutationPlan::MutationPlan(const MutationSpec& spec, const Plan& plan) : prob(spec.prob) {
  for (std::size_t kind = 0; kind < kGeneKinds; ++kind) {
    const GeneMutation& s = spec.by_kind[kind];
    KindMutation& k = by_kind[kind];
    k.method = s.method;
    k.prob = Chance(s.prob);
    k.prob_var = require_probability(s.prob_var, "prob_var");
    k.log_keep = std::log1p(-k.prob_var);
    if (s.method == MutationMethod::polynomial) {
      if (!(s.eta > 0.0)) throw std::invalid_argument("eta must be > 0");
      k.power = FixedPower(s.eta + 1.0);
      k.inv_eta1 = 1.0 / (s.eta + 1.0);
    }
    if (s.method == MutationMethod::creep) {
      if (!(s.step >= 1.0) || s.step != std::floor(s.step))
        throw std::invalid_argument("step must be an integer >= 1");
      k.step = s.step;
    }
    auto gene_kind = static_cast<GeneKind>(kind);
    bool fits = s.method == MutationMethod::none || gene_kind == GeneKind::integer ||
                (gene_kind == GeneKind::real && s.method == MutationMethod::polynomial) ||
                (gene_kind == GeneKind::categorical && s.method == MutationMethod::reset);
    if (!fits) throw std::invalid_argument("mutation method does not apply to this gene kind");
    if (s.method != MutationMethod::none && k.prob_var > 0.0 && !k.prob.never() &&
        !plan.of_kind[kind].empty())
      active = true;
  }
  if (prob.never()) active = false;
}

void mutate_row(const Plan& plan, const MutationPlan& mp, double* row, Draws& d) {
  if (!mp.active || !d.chance(mp.prob)) return;
  for (std::size_t kind = 0; kind < kGeneKinds; ++kind) {
    const KindMutation& k = mp.by_kind[kind];
    const std::vector<std::uint32_t>& cols = plan.of_kind[kind];
    if (k.method == MutationMethod::none || k.prob_var <= 0.0 || cols.empty() || !d.chance(k.prob))
      continue;
    std::size_t m = cols.size();
    if (k.prob_var >= 1.0) {
      for (std::uint32_t j : cols) row[j] = mutate_gene(plan.genes[j], k, row[j], d);
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

namespace evonas {

void mutate(const GeneSpace& space, const double* X, std::size_t n, const MutationSpec& mutation,
            std::uint64_t seed, std::uint64_t generation, int n_threads, double* out) {
  ops::require_index_range(n, "the number of rows");
  ops::Plan plan(space);
  ops::MutationPlan mp(mutation, plan);
  std::size_t n_var = plan.n_var;
  // Each worker copies its own rows: the copy is as large as the work.
  parallel_for(n, n_threads, ops::kRowGrain, [&](std::size_t lo, std::size_t hi) {
    std::copy(X + lo * n_var, X + hi * n_var, out + lo * n_var);
    if (!mp.active) return;
    for (std::size_t i = lo; i < hi; ++i) {
      ops::Draws d(op_stream(seed, generation, OpStream::mutation, i));
      ops::mutate_row(plan, mp, out + i * n_var, d);
    }
  });
}

}  // namespace evonas
