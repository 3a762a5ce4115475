// Monte-Carlo hypervolume on the device: the tree is built on the host (from
// a copy of the points; the samples are the costly part), then every sample
// is one thread. hv_mc_tree.hpp is shared with the CPU path, so both count
// the same samples.
#include <thrust/device_vector.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform_reduce.h>

#include <limits>
#include <stdexcept>
#include <string>

#include "exec.cuh"
#include "hv_mc_tree.hpp"

namespace evonas::EVONAS_DEVICE_NS {
namespace {

struct CoveredSample {
  detail::CornerTreeView tree;
  std::uint64_t seed;

  EVONAS_HD std::uint64_t operator()(std::uint64_t s) const {
    double u[kMaxDeviceObjectives];
    return detail::sample_covered(tree, seed, s, u) ? 1 : 0;
  }
};

}  // namespace

MonteCarloEstimate hypervolume_mc(const double* F, std::size_t n, std::size_t m, const double* ref_host,
                                  std::uint64_t samples, std::uint64_t seed, Where where) {
  if (m == 0 || m > kMaxDeviceObjectives)
    throw std::invalid_argument("hypervolume_mc on the device takes 1 to " +
                                std::to_string(kMaxDeviceObjectives) + " objectives, not " + std::to_string(m));
  const DeviceScope scope(where);
  const std::vector<double> points = to_host(scope, F, n * m);
  for (std::size_t k = 0; k < points.size(); ++k)
    if (points[k] == -std::numeric_limits<double>::infinity())
      throw std::invalid_argument("'F' must not contain -inf (+inf when maximising): the hypervolume would be "
                                  "infinite (row " + std::to_string(k / m) + ")");
  const detail::CornerTree tree(points.data(), n, m, ref_host);
  if (tree.empty() || samples == 0) return {0.0, 0.0};
  const thrust::device_vector<detail::CornerNode> nodes(tree.nodes().begin(), tree.nodes().end());
  const thrust::device_vector<double> corners(tree.corners().begin(), tree.corners().end());
  const thrust::device_vector<double> pts(tree.points().begin(), tree.points().end());
  const detail::CornerTreeView view{thrust::raw_pointer_cast(nodes.data()), thrust::raw_pointer_cast(corners.data()),
                                    thrust::raw_pointer_cast(pts.data()), static_cast<std::uint32_t>(m)};
  const std::uint64_t hits = thrust::transform_reduce(
      scope.policy(), thrust::counting_iterator<std::uint64_t>(0), thrust::counting_iterator<std::uint64_t>(samples),
      CoveredSample{view, seed}, std::uint64_t{0}, thrust::plus<std::uint64_t>());
  return detail::mc_estimate(tree.box(), hits, samples);
}

}  // namespace evonas::EVONAS_DEVICE_NS
