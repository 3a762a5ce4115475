// The population operators of the CUDA path (cpp/cuda/op_*.cu): each equal to
// its CPU version in evonas/operators.hpp for the same seed and generation,
// since both run the per-row code of cpp/src/op_*_row.hpp. Conventions as in
// evonas/device_kernels.hpp: array arguments are device pointers (row-major,
// contiguous) unless named *_host; the space's description arrays are on the
// host; a function returns once its results are written. Bad arguments throw
// std::invalid_argument, as the CPU versions do.
#pragma once

#include <cstddef>
#include <cstdint>

#include "evonas/device_kernels.hpp"
#include "evonas/operators.hpp"

namespace evonas::EVONAS_DEVICE_NS {

// As evonas::sample_random / sample_lhs, into out (n x n_var on the device).
// The Latin hypercube shuffles each column in one thread (O(n) each).
void sample_random(const GeneSpace& space_host, std::size_t n, std::uint64_t seed, std::uint64_t generation,
                   double* out, Where where);
void sample_lhs(const GeneSpace& space_host, std::size_t n, std::uint64_t seed, std::uint64_t generation,
                double* out, Where where);

// As evonas::tournament_select, the criteria (device pointers, or null) of n
// individuals, into winners (n_select int64 on the device). Each permutation
// of competitors is shuffled by one thread (O(n) each).
void tournament_select(const TournamentCriteria& criteria, std::size_t n, std::size_t n_select, std::size_t k,
                       std::uint64_t seed, std::uint64_t generation, std::int64_t* winners, Where where);

// As evonas::variation and evonas::mutate; one thread per mating / row.
void variation(const GeneSpace& space_host, const double* X, std::size_t n, const std::int64_t* parents,
               std::size_t n_matings, const CrossoverSpec& crossover, const MutationSpec& mutation,
               std::uint64_t seed, std::uint64_t generation, double* out, Where where);
void mutate(const GeneSpace& space_host, const double* X, std::size_t n, const MutationSpec& mutation,
            std::uint64_t seed, std::uint64_t generation, double* out, Where where);

// As evonas::first_invalid_gene, for X (n x n_var) on the device.
std::int64_t first_invalid_gene(const GeneSpace& space_host, const double* X, std::size_t n, Where where);

}  // namespace evonas::EVONAS_DEVICE_NS
