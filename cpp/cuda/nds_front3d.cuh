// One peeling round of the device sort for three objectives, by divide and
// conquer instead of scanning: a remaining point k (lexicographic order by
// f0, then f1, f2) is dominated exactly when some earlier remaining point u
// has f1[u] <= f1[k] and f2[u] <= f2[k] (u < k already gives f0[u] <= f0[k],
// and the rows differ). Bottom-up, at half-size B every pair u < k meets in
// exactly one block of 2B positions, u in its left half and k in its right:
// the left halves are sorted by (block, f1) with a running minimum of f2, and
// each right point binary-searches its block. O(c log^2 c) work per round of
// c points, whatever the size of the front.
#pragma once

#include <thrust/copy.h>
#include <thrust/device_vector.h>
#include <thrust/fill.h>
#include <thrust/for_each.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/scan.h>
#include <thrust/sort.h>
#include <thrust/transform.h>

#include "exec.cuh"

namespace evonas::EVONAS_DEVICE_NS::front3d {

// f1 and f2 of remaining point k.
struct Coords {
  const double* S;  // sorted rows, 3 per point
  const std::uint32_t* R;
  EVONAS_HD double f1(std::uint32_t k) const { return S[3 * std::size_t{R[k]} + 1]; }
  EVONAS_HD double f2(std::uint32_t k) const { return S[3 * std::size_t{R[k]} + 2]; }
};

struct InLeftHalf {
  std::uint32_t half;
  EVONAS_HD bool operator()(std::uint32_t k) const { return k % (2 * std::uint64_t{half}) < half; }
};

struct ByBlockF1 {
  Coords c;
  std::uint32_t half;
  EVONAS_HD bool operator()(std::uint32_t a, std::uint32_t b) const {
    const std::uint64_t ba = a / (2 * std::uint64_t{half}), bb = b / (2 * std::uint64_t{half});
    if (ba != bb) return ba < bb;
    return c.f1(a) < c.f1(b);
  }
};

struct BlockOf {
  std::uint32_t half;
  EVONAS_HD std::uint32_t operator()(std::uint32_t k) const { return static_cast<std::uint32_t>(k / (2 * std::uint64_t{half})); }
};

struct SecondOf {
  Coords c;
  EVONAS_HD double operator()(std::uint32_t k) const { return c.f2(k); }
};

// For a right-half point k: the last left point of its block with f1 <= f1[k]
// and the least f2 up to it.
struct MarkDominated {
  Coords c;
  std::uint32_t half;
  const std::uint32_t* left;    // left points sorted by (block, f1)
  const std::uint32_t* block;   // their blocks
  const double* least_f2;       // running minimum of f2 within a block
  std::uint32_t n_left;
  std::uint8_t* dominated;
  EVONAS_HD void operator()(std::uint32_t k) const {
    if (k % (2 * std::uint64_t{half}) < half || dominated[k]) return;
    const auto b = static_cast<std::uint32_t>(k / (2 * std::uint64_t{half}));
    const double x = c.f1(k);
    std::uint32_t lo = 0, hi = n_left;  // first position after (b, x)
    while (lo < hi) {
      const std::uint32_t mid = lo + (hi - lo) / 2;
      if (block[mid] < b || (block[mid] == b && !(x < c.f1(left[mid]))))
        lo = mid + 1;
      else
        hi = mid;
    }
    if (lo > 0 && block[lo - 1] == b && least_f2[lo - 1] <= c.f2(k)) dominated[k] = 1;
  }
};

// dominated[k] for the `count` remaining points R (sorted rows S).
template <class Policy>
void mark_dominated(const Policy& policy, const double* S, const std::uint32_t* R, std::uint32_t count,
                    std::uint8_t* dominated) {
  const Coords c{S, R};
  const thrust::counting_iterator<std::uint32_t> first(0);
  thrust::fill(policy, thrust::device_pointer_cast(dominated), thrust::device_pointer_cast(dominated) + count, 0);
  thrust::device_vector<std::uint32_t> left(count), block(count);
  thrust::device_vector<double> least(count);
  for (std::uint64_t h = 1; h < count; h *= 2) {
    const auto half = static_cast<std::uint32_t>(h);
    const auto n_left = static_cast<std::uint32_t>(
        thrust::copy_if(policy, first, first + count, left.begin(), InLeftHalf{half}) - left.begin());
    thrust::sort(policy, left.begin(), left.begin() + n_left, ByBlockF1{c, half});
    thrust::transform(policy, left.begin(), left.begin() + n_left, block.begin(), BlockOf{half});
    thrust::transform(policy, left.begin(), left.begin() + n_left, least.begin(), SecondOf{c});
    thrust::inclusive_scan_by_key(policy, block.begin(), block.begin() + n_left, least.begin(), least.begin(),
                                  thrust::equal_to<std::uint32_t>(), thrust::minimum<double>());
    thrust::for_each(policy, first, first + count,
                     MarkDominated{c, half, thrust::raw_pointer_cast(left.data()), thrust::raw_pointer_cast(block.data()),
                                   thrust::raw_pointer_cast(least.data()), n_left, dominated});
  }
}

}  // namespace evonas::EVONAS_DEVICE_NS::front3d
