// Uniformly random permutations from a Philox stream, host and device code
// alike: the tournaments' competitors (op_selection_row.hpp) and the Latin
// hypercube's strata (op_sampling_row.hpp). The device draws many of them in
// parallel with the same result (cpp/cuda/shuffle.cuh).
#pragma once

#include <cstddef>
#include <cstdint>

#include "op_detail.hpp"

namespace evonas::ops {

// Elements per bucket of a large shuffle: a block that stays in cache, and a
// short sequential run for the one device thread that shuffles it.
inline constexpr std::size_t kShuffleBucket = std::size_t{1} << 14;
// Where bucket b's own shuffle starts in the permutation's stream: past the
// blocks that draw the buckets (n / 2 < 2^27 of them), 2^15 blocks (2^17
// 32-bit draws, 8 times a bucket's largest expected size) per bucket; a
// bucket that took more would run on into the next one's stretch, still
// deterministic.
inline constexpr std::uint32_t kBucketShuffleBlock = std::uint32_t{1} << 31;
inline constexpr std::uint32_t kBucketShuffleStride = std::uint32_t{1} << 15;

// Buckets of a shuffle of n elements (at most 1: a plain Fisher-Yates).
EVONAS_HD inline std::size_t shuffle_buckets(std::size_t n) { return (n + kShuffleBucket - 1) / kShuffleBucket; }

// The buckets of elements [lo, hi) of a large shuffle: element i takes the
// i-th draw of the permutation's stream `rs`, so any split of the elements
// over workers draws the same buckets.
EVONAS_HD inline void draw_buckets(PhiloxStream rs, std::size_t lo, std::size_t hi, std::size_t n_buckets,
                                   std::uint32_t* bucket) {
  rs.seek(static_cast<std::uint32_t>(lo / 2));
  if (lo % 2) rs.next_u64();
  for (std::size_t i = lo; i < hi; ++i) bucket[i] = static_cast<std::uint32_t>(rs.scaled(n_buckets));
}

// Fisher-Yates of out[begin, end), the elements of bucket b, on bucket b's
// stretch of the permutation's stream `rs`.
EVONAS_HD inline void shuffle_bucket(PhiloxStream rs, std::size_t b, std::uint32_t* out, std::size_t begin,
                                     std::size_t end) {
  rs.seek(kBucketShuffleBlock + static_cast<std::uint32_t>(b) * kBucketShuffleStride);
  for (std::size_t i = begin; i < end; ++i)
    exchange(out[i], out[i + rs.below32(static_cast<std::uint32_t>(end - i))]);
}

// A uniformly random permutation of [0, n) written to out, from the stream
// rs. Up to kShuffleBucket elements: Fisher-Yates. Beyond, every element
// first goes to a uniformly drawn bucket (draw_buckets), the buckets are laid
// out in order (elements in index order within each), and each bucket is
// shuffled on its own (shuffle_bucket): the order is that of iid random keys
// (bucket, uniform), so still uniform, the swaps stay within a cache-sized
// block, and the device runs the three steps in parallel with the same
// result. Scratch, only for more than one bucket: bucket (n entries) and
// start (shuffle_buckets(n) + 1 entries).
EVONAS_HD inline void shuffle_indices(std::uint32_t* out, std::size_t n, PhiloxStream& rs, std::uint32_t* bucket,
                                      std::size_t* start) {
  const std::size_t n_buckets = shuffle_buckets(n);
  if (n_buckets <= 1) {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint32_t>(i);
    for (std::size_t i = 0; i < n; ++i) exchange(out[i], out[i + rs.below(n - i)]);
    return;
  }
  draw_buckets(rs, 0, n, n_buckets, bucket);
  for (std::size_t b = 0; b <= n_buckets; ++b) start[b] = 0;
  for (std::size_t i = 0; i < n; ++i) ++start[bucket[i] + 1];
  for (std::size_t b = 1; b <= n_buckets; ++b) start[b] += start[b - 1];
  // Filling advances start[b] to the end of bucket b, the start of b + 1.
  for (std::size_t i = 0; i < n; ++i) out[start[bucket[i]]++] = static_cast<std::uint32_t>(i);
  for (std::size_t b = 0; b < n_buckets; ++b) shuffle_bucket(rs, b, out, b == 0 ? 0 : start[b - 1], start[b]);
}

}  // namespace evonas::ops
