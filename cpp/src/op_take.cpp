// Rows of the stack [A; B] gathered without building the stack: how a
// population and its offspring become the survivors in one copy.
#include <algorithm>
#include <stdexcept>

#include "evonas/parallel.hpp"
#include "op_detail.hpp"

namespace evonas {

void take_rows(const double* A, std::size_t n_a, const double* B, std::size_t n_b, std::size_t m,
               const std::int64_t* index, std::size_t len, int n_threads, double* out) {
  const auto total = static_cast<std::int64_t>(n_a + n_b);
  for (std::size_t i = 0; i < len; ++i)
    if (index[i] < 0 || index[i] >= total)
      throw std::invalid_argument("row indices must lie in [0, rows of A + rows of B)");
  parallel_for(len, n_threads, ops::kRowGrain, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      const auto r = static_cast<std::size_t>(index[i]);
      const double* src = r < n_a ? A + r * m : B + (r - n_a) * m;
      std::copy_n(src, m, out + i * m);
    }
  });
}

}  // namespace evonas
