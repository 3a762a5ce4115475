// The genome value check on the device: the smallest flat index of an
// invalid cell, by one reduction over all cells (ops::valid_gene, as the
// CPU path).
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform_reduce.h>

#include <limits>

#include "evonas/device_operators.hpp"
#include "exec.cuh"
#include "op_plan.cuh"

namespace evonas::EVONAS_DEVICE_NS {
namespace {

inline constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::max();

struct InvalidAt {
  ops::PlanView plan;
  const double* X;
  EVONAS_HD std::int64_t operator()(std::size_t cell) const {
    return ops::valid_gene(plan.genes[cell % plan.n_var], X[cell]) ? kNone : static_cast<std::int64_t>(cell);
  }
};

}  // namespace

std::int64_t first_invalid_gene(const GeneSpace& space_host, const double* X, std::size_t n, Where where) {
  const std::size_t cells = n * space_host.n_var;
  if (cells == 0) return -1;
  const DeviceScope scope(where);
  const DevicePlan plan(space_host);
  const thrust::counting_iterator<std::size_t> first(0);
  const std::int64_t at = thrust::transform_reduce(scope.policy(), first, first + cells, InvalidAt{plan.view(), X},
                                                   kNone, thrust::minimum<std::int64_t>());
  return at == kNone ? -1 : at;
}

}  // namespace evonas::EVONAS_DEVICE_NS
