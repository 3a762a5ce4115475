// Exact 2-D hypervolume and exclusive contributions on the device, equal to
// the CPU path (cpp/src/hv2d.cpp) bit for bit: the same sort order, the same
// staircase and the same terms, added in the same order.
//
// Sorting and the staircase are parallel (stable radix sorts, prefix
// minima). Only the sums are serial, because a parallel sum would round
// differently: the hypervolume adds its staircase steps (the front, usually
// far fewer than n) on the host; each contribution is one thread adding the
// columns between its staircase step and the next.
#include <thrust/copy.h>
#include <thrust/device_vector.h>
#include <thrust/fill.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <thrust/scan.h>
#include <thrust/sort.h>
#include <thrust/transform.h>
#include <thrust/transform_scan.h>


#include "exec.cuh"
#include "order_key.hpp"

namespace evonas::EVONAS_DEVICE_NS {
namespace {

using Index = std::uint32_t;
using Count = thrust::counting_iterator<Index>;

struct Inside {  // strictly inside the reference box
  const double* F;
  double ref0, ref1;
  EVONAS_HD bool operator()(Index i) const { return F[2 * std::size_t{i}] < ref0 && F[2 * std::size_t{i} + 1] < ref1; }
};

struct ColumnOf {
  const double* F;
  int column;
  EVONAS_HD double operator()(Index i) const { return F[2 * std::size_t{i} + column]; }
};

struct KeyOf {
  ColumnOf value;
  EVONAS_HD std::uint64_t operator()(Index i) const { return order_key(value(i)); }
};

// The minimum that keeps the earlier of equal values (-0.0 or 0.0), as the
// CPU's running minimum does; associative, so any scan order gives it.
struct FirstMin {
  EVONAS_HD double operator()(double a, double b) const { return b < a ? b : a; }
};

// The points inside the reference box in the CPU path's sort order, and
// their staircase: a point steps down when y < above.
struct Staircase {
  thrust::device_vector<Index> row;    // rows of F, sorted
  thrust::device_vector<double> x, y;  // their values
  thrust::device_vector<double> above;  // min(ref1, y of every earlier point)
};

// Sorted by x; with by_y, ties in x by y; remaining ties by row (stable sorts).
template <class Policy>
Staircase staircase(const Policy& policy, const double* F, std::size_t n, const double* ref, bool by_y) {
  Staircase s;
  s.row.resize(n);
  s.row.erase(thrust::copy_if(policy, Count(0), Count(static_cast<Index>(n)), s.row.begin(), Inside{F, ref[0], ref[1]}),
              s.row.end());
  const std::size_t k = s.row.size();
  thrust::device_vector<std::uint64_t> keys(k);
  auto sort_by = [&](int column) {
    thrust::transform(policy, s.row.begin(), s.row.end(), keys.begin(), KeyOf{{F, column}});
    thrust::stable_sort_by_key(policy, keys.begin(), keys.end(), s.row.begin());
  };
  if (by_y) sort_by(1);
  sort_by(0);
  s.x.resize(k);
  s.y.resize(k);
  s.above.resize(k);
  thrust::transform(policy, s.row.begin(), s.row.end(), s.x.begin(), ColumnOf{F, 0});
  thrust::transform(policy, s.row.begin(), s.row.end(), s.y.begin(), ColumnOf{F, 1});
  thrust::exclusive_scan(policy, s.y.begin(), s.y.end(), s.above.begin(), ref[1], FirstMin{});
  return s;
}

struct View {  // a Staircase's arrays, for the functors
  const double *x, *y, *above;
  EVONAS_HD bool step(Index t) const { return y[t] < above[t]; }
};

View view(const Staircase& s) { return {ptr(s.x), ptr(s.y), ptr(s.above)}; }

struct IsStep {
  View s;
  EVONAS_HD bool operator()(Index t) const { return s.step(t); }
};

// The strip a step adds: [x, ref0) x [y, above).
struct StepArea {
  View s;
  double ref0;
  EVONAS_HD double operator()(Index t) const { return (ref0 - s.x[t]) * (s.above[t] - s.y[t]); }
};

// -- Contributions. The step s alone covers [x_s, next step's x) x [y_s,
// above_s). The points after s up to the next step lie in that box; those
// that no earlier one of them covers (`corners`, with s the first) cut it
// into columns: a corner's column reaches from its x to the next corner's x
// (or the next step's, or ref0) and from y_s up to its top (above_s for s,
// its own y for the others). cpp/src/hv2d.cpp adds exactly these columns.

struct StepCount {  // 1 at a step: its inclusive scan numbers the boxes
  View s;
  EVONAS_HD Index operator()(Index t) const { return s.step(t) ? 1 : 0; }
};

struct ColumnTop {
  View s;
  EVONAS_HD double operator()(Index t) const { return s.step(t) ? s.above[t] : s.y[t]; }
};

// cover[t]: the lowest top so far in t's box (a scan of ColumnTop by box).
struct IsCorner {
  View s;
  const double* cover;
  EVONAS_HD bool operator()(Index t) const { return s.step(t) || s.y[t] < cover[t - 1]; }
};

struct IsStepCorner {
  View s;
  const Index* corner;
  EVONAS_HD bool operator()(Index c) const { return s.step(corner[c]); }
};

// One thread per step: the sum of its columns, in the CPU path's order.
struct BoxArea {
  View s;
  const Index* row;
  const Index* corner;     // positions of the corners, in order
  const Index* first;      // per step: index of its corner in `corner`
  Index n_corners, n_steps;
  double ref0;
  double* out;
  EVONAS_HD void operator()(Index b) const {
    const Index begin = first[b], end = b + 1 < n_steps ? first[b + 1] : n_corners;
    const double bottom = s.y[corner[begin]];
    double area = 0.0;
    for (Index c = begin; c < end; ++c) {
      const Index t = corner[c];
      const double right = c + 1 < n_corners ? s.x[corner[c + 1]] : ref0;
      const double top = c == begin ? s.above[t] : s.y[t];
      area += (right - s.x[t]) * (top - bottom);
    }
    out[row[corner[begin]]] = area;
  }
};

}  // namespace

double hypervolume_2d(const double* F, std::size_t n, const double* ref_host, Where where) {
  if (n == 0) return 0.0;
  const DeviceScope scope(where);
  const auto policy = scope.policy();
  const Staircase s = staircase(policy, F, n, ref_host, false);
  const Index k = static_cast<Index>(s.row.size());
  thrust::device_vector<double> strips(k);
  const auto area = thrust::make_transform_iterator(Count(0), StepArea{view(s), ref_host[0]});
  strips.erase(thrust::copy_if(policy, area, area + k, Count(0), strips.begin(), IsStep{view(s)}), strips.end());
  double volume = 0.0;
  for (double a : to_host(scope, ptr(strips), strips.size())) volume += a;
  return volume;
}

void hv_contributions_2d(const double* F, std::size_t n, const double* ref_host, double* out, Where where) {
  if (n == 0) return;
  const DeviceScope scope(where);
  const auto policy = scope.policy();
  thrust::fill_n(policy, thrust::device_pointer_cast(out), n, 0.0);
  const Staircase s = staircase(policy, F, n, ref_host, true);
  const Index k = static_cast<Index>(s.row.size());
  const View v = view(s);
  thrust::device_vector<Index> box(k);
  thrust::transform_inclusive_scan(policy, Count(0), Count(k), box.begin(), StepCount{v}, thrust::plus<Index>());
  thrust::device_vector<double> cover(k);
  thrust::inclusive_scan_by_key(policy, box.begin(), box.end(), thrust::make_transform_iterator(Count(0), ColumnTop{v}),
                                cover.begin(), thrust::equal_to<Index>(), FirstMin{});
  thrust::device_vector<Index> corner(k);
  corner.erase(thrust::copy_if(policy, Count(0), Count(k), corner.begin(), IsCorner{v, ptr(cover)}), corner.end());
  const Index n_corners = static_cast<Index>(corner.size());
  thrust::device_vector<Index> first(n_corners);
  first.erase(thrust::copy_if(policy, Count(0), Count(n_corners), first.begin(), IsStepCorner{v, ptr(corner)}),
              first.end());
  const Index n_steps = static_cast<Index>(first.size());
  thrust::for_each(policy, Count(0), Count(n_steps),
                   BoxArea{v, ptr(s.row), ptr(corner), ptr(first), n_corners, n_steps,
                           ref_host[0], out});
  scope.synchronize();
}

}  // namespace evonas::EVONAS_DEVICE_NS
