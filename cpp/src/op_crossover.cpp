// Crossover of one mating: simulated binary crossover, uniform exchange and
// n-point crossover. The variation driver (op_variation.cpp) runs it over all
// matings; the draws come from the mating's own stream.
#include <algorithm>
#include <array>
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

// beta_q from u * alpha, for every entry of ua in place:
// (u alpha)^(1/(eta+1)) below 1, else (1 / (2 - u alpha))^(1/(eta+1)).
// Selects instead of branches, which would mispredict half the time.
// Without cheap roots, one pow of a selected base and exponent spares the
// division.
void sbx_betaq(double* ua, std::size_t n, const KindCrossover& k) {
  if (!k.root.cheap()) {
    for (std::size_t i = 0; i < n; ++i) {
      bool below = ua[i] <= 1.0;
      ua[i] = std::pow(below ? ua[i] : 2.0 - ua[i], below ? k.inv_eta1 : -k.inv_eta1);
    }
    return;
  }
  for (std::size_t i = 0; i < n; ++i) ua[i] = ua[i] <= 1.0 ? ua[i] : 1.0 / (2.0 - ua[i]);
  k.root.apply(ua, n);
}

// Bounded SBX (Deb & Agrawal 1995; the variant in NSGA-II's C code and
// pymoo) of the genes cols[bit] for the set bits of mask: per gene one
// uniform u spreads both children around the parents' mean, each child's
// spread shrunk so that it cannot pass its bound; then a fair coin decides
// which child gets the lower value. The draws come gene by gene; the roots
// of all genes are taken together, so that their latencies overlap.
void sbx_genes(const Plan& plan, const KindCrossover& k, const std::uint32_t* cols,
               std::uint32_t mask, const double* p1, const double* p2, double* c1, double* c2,
               Draws& d) {
  struct Lane {
    std::uint32_t j;
    double y1, y2;
    bool swap;
  };
  std::array<Lane, 32> lanes;
  std::array<double, 64> ua;  // u * alpha of the lower, then the upper child, per lane
  std::size_t n = 0;
  for (; mask != 0; mask &= mask - 1) {
    std::uint32_t j = cols[lowest_bit(mask)];
    const Gene& g = plan.genes[j];
    double w1 = g.to_work(p1[j]), w2 = g.to_work(p2[j]);
    if (std::abs(w1 - w2) <= kSbxEps) continue;  // c1, c2 keep the parents' values
    double y1 = std::min(w1, w2), y2 = std::max(w1, w2);
    double u = d.rs.uniform();
    double two_over_delta = 2.0 / (y2 - y1);
    ua[2 * n] = u * sbx_alpha(1.0 + (y1 - g.wlo) * two_over_delta, k);
    ua[2 * n + 1] = u * sbx_alpha(1.0 + (g.whi - y2) * two_over_delta, k);
    lanes[n] = Lane{j, y1, y2, d.bit()};
    ++n;
  }
  sbx_betaq(ua.data(), 2 * n, k);
  for (std::size_t i = 0; i < n; ++i) {
    const Lane& l = lanes[i];
    const Gene& g = plan.genes[l.j];
    double delta = l.y2 - l.y1;
    double lo_child = 0.5 * ((l.y1 + l.y2) - ua[2 * i] * delta);
    double hi_child = 0.5 * ((l.y1 + l.y2) + ua[2 * i + 1] * delta);
    c1[l.j] = g.finish(l.swap ? hi_child : lo_child);
    c2[l.j] = g.finish(l.swap ? lo_child : hi_child);
  }
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
      k.root = FixedRoot(eta1);
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
      std::uint32_t mask = k.var.mask(d, count);
      if (k.method == CrossoverMethod::sbx) {
        sbx_genes(plan, k, cols.data() + start, mask, p1, p2, c1, c2, d);
        continue;
      }
      for (; mask != 0; mask &= mask - 1) {  // uniform: exchange
        std::uint32_t j = cols[start + lowest_bit(mask)];
        std::swap(c1[j], c2[j]);
      }
    }
  }
}

}  // namespace evonas::ops
