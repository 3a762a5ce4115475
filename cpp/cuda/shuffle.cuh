// Many random permutations at once on the device, equal to the CPU path's
// ops::shuffle_indices (op_selection_row.hpp) on each: small ones by one
// thread each (Fisher-Yates); large ones in three parallel steps: the
// elements' buckets drawn in chunks, one stable sort that lays the buckets
// out, and one thread per bucket shuffling it.
#pragma once

#include <thrust/binary_search.h>
#include <thrust/device_vector.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/sort.h>

#include <algorithm>

#include "exec.cuh"
#include "op_selection_row.hpp"

namespace evonas::EVONAS_DEVICE_NS {
namespace shuffle_detail {

// Elements whose buckets one thread draws (a contiguous stretch of its stream).
inline constexpr std::size_t kDrawChunk = 1024;

template <class StreamOf>
struct WholeShuffle {
  StreamOf stream_of;
  std::size_t n;
  std::uint32_t* out;
  EVONAS_HD void operator()(std::size_t p) const {
    PhiloxStream rs = stream_of(p);
    ops::shuffle_indices(out + p * n, n, rs, nullptr, nullptr);
  }
};

// key[p n + i] = p n_buckets + (bucket of element i of permutation p); out = i.
template <class StreamOf>
struct DrawKeys {
  StreamOf stream_of;
  std::size_t n, n_buckets, chunks;
  std::uint32_t* key;
  std::uint32_t* out;
  EVONAS_HD void operator()(std::size_t c) const {
    const std::size_t p = c / chunks, lo = (c % chunks) * kDrawChunk;
    const std::size_t hi = lo + kDrawChunk < n ? lo + kDrawChunk : n;
    std::uint32_t* const k = key + p * n;
    ops::draw_buckets(stream_of(p), lo, hi, n_buckets, k);
    for (std::size_t i = lo; i < hi; ++i) {
      k[i] += static_cast<std::uint32_t>(p * n_buckets);
      out[p * n + i] = static_cast<std::uint32_t>(i);
    }
  }
};

template <class StreamOf>
struct ShuffleBuckets {
  StreamOf stream_of;
  std::size_t n_buckets;
  const std::size_t* start;  // of every (permutation, bucket), and the end
  std::uint32_t* out;
  EVONAS_HD void operator()(std::size_t s) const {
    ops::shuffle_bucket(stream_of(s / n_buckets), s % n_buckets, out, start[s], start[s + 1]);
  }
};

}  // namespace shuffle_detail

// n_perm permutations of [0, n) laid end to end in out (n_perm * n entries),
// permutation p drawn from the stream stream_of(p) (an EVONAS_HD functor);
// n_perm * shuffle_buckets(n) must stay below 2^32.
template <class Policy, class StreamOf>
void shuffle_many(const Policy& policy, std::size_t n, std::size_t n_perm, StreamOf stream_of, std::uint32_t* out) {
  using namespace shuffle_detail;
  const thrust::counting_iterator<std::size_t> first(0);
  const std::size_t n_buckets = ops::shuffle_buckets(n);
  if (n_buckets <= 1) {
    thrust::for_each(policy, first, first + n_perm, WholeShuffle<StreamOf>{stream_of, n, out});
    return;
  }
  const std::size_t chunks = (n + kDrawChunk - 1) / kDrawChunk, n_segments = n_perm * n_buckets;
  thrust::device_vector<std::uint32_t> key(n_perm * n);
  thrust::for_each(policy, first, first + n_perm * chunks,
                   DrawKeys<StreamOf>{stream_of, n, n_buckets, chunks, ptr(key), out});
  // Stable: within a bucket the elements stay in index order, as the CPU's
  // counting sort leaves them.
  thrust::stable_sort_by_key(policy, key.begin(), key.end(), thrust::device_pointer_cast(out));
  thrust::device_vector<std::size_t> start(n_segments + 1);
  thrust::lower_bound(policy, key.begin(), key.end(), first, first + n_segments + 1, start.begin());
  thrust::for_each(policy, first, first + n_segments, ShuffleBuckets<StreamOf>{stream_of, n_buckets, ptr(start), out});
}

}  // namespace evonas::EVONAS_DEVICE_NS
