// Shared internals of the population operators (op_*.cpp, and the device
// operators in cpp/cuda/op_*.cu): the prepared description of a space,
// Bernoulli trials, and the per-row kernels that the variation driver fuses
// into one pass. What the device runs too is EVONAS_HD, so both paths run
// one implementation and draw the same numbers.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "evonas/hd.hpp"
#include "evonas/operators.hpp"
#include "evonas/rng.hpp"

namespace evonas::ops {

// Rows of 30 genes: a few thousand per thread amortise the thread start.
inline constexpr std::size_t kRowGrain = 2048;

// std::swap is not constexpr before C++20, so not callable on the device.
template <class T>
EVONAS_HD void exchange(T& a, T& b) {
  T t = a;
  a = b;
  b = t;
}

// Hint that a row will be read soon: parents and tournament competitors are
// drawn at random, so without it every row costs a full memory latency.
inline void prefetch(const void* p, std::size_t bytes) {
#if defined(__GNUC__) || defined(__clang__)
  // Every cache line the bytes touch, the last one included when p is not
  // line-aligned.
  const char* c = static_cast<const char*>(p);
  for (std::size_t off = 0; off < bytes; off += 64) __builtin_prefetch(c + off);
  if (bytes > 0) __builtin_prefetch(c + bytes - 1);
#else
  (void)p, (void)bytes;
#endif
}

// x^e for a fixed exponent e >= 1 (SBX's and PM's eta + 1): repeated
// squaring when e is a small integer (eta = 15 or 20, the usual choices),
// which is several times cheaper than std::pow; std::pow otherwise.
class FixedPower {
 public:
  FixedPower() : FixedPower(1.0) {}
  explicit FixedPower(double e)
      : e_(e), n_(e >= 1.0 && e <= 64.0 && e == std::floor(e) ? static_cast<unsigned>(e) : 0u) {}
  EVONAS_HD double operator()(double x) const {
    if (n_ == 0) return std::pow(x, e_);
    double result = 1.0, base = x;
    for (unsigned n = n_;;) {
      if (n & 1u) result *= base;
      n >>= 1;
      if (n == 0) return result;
      base *= base;
    }
  }
  EVONAS_HD bool cheap() const { return n_ != 0; }  // no std::pow involved

 private:
  double e_;
  unsigned n_;
};

// x^(1/e) for x >= 0 as k square roots when e = 2^k (k <= 6; SBX's default
// eta = 15 gives e = 16): several times cheaper than std::pow and as accurate
// (each root is correctly rounded and halves the earlier errors).
class FixedRoot {
 public:
  FixedRoot() = default;
  explicit FixedRoot(double e) {
    for (int k = 0; k <= 6; ++k)
      if (e == static_cast<double>(1u << k)) halvings_ = k;
  }
  EVONAS_HD bool cheap() const { return halvings_ >= 0; }  // otherwise apply must not be used
  // Every x[i] in place; the roots of different entries overlap in the pipeline.
  EVONAS_HD void apply(double* x, std::size_t n) const {
    for (int k = 0; k < halvings_; ++k) {
      std::size_t i = 0;
#if defined(__SSE2__) && !defined(__CUDA_ARCH__)
      // Two correctly rounded roots per instruction: the compiler does not
      // vectorise std::sqrt itself, since it must keep errno.
      for (; i + 2 <= n; i += 2) _mm_storeu_pd(x + i, _mm_sqrt_pd(_mm_loadu_pd(x + i)));
#endif
      for (; i < n; ++i) x[i] = std::sqrt(x[i]);
    }
  }

 private:
  int halvings_ = -1;
};

inline void require_index_range(std::size_t count, const char* what) {
  if (count > kMaxOpIndex)
    throw std::invalid_argument(std::string(what) + " must be at most 2**28 per call");
}

// One gene, with its bounds on the scale the operators work on: log genes
// recombine and mutate in log space, all others on their own scale.
struct Gene {
  double lo, hi;    // the gene's bounds
  double wlo, whi;  // the bounds on the working scale
  GeneKind kind;
  bool log;

  EVONAS_HD double to_work(double x) const { return log ? std::log(x) : x; }

  // A working-scale value back to a gene value: inside the bounds (exp and
  // the operators' arithmetic can land a rounding error outside) and
  // integral for discrete genes.
  EVONAS_HD double finish(double w) const {
    double x = log ? std::exp(w) : w;
    x = std::min(std::max(x, lo), hi);
    if (kind != GeneKind::real) x = std::floor(x + 0.5);  // bounds are integral: stays inside
    return x;
  }
};

// A space's genes and its column indices per kind, wherever they live (host
// memory for the CPU path, device memory for the device's).
struct PlanView {
  const Gene* genes;
  const std::uint32_t* cols[kGeneKinds];  // column indices of each kind
  std::size_t count[kGeneKinds];          // and their numbers
  std::size_t n_var;
};

// Whether x is a valid value of gene g: inside the bounds (so not NaN) and
// integral for discrete genes.
EVONAS_HD inline bool valid_gene(const Gene& g, double x) {
  return x >= g.lo && x <= g.hi && (g.kind == GeneKind::real || x == std::floor(x));
}

struct Plan {
  std::size_t n_var = 0;
  std::vector<Gene> genes;
  std::array<std::vector<std::uint32_t>, kGeneKinds> of_kind;  // column indices per kind

