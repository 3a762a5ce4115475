// 4-D hypervolume entry points over the HV4D+ sweep in hv4d_sweep.hpp.
#include <cstdint>
#include <vector>

#include "hv3d_sort.hpp"
#include "hv4d_sweep.hpp"
#include "hv_detail.hpp"

namespace evonas::detail {
namespace {

using hv4d_sweep::Hv4d;
using hv4d_sweep::Id;

// Sums slab volume x height over the points in sweep order: point k of the
// order is row at(k) of p.
template <class At>
double sweep(const double* p, std::size_t n, const double* ref,
             std::vector<hv4d_sweep::Hv4dNode>& nodes, At at) {
  Hv4d s(ref, n, nodes);
  double volume = 0.0, hv = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    const double* q = p + 4 * at(k);
    volume += s.add(static_cast<Id>(k) + Hv4d::kFirst, q[0], q[1], q[2]);
    const double next_w = k + 1 < n ? p[4 * at(k + 1) + 3] : ref[3];
    hv += volume * (next_w - q[3]);
  }
  return hv;
}

}  // namespace

double hv4d(const double* p, std::size_t n, const double* ref) {
  // Node slots follow the sweep order, which keeps L's nodes packed at the
  // front of the array (laying them out in L's order was slower).
  std::vector<std::uint64_t> keys(n);
  std::vector<std::uint32_t> order(n);
  for (std::size_t i = 0; i < n; ++i) {
    keys[i] = order_key(p[4 * i + 3]);
    order[i] = static_cast<std::uint32_t>(i);
  }
  radix_sort(keys, order);
  std::vector<hv4d_sweep::Hv4dNode> nodes;
  return sweep(p, n, ref, nodes, [&](std::size_t k) { return std::size_t{order[k]}; });
}

double hv4d_sorted(const double* p, std::size_t n, const double* ref,
                   std::vector<hv4d_sweep::Hv4dNode>& nodes) {
  return sweep(p, n, ref, nodes, [](std::size_t k) { return k; });
}

}  // namespace evonas::detail
