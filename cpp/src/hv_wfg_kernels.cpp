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

template <bool OrEqual>
void columns_compare(const double* cols, std::size_t stride, std::size_t n, const double* v,
                     const std::uint64_t* bits, std::size_t d, std::uint64_t* out) {
  switch (d) {
    case 2: return compare_columns<2, OrEqual>(cols, stride, n, v, bits, out);
    case 3: return compare_columns<3, OrEqual>(cols, stride, n, v, bits, out);
    case 4: return compare_columns<4, OrEqual>(cols, stride, n, v, bits, out);
    case 5: return compare_columns<5, OrEqual>(cols, stride, n, v, bits, out);
    case 6: return compare_columns<6, OrEqual>(cols, stride, n, v, bits, out);
    case 7: return compare_columns<7, OrEqual>(cols, stride, n, v, bits, out);
    case 8: return compare_columns<8, OrEqual>(cols, stride, n, v, bits, out);
    default:
      for (std::size_t j = 0; j < n; ++j) out[j] = 0;
      for (std::size_t t = 0; t < d; ++t)
        (OrEqual ? mark_greater_equal : mark_greater)(cols + t * stride, n, v[t], bits[t], out);
  }
}

template void columns_compare<false>(const double*, std::size_t, std::size_t, const double*,
                                     const std::uint64_t*, std::size_t, std::uint64_t*);
template void columns_compare<true>(const double*, std::size_t, std::size_t, const double*,
                                    const std::uint64_t*, std::size_t, std::uint64_t*);

}  // namespace evonas::detail::wfg
