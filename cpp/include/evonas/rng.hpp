// Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror, Shaw,
// "Parallel random numbers: as easy as 1, 2, 3", SC 2011).
//
// Why counter-based: a draw is a pure function of (seed, counter), so results
// do not depend on how work is split across threads, and any draw can be
// recomputed without replaying a sequence. No state is shared between threads.
//
// Addressing convention used throughout evonas. The 64-bit seed is the key;
// the 128-bit counter is (word 0: position within a stream, word 1: stream_b,
// words 2-3: stream_a). One stream is therefore named by (stream_a, stream_b)
// and yields 2^32 blocks of four 32-bit words (2^33 doubles) in order.
//
//   * Monte-Carlo hypervolume: stream_a = sample index, stream_b = kMcStream;
//     coordinate j of sample i is PhiloxStream(seed, i, kMcStream).uniform().
//   * Evolutionary operators: stream_a = generation, stream_b = individual
//     (plus a purpose tag in its high bits if one individual needs several
//     independent streams), e.g.
//         PhiloxStream rs(seed, generation, individual);
//         double u = rs.uniform();          // [0, 1), 53 random bits
//         std::uint64_t k = rs.below(n);    // unbiased integer in [0, n)
//     so offspring i of generation g draws the same numbers whichever thread
//     creates it.
#pragma once

#include <array>
#include <cstdint>

#include "evonas/hd.hpp"

namespace evonas {

// The raw bijection: 128-bit counter x 64-bit key -> 128 random bits.
class Philox4x32 {
 public:
  using Counter = std::array<std::uint32_t, 4>;
  using Key = std::array<std::uint32_t, 2>;

  EVONAS_HD static constexpr Counter block(Counter ctr, Key key) {
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {  // the key schedule is a Weyl sequence
        key[0] += kWeyl0;
        key[1] += kWeyl1;
      }
      std::uint64_t prod0 = std::uint64_t{kMul0} * ctr[0];
      std::uint64_t prod1 = std::uint64_t{kMul1} * ctr[2];
      ctr = {static_cast<std::uint32_t>(prod1 >> 32) ^ ctr[1] ^ key[0],
             static_cast<std::uint32_t>(prod1),
             static_cast<std::uint32_t>(prod0 >> 32) ^ ctr[3] ^ key[1],
             static_cast<std::uint32_t>(prod0)};
    }
    return ctr;
  }

  EVONAS_HD static constexpr Key key_from_seed(std::uint64_t seed) {
    return {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)};
  }

 private:
  static constexpr std::uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  static constexpr std::uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
};

// 53 high bits of a 64-bit word as a double in [0, 1).
EVONAS_HD constexpr double u64_to_unit(std::uint64_t bits) {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

// A stream of draws at (seed, stream_a, stream_b), consumed in order. Cheap to
// construct (no work until the first draw); keep one per task, never share.
class PhiloxStream {
 public:
  EVONAS_HD constexpr PhiloxStream(std::uint64_t seed, std::uint64_t stream_a, std::uint32_t stream_b = 0)
      : key_(Philox4x32::key_from_seed(seed)),
        ctr_{0u, stream_b, static_cast<std::uint32_t>(stream_a),
             static_cast<std::uint32_t>(stream_a >> 32)} {}

  // Next 32 random bits.
  EVONAS_HD std::uint32_t next_u32() {
    if (used_ == 4) refill();
    return buf_[used_++];
  }

  // Next 64 random bits (two consecutive 32-bit words, low word first).
  EVONAS_HD std::uint64_t next_u64() {
    if (used_ > 2) refill();
    std::uint64_t lo = buf_[used_], hi = buf_[used_ + 1];
    used_ += 2;
    return lo | (hi << 32);
  }

  // Uniform double in [0, 1) from 53 bits; two doubles per Philox block.
  EVONAS_HD double uniform() { return u64_to_unit(next_u64()); }

  // Uniform double in [lo, hi).
  EVONAS_HD double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  // Unbiased integer in [0, n), n >= 1 (Lemire's multiply-and-reject).
  EVONAS_HD std::uint64_t below(std::uint64_t n) {
    for (;;) {
      std::uint64_t hi = 0, low = mul64(next_u64(), n, hi);
      if (low >= n || low >= (0 - n) % n) return hi;
    }
  }

  // Unbiased integer in [0, n), 0 < n < 2^32, from one 32-bit word in all
  // but a fraction n / 2^32 of the draws (Lemire's method on 32 bits: half
  // the randomness of below(), which matters for long shuffles).
  EVONAS_HD std::uint32_t below32(std::uint32_t n) {
    std::uint64_t m = std::uint64_t{next_u32()} * n;
    if (static_cast<std::uint32_t>(m) < n) {
      const std::uint32_t threshold = (0u - n) % n;
      while (static_cast<std::uint32_t>(m) < threshold) m = std::uint64_t{next_u32()} * n;
    }
    return static_cast<std::uint32_t>(m >> 32);
  }

  // Integer in [0, n) from exactly one draw (multiply-shift, no rejection):
  // biased by at most n / 2^64, and every draw has a fixed place in the
  // stream, so parallel workers can each take their own stretch of it.
  EVONAS_HD std::uint64_t scaled(std::uint64_t n) {
    std::uint64_t hi = 0;
    mul64(next_u64(), n, hi);
    return hi;
  }

  // Continue from the start of Philox block `block` (two 64-bit draws per
  // block): the stream's draws are addressable, so they can be split.
  EVONAS_HD void seek(std::uint32_t block) {
    ctr_[0] = block;
    used_ = 4;
  }

 private:
  // Full 64x64 -> 128-bit product: returns the low half, hi gets the high half.
  EVONAS_HD static std::uint64_t mul64(std::uint64_t a, std::uint64_t b, std::uint64_t& hi) {
#if defined(__CUDA_ARCH__)
    hi = __umul64hi(a, b);
    return a * b;
#elif defined(__SIZEOF_INT128__)
    __extension__ using u128 = unsigned __int128;
    u128 prod = static_cast<u128>(a) * b;
    hi = static_cast<std::uint64_t>(prod >> 64);
    return static_cast<std::uint64_t>(prod);
#else  // schoolbook on 32-bit halves
    std::uint64_t a0 = a & 0xFFFFFFFFu, a1 = a >> 32, b0 = b & 0xFFFFFFFFu, b1 = b >> 32;
    std::uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    std::uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFFu) + (p10 & 0xFFFFFFFFu);
    hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    return a * b;
#endif
  }

  EVONAS_HD void refill() {
    buf_ = Philox4x32::block(ctr_, key_);
    ++ctr_[0];  // 2^32 blocks per stream: far more than any caller draws
    used_ = 0;
  }

  Philox4x32::Key key_;
  Philox4x32::Counter ctr_;
  Philox4x32::Counter buf_{};
  unsigned used_ = 4;
};

namespace rng_detail {
constexpr bool same(const Philox4x32::Counter& a, const Philox4x32::Counter& b) {
  return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}
// Known-answer vectors from Random123 (kat_vectors, philox4x32_10).
static_assert(same(Philox4x32::block({0u, 0u, 0u, 0u}, {0u, 0u}),
                   {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}));
static_assert(same(Philox4x32::block({~0u, ~0u, ~0u, ~0u}, {~0u, ~0u}),
                   {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}));
}  // namespace rng_detail

// Stream tag of the Monte-Carlo hypervolume samples ("MC").
inline constexpr std::uint32_t kMcStream = 0x4D43u;

}  // namespace evonas
