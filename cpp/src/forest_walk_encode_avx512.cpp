// The AVX-512 encoder of PackedForest::predict, chosen at run time (see
// avx512_encode_column) so that the library itself targets plain x86-64.
//
// The portable encoder binary-searches a value's bucket: log2(width)
// dependent loads. Here the bucket's `width` thresholds are compared with the
// value 8 at a time and the hits counted: the thresholds of higher buckets
// are > x and the padding is +inf, so the count is the same. Gathers are no
// help (on the AMD EPYC this was measured on, an 8-lane gather costs more
// than 8 scalar loads), so rows go one by one, their loads overlapping.
#include "forest_walk_encode.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#include <immintrin.h>

#include <stdexcept>

namespace evonas::forest_walk {
namespace {

constexpr std::size_t kDoubles = 8;  // per vector
constexpr std::size_t kAhead = 32;   // rows between a value's prefetch and its load (X is read down a column)

__attribute__((target("avx512f,popcnt"))) void encode_column(const Coder& c, const double* sorted,
                                                              const std::uint32_t* start, const double* column,
                                                              std::size_t stride, std::size_t rows, Code* codes,
                                                              std::size_t group_stride) {
  bool finite = true;
  for (std::size_t r = 0; r < rows; ++r) {
    if (r + kAhead < rows) _mm_prefetch(reinterpret_cast<const char*>(column + (r + kAhead) * stride), _MM_HINT_T0);
    const double x = column[r * stride];
    finite &= x - x == 0.0;  // NaN for NaN and infinities
    const std::uint32_t base = start[bucket(c, x)];
    const __m512d v = _mm512_set1_pd(x);
    std::uint32_t below = 0;
    for (std::size_t k = 0; k < c.width; k += kDoubles) {
      const auto in = static_cast<__mmask8>(c.width - k >= kDoubles ? 0xFF : (1u << (c.width - k)) - 1);
      const __m512d t = _mm512_maskz_loadu_pd(in, sorted + base + k);
      below += static_cast<std::uint32_t>(_mm_popcnt_u32(_mm512_mask_cmp_pd_mask(in, t, v, _CMP_LT_OQ)));
    }
    codes[code_index(r, group_stride)] = 1 + base + below;
  }
  if (!finite) throw std::invalid_argument("X must be finite");
}

}  // namespace

EncodeColumn avx512_encode_column() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("popcnt") ? encode_column : nullptr;
}

}  // namespace evonas::forest_walk

#else

namespace evonas::forest_walk {

EncodeColumn avx512_encode_column() { return nullptr; }

}  // namespace evonas::forest_walk

#endif
