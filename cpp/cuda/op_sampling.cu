// Initial populations on the device: one thread per row (uniform, and the
// Latin hypercube's jitter) running the CPU path's per-row code
// (op_sampling_row.hpp), and the strata's shuffles of shuffle.cuh.
#include <thrust/device_vector.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>

#include "evonas/device_operators.hpp"
#include "exec.cuh"
#include "op_plan.cuh"
#include "op_sampling_row.hpp"
#include "shuffle.cuh"

namespace evonas::EVONAS_DEVICE_NS {
namespace {

struct UniformRow {
  ops::PlanView plan;
  std::uint64_t seed, generation;
  double* out;
  EVONAS_HD void operator()(std::size_t i) const { ops::sample_row(plan, seed, generation, i, out + i * plan.n_var); }
};

struct StrataStream {
  std::uint64_t seed, generation;
  EVONAS_HD PhiloxStream operator()(std::size_t j) const { return ops::lhs_strata_stream(seed, generation, j); }
};

struct LhsRow {
  ops::PlanView plan;
  const std::uint32_t* strata;
  std::size_t n;
  std::uint64_t seed, generation;
  double* out;
  EVONAS_HD void operator()(std::size_t i) const {
    ops::lhs_row(plan, strata, n, seed, generation, i, out + i * plan.n_var);
  }
};

}  // namespace

void sample_random(const GeneSpace& space_host, std::size_t n, std::uint64_t seed, std::uint64_t generation,
                   double* out, Where where) {
  ops::require_index_range(n, "the number of samples");
  if (n == 0 || space_host.n_var == 0) return;
  const DeviceScope scope(where);
  const DevicePlan plan(space_host);
  const thrust::counting_iterator<std::size_t> first(0);
  thrust::for_each(scope.policy(), first, first + n, UniformRow{plan.view(), seed, generation, out});
  scope.synchronize();
}

void sample_lhs(const GeneSpace& space_host, std::size_t n, std::uint64_t seed, std::uint64_t generation,
                double* out, Where where) {
  ops::require_index_range(n, "the number of samples");
  const std::size_t n_var = space_host.n_var;
  if (n == 0 || n_var == 0) return;
  const DeviceScope scope(where);
  const DevicePlan plan(space_host);
  thrust::device_vector<std::uint32_t> strata(n * n_var);
  std::uint32_t* const cells = thrust::raw_pointer_cast(strata.data());
  const thrust::counting_iterator<std::size_t> first(0);
  shuffle_many(scope.policy(), n, n_var, StrataStream{seed, generation}, cells);
  thrust::for_each(scope.policy(), first, first + n, LhsRow{plan.view(), cells, n, seed, generation, out});
  scope.synchronize();
}

}  // namespace evonas::EVONAS_DEVICE_NS
