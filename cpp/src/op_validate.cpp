// The one value check of genome matrices that the operators rely on, done
// natively: numpy would need several full passes and temporaries.
#include <mutex>

#include "evonas/parallel.hpp"
#include "op_detail.hpp"

namespace evonas {

std::int64_t first_invalid_gene(const GeneSpace& space, const double* X, std::size_t n,
                                int n_threads) {
  const ops::Plan plan(space);
  std::size_t n_var = space.n_var;
  std::int64_t first = -1;
  std::mutex mutex;
  parallel_for(n, n_threads, ops::kRowGrain, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      const double* row = X + i * n_var;
      for (std::size_t j = 0; j < n_var; ++j) {
        if (!ops::valid_gene(plan.genes[j], row[j])) {
          // Chunks are ordered, so the first bad cell of a chunk is the
          // chunk's answer; the smallest over chunks is the overall first.
          auto at = static_cast<std::int64_t>(i * n_var + j);
          std::lock_guard<std::mutex> lock(mutex);
          if (first < 0 || at < first) first = at;
          return;
        }
      }
    }
  });
  return first;
}

}  // namespace evonas
