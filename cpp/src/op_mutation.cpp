// Mutation of rows: the prepared form of a mutation spec and the CPU driver;
// the per-row code is op_mutation_row.hpp (shared with the device).
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "evonas/parallel.hpp"
#include "op_mutation_row.hpp"

namespace evonas::ops {

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

}  // namespace evonas::ops

namespace evonas {

void mutate(const GeneSpace& space, const double* X, std::size_t n, const MutationSpec& mutation,
            std::uint64_t seed, std::uint64_t generation, int n_threads, double* out) {
  ops::require_index_range(n, "the number of rows");
  ops::Plan plan(space);
  ops::MutationPlan mp(mutation, plan);
  const ops::PlanView view = plan.view();
  std::size_t n_var = plan.n_var;
  // Each worker copies its own rows: the copy is as large as the work.
  parallel_for(n, n_threads, ops::kRowGrain, [&](std::size_t lo, std::size_t hi) {
    std::copy(X + lo * n_var, X + hi * n_var, out + lo * n_var);
    if (!mp.active) return;
    for (std::size_t i = lo; i < hi; ++i) {
      ops::Draws d(op_stream(seed, generation, OpStream::mutation, i));
      ops::mutate_row(view, mp, out + i * n_var, d);
    }
  });
}

}  // namespace evonas
