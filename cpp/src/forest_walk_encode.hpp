// How PackedForest::predict lays out and computes a block's codes, shared by
// its portable encoder (forest_predict.cpp) and its AVX-512 one
// (forest_walk_encode_avx512.cpp), chosen at run time. Both give the same
// codes, so predictions are bit-identical whichever runs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "evonas/surrogate.hpp"

namespace evonas::forest_walk {

using Coder = PackedForest::Coder;
using Code = std::uint32_t;

constexpr std::size_t kLanes = 8;  // rows walked together (8 measured fastest of 4..16)

// A block's codes are stored by groups of kLanes rows, in a group by feature,
// then by row: a node's feature is a fixed byte offset from the group's start
// (Node::column = feature * kLanes * sizeof(Code)), and a group walks a tree
// within its kLanes * n_features codes instead of reaching all over the
// block. Row r's code of feature 0 is at code_index(r, n_features * kLanes).
constexpr std::size_t code_index(std::size_t row, std::size_t group_stride) {
  return row / kLanes * group_stride + row % kLanes;
}

// Monotone in x (each rounding is), so a threshold in a lower bucket than x
// is < x and one in a higher bucket is > x. NaN goes to bucket 0.
inline std::size_t bucket(const Coder& c, double x) {
  const double s = (x - c.lo) * c.scale;
  return s > 0 ? (s < static_cast<double>(c.n_buckets) ? static_cast<std::size_t>(s) : c.n_buckets - 1) : 0;
}

// Sets codes[code_index(r, group_stride)] = 1 + #{thresholds of the feature
// < x_r} for the rows r < rows of one column (x_r = column[r * stride]),
// given the feature's `sorted` thresholds (then `width` entries of +inf) and
// bucket `start`s; throws std::invalid_argument if an x_r is not finite.
using EncodeColumn = void (*)(const Coder& c, const double* sorted, const std::uint32_t* start, const double* column,
                              std::size_t stride, std::size_t rows, Code* codes, std::size_t group_stride);

// The AVX-512 encoder counts a value's bucket `width` thresholds 8 at a
// time: up to 4 vectors, it beats a binary search's chain of dependent loads.
constexpr std::size_t kMaxVectorWidth = 32;

// The AVX-512 encoder (for coders of width <= kMaxVectorWidth) where this
// build and this CPU have AVX-512, else nullptr.
EncodeColumn avx512_encode_column();

}  // namespace evonas::forest_walk
