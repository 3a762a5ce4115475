// 2-D hypervolume and exclusive contributions: one sort plus one sweep.
#include <cstdint>
#include <vector>

#include "hv3d_sort.hpp"
#include "hv_detail.hpp"

namespace evonas::detail {
namespace {

// Row indices sorted by x; with by_y, ties in x are sorted by y.
std::vector<std::uint32_t> sorted_by_x(const double* p, std::size_t n, bool by_y) {
  std::vector<std::uint64_t> keys(n);
  std::vector<std::uint32_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
  if (by_y) {
    for (std::size_t i = 0; i < n; ++i) keys[i] = order_key(p[2 * i + 1]);
    radix_sort(keys, order);
  }
  for (std::size_t k = 0; k < n; ++k) keys[k] = order_key(p[2 * std::size_t{order[k]}]);
  radix_sort(keys, order);
  return order;
}

}  // namespace

double hv2d(const double* p, std::size_t n, const double* ref) {
  // Horizontal strips: each new lowest y adds [x, ref0) x [y, previous y).
  // Points sharing x need no tie order: their strips simply stack.
  std::vector<std::uint32_t> order = sorted_by_x(p, n, false);
  double volume = 0.0;
  double ymin = ref[1];
  for (std::uint32_t i : order) {
    double x = p[2 * std::size_t{i}], y = p[2 * std::size_t{i} + 1];
    if (y < ymin) {
      volume += (ref[0] - x) * (ymin - y);
      ymin = y;
    }
  }
  return volume;
}

void hvc2d(const double* p, std::size_t n, const double* ref, double* out) {
  std::vector<std::uint32_t> order = sorted_by_x(p, n, true);
  auto x = [p](std::size_t i) { return p[2 * i]; };
  auto y = [p](std::size_t i) { return p[2 * i + 1]; };
  for (std::size_t i = 0; i < n; ++i) out[i] = 0.0;
  // Staircase positions in `order` (x increasing, y strictly decreasing).
  std::vector<std::size_t> stair;
  double ymin = ref[1];
  for (std::size_t k = 0; k < n; ++k) {
    if (y(order[k]) < ymin) {
      stair.push_back(k);
      ymin = y(order[k]);
    }
  }
  // The staircase point s alone covers the box [x_s, next x) x [y_s, previous y).
  // The points inside that box (those covered by s only, copies of s included)
  // follow s in `order`; its exclusive region is the box minus their
  // quadrants, summed as columns between their own staircase steps.
  for (std::size_t t = 0; t < stair.size(); ++t) {
    std::size_t s = order[stair[t]];
    std::size_t end = t + 1 < stair.size() ? stair[t + 1] : n;
    double right = t + 1 < stair.size() ? x(order[end]) : ref[0];
    double top = t > 0 ? y(order[stair[t - 1]]) : ref[1];
    double area = 0.0;
    double col_x = x(s), col_top = top;  // current column's left edge and top
    for (std::size_t k = stair[t] + 1; k < end; ++k) {
      std::size_t j = order[k];
      if (y(j) >= col_top) continue;  // covered by another point too
      area += (x(j) - col_x) * (col_top - y(s));
      col_x = x(j);
      col_top = y(j);
    }
    area += (right - col_x) * (col_top - y(s));
    out[s] = area;
  }
}

}  // namespace evonas::detail
