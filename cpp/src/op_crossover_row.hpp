// Crossover of one mating: simulated binary crossover, uniform exchange and
// n-point crossover, on the draws of the mating's own stream. Host and
// device code alike (the CPU driver is op_variation.cpp, the device's
// cpp/cuda/op_variation.cu), so both give the same children.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>

#include "op_detail.hpp"

namespace evonas::ops {
namespace crossover_detail {

// Parents closer than this are not recombined (as in pymoo and Deb's code:
// the spread formulas divide by their distance).
inline constexpr double kSbxEps = 1e-14;

// The spread factor of a child whose bound allows the spread beta.
EVONAS_HD inline double sbx_alpha(double beta, const KindCrossover& k) {
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
EVONAS_HD inline void sbx_betaq(double* ua, std::size_t n, const KindCrossover& k) {
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
EVONAS_HD inline void sbx_genes(const PlanView& plan, const KindCrossover& k, const std::uint32_t* cols,
                                std::uint32_t mask, const double* p1, const double* p2, double* c1, double* c2,
                                Draws& d) {
  struct Lane {
    std::uint32_t j;
    double y1, y2;
    bool swap;
  };
  Lane lanes[32];
  double ua[64];  // u * alpha of the lower, then the upper child, per lane
  std::size_t n = 0;
  for (; mask != 0; mask &= mask - 1) {
    std::uint32_t j = cols[lowest_bit(mask)];
    const Gene& g = plan.genes[j];
    double w1 = g.to_work(p1[j]), w2 = g.to_work(p2[j]);
    if (std::fabs(w1 - w2) <= kSbxEps) continue;  // c1, c2 keep the parents' values
    double y1 = std::min(w1, w2), y2 = std::max(w1, w2);
    double u = d.rs.uniform();
    double two_over_delta = 2.0 / (y2 - y1);
    ua[2 * n] = u * sbx_alpha(1.0 + (y1 - g.wlo) * two_over_delta, k);
    ua[2 * n + 1] = u * sbx_alpha(1.0 + (g.whi - y2) * two_over_delta, k);
    lanes[n] = Lane{j, y1, y2, d.bit()};
    ++n;
  }
  sbx_betaq(ua, 2 * n, k);
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

// n-point crossover: k distinct cuts in [1, n_var - 1] (Floyd's sampling,
// marked in cut, n_var bytes of scratch); the children swap sources at
// every cut.
EVONAS_HD inline void point_pair(std::size_t n_var, int n_points, const double* p1, const double* p2, double* c1,
                                 double* c2, Draws& d, std::uint8_t* cut) {
  std::size_t slots = n_var - 1;  // possible cut positions 1 .. n_var - 1
  std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(n_points), slots);
  for (std::size_t j = 0; j < n_var; ++j) cut[j] = 0;
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

EVONAS_HD inline void copy_row(const double* from, std::size_t n, double* to) {
#if defined(__CUDA_ARCH__)
  for (std::size_t j = 0; j < n; ++j) to[j] = from[j];
#else
  std::memcpy(to, from, n * sizeof(double));
#endif
}

}  // namespace crossover_detail

// Children c1, c2 (n_var each, distinct from the parents) of parents p1, p2;
// cut: n_var bytes of scratch (used by n-point crossover only).
EVONAS_HD inline void cross_pair(const PlanView& plan, const CrossoverPlan& cx, const double* p1, const double* p2,
                                 double* c1, double* c2, Draws& d, std::uint8_t* cut) {
  namespace cd = crossover_detail;
  std::size_t n_var = plan.n_var;
  bool cross = d.chance(cx.prob);
  if (cross && cx.n_points > 0 && n_var > 1) {
    cd::point_pair(n_var, cx.n_points, p1, p2, c1, c2, d, cut);
    return;
  }
  cd::copy_row(p1, n_var, c1);
  cd::copy_row(p2, n_var, c2);
  if (!cross || cx.n_points > 0) return;
  for (std::size_t kind = 0; kind < kGeneKinds; ++kind) {
    const KindCrossover& k = cx.by_kind[kind];
    const std::uint32_t* cols = plan.cols[kind];
    const std::size_t count = plan.count[kind];
    if (k.method == CrossoverMethod::copy || count == 0 || !d.chance(k.prob)) continue;
    // Genes in blocks of 32: one mask of Bernoulli(prob_var) trials each.
    for (std::size_t start = 0; start < count; start += 32) {
      auto block = static_cast<unsigned>(std::min<std::size_t>(32, count - start));
      std::uint32_t mask = k.var.mask(d, block);
      if (k.method == CrossoverMethod::sbx) {
        cd::sbx_genes(plan, k, cols + start, mask, p1, p2, c1, c2, d);
        continue;
      }
      for (; mask != 0; mask &= mask - 1) {  // uniform: exchange
        std::uint32_t j = cols[start + lowest_bit(mask)];
        exchange(c1[j], c2[j]);
      }
    }
  }
}

}  // namespace evonas::ops
