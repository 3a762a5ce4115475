// Population operators: sampling, tournament selection, crossover, mutation
// and duplicate detection. Every call handles a whole population; genomes are
// row-major n x n_var float64 matrices (see python/evonas/space.py): a real
// gene holds its value, an integer gene an integral value and a categorical
// gene the integral index of its choice.
//
// Randomness: every draw for individual (or mating, or tournament) i of
// generation g comes from op_stream(seed, g, purpose, i), so the results are
// the same for any number of threads. No function modifies its inputs; the
// Python layer validates them (bounds, integrality, no NaN, index ranges)
// before they get here.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "evonas/hd.hpp"
#include "evonas/rng.hpp"

namespace evonas {

// The codes of Space.kinds.
enum class GeneKind : std::int8_t { real = 0, integer = 1, categorical = 2 };
inline constexpr std::size_t kGeneKinds = 3;

// Views of a space's description arrays, n_var entries each. lower < upper;
// discrete genes have integral bounds (categorical: 0 and n_choices - 1);
// log[j] != 0 only for real genes with lower > 0.
struct GeneSpace {
  const std::int8_t* kinds;
  const double* lower;
  const double* upper;
  const std::uint8_t* log;
  std::size_t n_var;
};

// ---------------------------------------------------------------------------
// Random streams. stream_a = generation, stream_b = purpose tag in the top 4
// bits and the index of the individual / mating / tournament / column below.
// ---------------------------------------------------------------------------

enum class OpStream : std::uint32_t {
  sample = 1,           // uniform sampling, row i
  lhs_permutation = 2,  // Latin hypercube strata, column j
  lhs_jitter = 3,       // Latin hypercube position within the stratum, row i
  select = 4,           // tournament i
  crossover = 5,        // mating i (children 2i and 2i+1)
  mutation = 6,         // row i of the mutated matrix
};

inline constexpr unsigned kOpIndexBits = 28;
// Largest number of rows, matings or tournaments one call may address.
inline constexpr std::size_t kMaxOpIndex = std::size_t{1} << kOpIndexBits;

EVONAS_HD inline PhiloxStream op_stream(std::uint64_t seed, std::uint64_t generation, OpStream purpose,
                              std::size_t index) {
  return PhiloxStream(seed, generation,
                      (static_cast<std::uint32_t>(purpose) << kOpIndexBits) |
                          static_cast<std::uint32_t>(index));
}

// ---------------------------------------------------------------------------
// Sampling: n x n_var genomes inside the space, written to `out` (caller
// allocated, n * n_var doubles, need not be initialised: large outputs are
// written, and first touched, by the worker threads).
// ---------------------------------------------------------------------------

// Independent uniform genes: real uniform on [lower, upper] (log-uniform for
// log genes), discrete genes uniform over their integral values.
void sample_random(const GeneSpace& space, std::size_t n, std::uint64_t seed,
                   std::uint64_t generation, int n_threads, double* out);

// Latin hypercube: per gene, the n rows fall in n distinct equal-probability
// strata (in log space for log genes), at a uniform position within its
// stratum; a discrete gene with c <= n values thereby gets each value about
// n/c times. Temporary memory 4 n n_var bytes.
void sample_lhs(const GeneSpace& space, std::size_t n, std::uint64_t seed,
                std::uint64_t generation, int n_threads, double* out);

// ---------------------------------------------------------------------------
// Selection.
// ---------------------------------------------------------------------------

// Per-individual criteria, each optional (nullptr), n entries each. An
// individual is better when its key (violation, primary, secondary) is
// lexicographically smaller, where violation = max(cv, 0) (so feasible beats
// infeasible and less violation beats more, as in Deb's constrained
// tournament), primary = rank or fitness, secondary = -crowding. NaN is
// worse than every number (+inf included) in every slot.
struct TournamentCriteria {
  const double* cv = nullptr;
  const std::int32_t* rank = nullptr;
  const double* fitness = nullptr;  // used when rank is null
  const double* crowding = nullptr;
};

// n_select k-way tournaments among n individuals. Competitors come from random
// permutations of the population laid end to end, k per tournament, so every
// individual enters equally often (as in Deb's NSGA-II); ties go to the first
// competitor drawn. n_select * k must be at most 2^28 * n. Returns the
// winners' indices. O(n + n_select k).
std::vector<std::int64_t> tournament_select(const TournamentCriteria& criteria, std::size_t n,
                                            std::size_t n_select, std::size_t k,
                                            std::uint64_t seed, std::uint64_t generation,
                                            int n_threads);

// ---------------------------------------------------------------------------
// Crossover and mutation, chosen per gene kind.
// ---------------------------------------------------------------------------

// Probabilities lie in [0, 1] (std::invalid_argument otherwise) and are
// resolved to multiples of 2^-32; eta > 0.
enum class CrossoverMethod : std::int32_t {
  copy = 0,     // children inherit the gene from their own parent
  sbx = 1,      // simulated binary crossover (bounded, Deb & Agrawal 1995)
  uniform = 2,  // exchange the gene between the children
};

struct GeneCrossover {
  CrossoverMethod method = CrossoverMethod::copy;
  double prob = 1.0;      // per mating: genes of this kind recombine at all
  double prob_var = 0.5;  // per gene: sbx recombines / uniform exchanges it
  double eta = 15.0;      // sbx distribution index (> 0)
};

// A mating first crosses with probability `prob` (else both children copy
// their parents). Then n_points > 0 means n-point crossover of whole rows
// (cuts drawn from [1, n_var - 1], at most n_var - 1 of them); n_points == 0
// applies by_kind[kind] to the genes of each kind.
struct CrossoverSpec {
  double prob = 1.0;
  int n_points = 0;
  std::array<GeneCrossover, kGeneKinds> by_kind{};
};

enum class MutationMethod : std::int32_t {
  none = 0,
  polynomial = 1,  // Deb's polynomial mutation (real and integer genes)
  reset = 2,       // a uniformly drawn other value (integer and categorical)
  creep = 3,       // a uniformly drawn other value within +-step (integer)
};

struct GeneMutation {
  MutationMethod method = MutationMethod::none;
  double prob = 1.0;      // per individual: genes of this kind mutate at all
  double prob_var = 0.0;  // per gene
  double eta = 20.0;      // polynomial distribution index (> 0)
  double step = 1.0;      // creep: largest change, integral >= 1
};

// A row first mutates with probability `prob`, then by_kind[kind] applies.
struct MutationSpec {
  double prob = 1.0;
  std::array<GeneMutation, kGeneKinds> by_kind{};
};

// Offspring of n_matings matings: rows 2i and 2i+1 are the children of
// parents[2i] and parents[2i+1] (row indices into X, which has n rows),
// crossed by `crossover` and then mutated by `mutation`. Real genes with
// log != 0 are recombined and mutated in log space. Children stay within the
// bounds; integer results of sbx and polynomial mutation are rounded.
// Equal to mutate(variation(..., no mutation), mutation) with the same seed
// and generation: the mutation of child r uses the stream of row r.
// out: caller allocated, 2 n_matings x n_var, need not be initialised.
void variation(const GeneSpace& space, const double* X, std::size_t n,
               const std::int64_t* parents, std::size_t n_matings, const CrossoverSpec& crossover,
               const MutationSpec& mutation, std::uint64_t seed, std::uint64_t generation,
               int n_threads, double* out);

// X (n rows) mutated row by row into out (n x n_var, may not alias X); row i
// uses the mutation stream i.
void mutate(const GeneSpace& space, const double* X, std::size_t n, const MutationSpec& mutation,
            std::uint64_t seed, std::uint64_t generation, int n_threads, double* out);

// ---------------------------------------------------------------------------
// Duplicates and validation.
// ---------------------------------------------------------------------------

// mask[i] = 1 when row i of X (n x m) equals no earlier row of X and no row
// of `against` (n_against x m, may be null). Rows compare with ==, so -0.0
// equals 0.0 and a row holding NaN equals nothing (it is always kept).
// Hashing: O((n + n_against) m) expected time.
std::vector<std::uint8_t> unique_rows(const double* X, std::size_t n, std::size_t m,
                                      const double* against, std::size_t n_against,
                                      int n_threads);

// Flat index (row * n_var + column) of the first cell of X that is NaN,
// outside its gene's bounds, or fractional in a discrete gene; -1 if none.
std::int64_t first_invalid_gene(const GeneSpace& space, const double* X, std::size_t n,
                                int n_threads);

// Rows `index` (len of them) of the vertical stack [A; B] of an n_a x m and
// an n_b x m matrix, written to out (len x m). Throws std::invalid_argument
// unless every index lies in [0, n_a + n_b).
void take_rows(const double* A, std::size_t n_a, const double* B, std::size_t n_b, std::size_t m,
               const std::int64_t* index, std::size_t len, int n_threads, double* out);

}  // namespace evonas
