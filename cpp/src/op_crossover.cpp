// The prepared form of a crossover spec; the per-mating code that uses it is
// op_crossover_row.hpp (shared with the device).
#include <cmath>
#include <stdexcept>

#include "op_detail.hpp"

namespace evonas::ops {

CrossoverPlan::CrossoverPlan(const CrossoverSpec& spec) : prob(spec.prob), n_points(spec.n_points) {
  if (n_points < 0) throw std::invalid_argument("n_points must be >= 0");
  for (std::size_t kind = 0; kind < kGeneKinds; ++kind) {
    const GeneCrossover& s = spec.by_kind[kind];
    KindCrossover& k = by_kind[kind];
    k.method = s.method;
    k.prob = Chance(s.prob);
    k.var = Chance(s.prob_var);
    if (s.method == CrossoverMethod::sbx) {
      if (!(s.eta > 0.0)) throw std::invalid_argument("eta must be > 0");
      double eta1 = s.eta + 1.0;
      k.power = FixedPower(eta1);
      k.root = FixedRoot(eta1);
      k.inv_eta1 = 1.0 / eta1;
      // beta^-(eta+1) < 2^-54  <=>  beta > 2^(54 / (eta+1)); a margin covers exp2's rounding.
      k.beta_skip = std::exp2(54.0 / eta1) * (1.0 + 1e-9);
    }
    if (kind == static_cast<std::size_t>(GeneKind::categorical) && s.method == CrossoverMethod::sbx)
      throw std::invalid_argument("sbx cannot recombine categorical genes");
  }
}

}  // namespace evonas::ops
