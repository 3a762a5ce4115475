// Crossover and mutation on the device: one thread per mating (both children
// crossed, then each mutated) or per mutated row, running the CPU path's
// per-row code (op_crossover_row.hpp, op_mutation_row.hpp) on the same
// streams, so the children are the CPU path's.
#include <thrust/count.h>
#include <thrust/device_vector.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>

#include <stdexcept>
#include <string>

#include "evonas/device_operators.hpp"
#include "exec.cuh"
#include "op_crossover_row.hpp"
#include "op_mutation_row.hpp"
#include "op_plan.cuh"

namespace evonas::EVONAS_DEVICE_NS {
namespace {

struct Mate {
  ops::PlanView plan;
  ops::CrossoverPlan cx;
  ops::MutationPlan mp;
  const double* X;
  const std::int64_t* parents;
  std::uint64_t seed, generation;
  std::uint8_t* cut;  // n_var bytes per mating, for n-point crossover only
  double* out;
  EVONAS_HD void operator()(std::size_t i) const {
    const std::size_t n_var = plan.n_var;
    const double* p1 = X + static_cast<std::size_t>(parents[2 * i]) * n_var;
    const double* p2 = X + static_cast<std::size_t>(parents[2 * i + 1]) * n_var;
    double* c1 = out + 2 * i * n_var;
    double* c2 = c1 + n_var;
    ops::Draws d(op_stream(seed, generation, OpStream::crossover, i));
    ops::cross_pair(plan, cx, p1, p2, c1, c2, d, cut ? cut + i * n_var : nullptr);
    if (!mp.active) return;
    ops::Draws m1(op_stream(seed, generation, OpStream::mutation, 2 * i));
    ops::mutate_row(plan, mp, c1, m1);
    ops::Draws m2(op_stream(seed, generation, OpStream::mutation, 2 * i + 1));
    ops::mutate_row(plan, mp, c2, m2);
  }
};

struct MutateRow {
  ops::PlanView plan;
  ops::MutationPlan mp;
  const double* X;
  std::uint64_t seed, generation;
  double* out;
  EVONAS_HD void operator()(std::size_t i) const {
    const std::size_t n_var = plan.n_var;
    double* row = out + i * n_var;
    for (std::size_t j = 0; j < n_var; ++j) row[j] = X[i * n_var + j];
    if (!mp.active) return;
    ops::Draws d(op_stream(seed, generation, OpStream::mutation, i));
    ops::mutate_row(plan, mp, row, d);
  }
};

struct OutOfRange {
  std::int64_t n;
  EVONAS_HD bool operator()(std::int64_t p) const { return p < 0 || p >= n; }
};

}  // namespace

void variation(const GeneSpace& space_host, const double* X, std::size_t n, const std::int64_t* parents,
               std::size_t n_matings, const CrossoverSpec& crossover, const MutationSpec& mutation,
               std::uint64_t seed, std::uint64_t generation, double* out, Where where) {
  ops::require_index_range(2 * n_matings, "the number of offspring");
  const DevicePlan plan(space_host);
  const ops::CrossoverPlan cx(crossover);
  const ops::MutationPlan mp(mutation, plan.host());
  const std::size_t n_var = space_host.n_var;
  if (n_matings == 0 || n_var == 0) return;
  const DeviceScope scope(where);
  const auto policy = scope.policy();
  const auto pairs = thrust::device_pointer_cast(parents);
  if (thrust::count_if(policy, pairs, pairs + 2 * n_matings, OutOfRange{static_cast<std::int64_t>(n)}) > 0)
    throw std::invalid_argument("'parents' must hold row indices in [0, " + std::to_string(n) + ")");
  thrust::device_vector<std::uint8_t> cut(cx.n_points > 0 && n_var > 1 ? n_matings * n_var : 0);
  const thrust::counting_iterator<std::size_t> first(0);
  thrust::for_each(policy, first, first + n_matings,
                   Mate{plan.view(), cx, mp, X, parents, seed, generation,
                        cut.empty() ? nullptr : thrust::raw_pointer_cast(cut.data()), out});
  scope.synchronize();
}

void mutate(const GeneSpace& space_host, const double* X, std::size_t n, const MutationSpec& mutation,
            std::uint64_t seed, std::uint64_t generation, double* out, Where where) {
  ops::require_index_range(n, "the number of rows");
  const DevicePlan plan(space_host);
  const ops::MutationPlan mp(mutation, plan.host());
  if (n == 0 || space_host.n_var == 0) return;
  const DeviceScope scope(where);
  const thrust::counting_iterator<std::size_t> first(0);
  thrust::for_each(scope.policy(), first, first + n, MutateRow{plan.view(), mp, X, seed, generation, out});
  scope.synchronize();
}

}  // namespace evonas::EVONAS_DEVICE_NS
