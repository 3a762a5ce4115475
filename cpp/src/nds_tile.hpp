// Brute-force kernel of the divide and conquer: the highest rank among a
// small set of points lying below a query point. The set is stored column by
// column and scanned four points at a time with branch-free vector compares
// (GCC/Clang vector extensions, plain SSE2/NEON code), about four times the
// speed of a scalar loop whose comparison outcomes are unpredictable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace evonas::nds_detail {

// Points as columns: index, objectives 1..k (as ranks), rank; padded to a
// multiple of 4 with points that lie below nothing.
class Tile {
 public:
  Tile(std::size_t n, std::size_t k)
      : n_(n), k_(k), stride_((n + 3) / 4 * 4), data_((k + 2) * stride_, 0) {
    for (std::size_t i = n; i < stride_; ++i) {
      col(0)[i] = INT32_MAX;  // no query index is larger
      col(k + 1)[i] = -1;
    }
  }

  std::size_t size() const { return n_; }
  std::int32_t* col(std::size_t j) { return data_.data() + j * stride_; }
  const std::int32_t* col(std::size_t j) const { return data_.data() + j * stride_; }
  std::int32_t* ranks() { return col(k_ + 1); }

  // Highest rank among points [0, len) (rounded up to a multiple of 4) with
  // index < x[0] and objective j <= x[j] for j = 1..k; -1 if none.
  std::int32_t best_below(std::size_t len, const std::int32_t* x) const {
    switch (k_) {
      case 1: return scan<1>(len, x);
      case 2: return scan<2>(len, x);
      case 3: return scan<3>(len, x);
      case 4: return scan<4>(len, x);
      default: return scan<0>(len, x);
    }
  }

 private:
#if defined(__GNUC__)
  typedef std::int32_t v4 __attribute__((vector_size(16)));
  static v4 load(const std::int32_t* p) {
    v4 v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
  }
  static v4 splat(std::int32_t x) { return v4{x, x, x, x}; }

  template <std::size_t K>
  std::int32_t scan(std::size_t len, const std::int32_t* x) const {
    const std::size_t k = K ? K : k_;
    const std::int32_t* r = col(k + 1);
    v4 best = splat(-1);
    for (std::size_t g = 0; g < len; g += 4) {
      v4 below = load(col(0) + g) < splat(x[0]);
      for (std::size_t j = 1; j <= k; ++j) below &= load(col(j) + g) <= splat(x[j]);
      const v4 cand = (load(r + g) & below) | ~below;  // -1 where not below
      const v4 keep = best > cand;
      best = (best & keep) | (cand & ~keep);
    }
    std::int32_t b = best[0];
    for (int l = 1; l < 4; ++l) b = best[l] > b ? best[l] : b;
    return b;
  }
#else
  template <std::size_t K>
  std::int32_t scan(std::size_t len, const std::int32_t* x) const {
    const std::size_t k = K ? K : k_;
    const std::int32_t* r = col(k + 1);
    std::int32_t best = -1;
    for (std::size_t g = 0; g < len; ++g) {
      bool below = col(0)[g] < x[0];
      for (std::size_t j = 1; j <= k; ++j) below &= col(j)[g] <= x[j];
      if (below && r[g] > best) best = r[g];
    }
    return best;
  }
#endif

  std::size_t n_, k_, stride_;
  std::vector<std::int32_t> data_;
};

}  // namespace evonas::nds_detail
