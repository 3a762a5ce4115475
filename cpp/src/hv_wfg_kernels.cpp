#include "hv_wfg_kernels.hpp"

namespace evonas::detail::wfg {

// Out of line so that `bit` is a genuine run-time value (see the header).
void mark_greater(const double* col, std::size_t n, double value, std::uint64_t bit,
                  std::uint64_t* flags) {
  for (std::size_t j = 0; j < n; ++j) flags[j] |= col[j] > value ? bit : 0;
}

void mark_greater_equal(const double* col, std::size_t n, double value, std::uint64_t bit,
                        std::uint64_t* flags) {
  for (std::size_t j = 0; j < n; ++j) flags[j] |= col[j] >= value ? bit : 0;
}

void columns_ge(const double* cols, std::size_t stride, std::size_t n, const double* v,
                const std::uint64_t* bits, std::size_t d, std::uint64_t* out) {
  switch (d) {
    case 2: return compare_columns<2, true>(cols, stride, n, v, bits, out);
    case 3: return compare_columns<3, true>(cols, stride, n, v, bits, out);
    case 4: return compare_columns<4, true>(cols, stride, n, v, bits, out);
    case 5: return compare_columns<5, true>(cols, stride, n, v, bits, out);
    case 6: return compare_columns<6, true>(cols, stride, n, v, bits, out);
    case 7: return compare_columns<7, true>(cols, stride, n, v, bits, out);
    case 8: return compare_columns<8, true>(cols, stride, n, v, bits, out);
    default:
      for (std::size_t j = 0; j < n; ++j) out[j] = 0;
      for (std::size_t t = 0; t < d; ++t) mark_greater_equal(cols + t * stride, n, v[t], bits[t], out);
  }
}

}  // namespace evonas::detail::wfg