  explicit Plan(const GeneSpace& space) : n_var(space.n_var), genes(space.n_var) {
    for (std::size_t j = 0; j < n_var; ++j) {
      Gene& g = genes[j];
      g.kind = static_cast<GeneKind>(space.kinds[j]);
      g.log = g.kind == GeneKind::real && space.log[j] != 0;
      g.lo = space.lower[j];
      g.hi = space.upper[j];
      g.wlo = g.to_work(g.lo);
      g.whi = g.to_work(g.hi);
      of_kind.at(static_cast<std::size_t>(g.kind)).push_back(static_cast<std::uint32_t>(j));
    }
  }

  PlanView view() const {
    PlanView v{genes.data(), {}, {}, n_var};
    for (std::size_t k = 0; k < kGeneKinds; ++k) {
      v.cols[k] = of_kind[k].data();
      v.count[k] = of_kind[k].size();
    }
    return v;
  }
};

// Probabilities reach the kernels through the Python layer, which checks
// them; this guards the C++ API against NaN and out-of-range values.
inline double require_probability(double p, const char* name) {
  if (!(p >= 0.0 && p <= 1.0))
    throw std::invalid_argument(std::string(name) + " must lie in [0, 1]");
  return p;
}

// A Bernoulli trial at 32-bit resolution (p rounded to a multiple of 2^-32).
// p == 0.5 takes a single bit (exact, and 32 fair coins per draw: a uniform
// crossover's exchanges and SBX's child swaps are all fair coins); p == 0 and
// p == 1 draw nothing.
class Chance {
 public:
  Chance() = default;
  explicit Chance(double p)
      : fair_(p == 0.5),
        bound_(static_cast<std::uint64_t>(std::llround(require_probability(p, "prob") * 0x1p32))) {
  }
  EVONAS_HD bool never() const { return !fair_ && bound_ == 0; }
  EVONAS_HD bool always() const { return !fair_ && bound_ == (std::uint64_t{1} << 32); }

  template <class Draws>
  EVONAS_HD bool operator()(Draws& d) const {
    if (fair_) return d.bit();
    if (never()) return false;
    if (always()) return true;
    return d.rs.next_u32() < bound_;
  }

  // `count` (<= 32) trials at once, trial b in bit b. Callers then visit the
  // set bits instead of branching on every trial: with p near 0.5 such a
  // branch mispredicts half the time.
  template <class Draws>
  EVONAS_HD std::uint32_t mask(Draws& d, unsigned count) const {
    std::uint32_t all = count >= 32 ? ~std::uint32_t{0} : (std::uint32_t{1} << count) - 1;
    if (fair_) return d.rs.next_u32() & all;
    if (never()) return 0;
    if (always()) return all;
    std::uint32_t m = 0;
    for (unsigned b = 0; b < count; ++b)
      m |= static_cast<std::uint32_t>(d.rs.next_u32() < bound_) << b;
    return m;
  }

 private:
  bool fair_ = false;
  std::uint64_t bound_ = 0;
};

// Index of the lowest set bit of m != 0.
EVONAS_HD inline unsigned lowest_bit(std::uint32_t m) {
#if defined(__CUDA_ARCH__)
  return static_cast<unsigned>(__ffs(static_cast<int>(m)) - 1);
#elif defined(__GNUC__) || defined(__clang__)
  return static_cast<unsigned>(__builtin_ctz(m));
#else
  unsigned b = 0;
  while (!(m & 1u)) m >>= 1, ++b;
  return b;
#endif
}

// One stream plus a cache of single bits for fair coins.
struct Draws {
  PhiloxStream rs;
  std::uint32_t bits = 0;
  unsigned left = 0;

  EVONAS_HD explicit Draws(PhiloxStream stream) : rs(stream) {}
  EVONAS_HD bool bit() {
    if (left == 0) {
      bits = rs.next_u32();
      left = 32;
    }
    --left;
    bool b = bits & 1u;
    bits >>= 1;
    return b;
  }
  EVONAS_HD bool chance(const Chance& c) { return c(*this); }
};

// ---- crossover ------------------------------------------------------------

struct KindCrossover {
  CrossoverMethod method = CrossoverMethod::copy;
  Chance prob, var;
  FixedPower power;  // x^(eta+1)
  FixedRoot root;    // x^(1/(eta+1))
  double inv_eta1 = 1.0 / 16.0;
  // beta^-(eta+1) < 2^-54 above this, so alpha = 2 - beta^-(eta+1) rounds to
  // exactly 2 and the power can be skipped without changing the result.
  double beta_skip = 0.0;
};

struct CrossoverPlan {
  Chance prob;
  int n_points = 0;
  std::array<KindCrossover, kGeneKinds> by_kind{};
  explicit CrossoverPlan(const CrossoverSpec& spec);
};

// cross_pair (children of one mating) is in op_crossover_row.hpp.

// ---- mutation -------------------------------------------------------------

struct KindMutation {
  MutationMethod method = MutationMethod::none;
  Chance prob;
  double prob_var = 0.0;
  double log_keep = 0.0;  // log(1 - prob_var): geometric gaps between mutated genes
  FixedPower power;  // x^(eta+1)
  double inv_eta1 = 1.0 / 21.0;
  double step = 1.0;
};

struct MutationPlan {
  Chance prob;
  bool active = false;  // some kind mutates with positive probability
  std::array<KindMutation, kGeneKinds> by_kind{};
  MutationPlan(const MutationSpec& spec, const Plan& plan);
};

// mutate_row (one row in place) is in op_mutation_row.hpp.

}  // namespace evonas::ops
