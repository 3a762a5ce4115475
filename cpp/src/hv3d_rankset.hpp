// Ordered set of integers in [0, n) as a 64-ary tree of bit words: insert,
// erase and neighbour queries in O(log64 n) with no allocation per element.
// The 3-D/4-D sweeps know every point's rank in advance, so this replaces a
// balanced tree keyed by coordinates and is several times faster.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#if defined(_MSC_VER)
#include <intrin.h>
#endif

namespace evonas::detail {

// Index of the lowest / highest set bit of a non-zero word.
inline std::size_t lowest_bit(std::uint64_t w) {
#if defined(_MSC_VER)
  unsigned long i;
  _BitScanForward64(&i, w);
  return i;
#else
  return static_cast<std::size_t>(__builtin_ctzll(w));
#endif
}
inline std::size_t highest_bit(std::uint64_t w) {
#if defined(_MSC_VER)
  unsigned long i;
  _BitScanReverse64(&i, w);
  return i;
#else
  return static_cast<std::size_t>(63 - __builtin_clzll(w));
#endif
}

class RankSet {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  explicit RankSet(std::size_t n) {
    std::size_t size = n;
    do {
      size = (size + 63) / 64;
      levels_.emplace_back(size, 0);
    } while (size > 1);
  }

  bool contains(std::size_t i) const { return (levels_[0][i >> 6] >> (i & 63)) & 1u; }

  void insert(std::size_t i) {
    for (auto& words : levels_) {
      std::uint64_t& w = words[i >> 6];
      bool was_empty = w == 0;
      w |= std::uint64_t{1} << (i & 63);
      if (!was_empty) return;  // the upper levels already mark this word
      i >>= 6;
    }
  }

  void erase(std::size_t i) {
    for (auto& words : levels_) {
      std::uint64_t& w = words[i >> 6];
      w &= ~(std::uint64_t{1} << (i & 63));
      if (w != 0) return;
      i >>= 6;
    }
  }

  // Smallest element >= i, or npos.
  std::size_t next_from(std::size_t i) const {
    std::size_t level = 0;
    for (;; ++level) {
      if (level == levels_.size()) return npos;
      const auto& words = levels_[level];
      std::size_t w = i >> 6;
      if (w >= words.size()) return npos;
      std::uint64_t bits = words[w] & (~std::uint64_t{0} << (i & 63));
      if (bits) {
        i = (w << 6) | lowest_bit(bits);
        break;
      }
      i = w + 1;
    }
    while (level-- > 0) i = (i << 6) | lowest_bit(levels_[level][i]);
    return i;
  }

  // Largest element <= i, or npos.
  std::size_t prev_from(std::size_t i) const {
    std::size_t level = 0;
    for (;; ++level) {
      if (level == levels_.size()) return npos;
      std::size_t w = i >> 6;
      std::uint64_t bits = levels_[level][w] & (~std::uint64_t{0} >> (63 - (i & 63)));
      if (bits) {
        i = (w << 6) | highest_bit(bits);
        break;
      }
      if (w == 0) return npos;
      i = w - 1;
    }
    while (level-- > 0) i = (i << 6) | highest_bit(levels_[level][i]);
    return i;
  }

  std::size_t next(std::size_t i) const { return next_from(i + 1); }
  std::size_t prev(std::size_t i) const { return i == 0 ? npos : prev_from(i - 1); }

 private:
  std::vector<std::vector<std::uint64_t>> levels_;  // levels_[0] holds the elements
};

}  // namespace evonas::detail
