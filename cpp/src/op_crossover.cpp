// Crossover of one mating: simulated binary crossover, uniform exchange and
// n-point crossover. The variation driver (op_variation.cpp) runs it over all
// matings; the draws come from the mating's own stream.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "op_detail.hpp"

namespace evonas::ops {
namespace {

// Parents closer than this are not recombined (as in pymoo and Deb's code:
// the spread formulas divide by their distance).
constexpr double kSbxEps = 1e-14;

// The spread factor of a child whose bound allows the spread beta.
double sbx_alpha(double beta, const KindCrossover& k) {
  // beta >= 1; beta^(eta+1) may overflow to inf, making alpha exactly 2. The
  // skip only pays when the power is a std::pow: otherwise it is a branch
  // that mispredicts on random populations.
  if (!k.power.cheap() && beta > k.beta_skip) return 2.0;
  return 2.0 - 1.0 / k.power(beta);
}

double sbx_betaq(double alpha, double u, const KindCrossover& k) {
  // (u alpha)^(1/(eta+1)) below 1, else (1 / (2 - u alpha))^(1/(eta+1)),
  // written as one pow of a selected base and exponent: no division, and a
  // select instead of a branch that would mispredict half the time.
  double ua = u * alpha;
  bool below = ua <= 1.0;
  return std::pow(below ? ua : 2.0 - ua, below ? k.inv_eta1 : -k.inv_eta1);
}

// Bounded SBX of gene j (Deb & Agrawal 1995; the variant in NSGA-II's C code
// and pymoo): one uniform u spreads both children around the parents' mean,
// each child's spread shrunk so that it cannot pass its bound; then a fair
// coin decides which child gets the lower value.
void sbx_gene(const Gene& g, const KindCrossover& k, double x1, double x2, double& c1, double& c2,
              Draws& d) {
  double w1 = g.to_work(x1), w2 = g.to_work(x2);
  if (std::abs(w1 - w2) <= kSbxEps) return;  // c1, c2 keep the parents' values
  double y1 = std::min(w1, w2), y2 = std::max(w1, w2), delta = y2 - y1;
  double u = d.rs.uniform();
  double two_over_delta = 2.0 / delta;
  double alpha_lo = sbx_alpha(1.0 + (y1 - g.wlo) * two_over_delta, k);
  double alpha_hi = sbx_alpha(1.0 + (g.whi - y2) * two_over_delta, k);
  double betaq_lo = sbx_betaq(alpha_lo, u, k);
  // Far from both bounds both alphas are 2: one root serves both children.
  double betaq_hi = alpha_hi == alpha_lo ? betaq_lo : sbx_betaq(alpha_hi, u, k);
  double lo_child = 0.5 * ((y1 + y2) - betaq_lo * delta);
  double hi_child = 0.5 * ((y1 + y2) + betaq_hi * delta);
  bool swap = d.bit();
  c1 = g.finish(swap ? hi_child : lo_child);
  c2 = g.finish(swap ? lo_child : hi_child);
}

// n-point crossover: k distinct cuts in [1, n_var - 1] (Floyd's sampling);
// the children swap sources at every cut.
void point_pair(std::size_t n_var, int n_points, const double* p1, const double* p2, double* c1,
                double* c2, Draws& d, CrossoverScratch& scratch) {
  std::size_t slots = n_var - 1;  // possible cut positions 1 .. n_var - 1
  std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(n_points), slots);
  std::vector<std::uint8_t>& cut = scratch.cut;
  cut.assign(n_var, 0);
  for (std::size_t j = slots - k; j < slots; ++j) {
    std::size_t t = d.rs.below(j + 1);
    if (cut[t + 1]) t = j;
    cut[t + 1] = 1;
  }
  bool swapped = false;
  for (std::size_t j = 0; j < n_var; ++j) {
    swapped ^= cut[j] != 0;
    c1[j] = swapped ? p2[j] : p1[j];
    c2[j] = swapped ? p1[j] : p2[j];
  }
}

}  // namespace

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
      k.inv_eta1 = 1.0 / eta1;
      // beta^-(eta+1) < 2^-54  <=>  beta > 2^(54 / (eta+1)); a margin covers exp2's rounding.
      k.beta_skip = std::exp2(54.0 / eta1) * (1.0 + 1e-9);
    }
    if (kind == static_cast<std::size_t>(GeneKind::categorical) && s.method == CrossoverMethod::sbx)
      throw std::invalid_argument("sbx cannot recombine categorical genes");
  }
}

void cross_pair(const Plan& plan, const CrossoverPlan& cx, const double* p1, const double* p2,
                double* c1, double* c2, Draws& d, CrossoverScratch& scratch) {
  std::size_t n_var = plan.n_var;
  bool cross = d.chance(cx.prob);
  if (cross && cx.n_points > 0 && n_var > 1) {
    point_pair(n_var, cx.n_points, p1, p2, c1, c2, d, scratch);
    return;
  }
  std::memcpy(c1, p1, n_var * sizeof(double));
  std::memcpy(c2, p2, n_var * sizeof(double));
  if (!cross || cx.n_points > 0) return;
  for (std::size_t kind = 0; kind < kGeneKinds; ++kind) {
    const KindCrossover& k = cx.by_kind[kind];
    const std::vector<std::uint32_t>& cols = plan.of_kind[kind];
    if (k.method == CrossoverMethod::copy || cols.empty() || !d.chance(k.prob)) continue;
    // Genes in blocks of 32: one mask of Bernoulli(prob_var) trials each.
    for (std::size_t start = 0; start < cols.size(); start += 32) {
      auto count = static_cast<unsigned>(std::min<std::size_t>(32, cols.size() - start));
      for (std::uint32_t m = k.var.mask(d, count); m != 0; m &= m - 1) {
        std::uint32_t j = cols[start + lowest_bit(m)];
        if (k.method == CrossoverMethod::sbx)
          sbx_gene(plan.genes[j], k, p1[j], p2[j], c1[j], c2[j], d);
        else  // uniform: exchange
          std::swap(c1[j], c2[j]);
      }
    }
  }
}

}  // namespace evonas::ops
