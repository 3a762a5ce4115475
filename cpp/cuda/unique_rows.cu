// Duplicate rows on the device, with the CPU path's contract (evonas::
// unique_rows): row i of X is kept when it equals no earlier row of X and no
// row of `against`; == compares, so -0.0 equals 0.0 and a row holding NaN
// equals nothing. The rows of [against; X] are sorted (NaN rows last, each
// alone), equal rows end up adjacent with the lowest index first, and a row
// of X is kept exactly when it heads its group.
#include <thrust/device_vector.h>
#include <thrust/fill.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>

#include "exec.cuh"

namespace evonas::EVONAS_DEVICE_NS {
namespace {

// Row r of the stack [against; X].
struct Stack {
  const double* X;
  const double* against;
  std::size_t n_against;
  std::uint32_t m;
  EVONAS_HD const double* row(std::uint32_t r) const {
    return r < n_against ? against + std::size_t{r} * m : X + (r - n_against) * std::size_t{m};
  }
  EVONAS_HD bool has_nan(std::uint32_t r) const {
    const double* p = row(r);
    for (std::uint32_t j = 0; j < m; ++j)
      if (p[j] != p[j]) return true;
    return false;
  }
};

// Rows without NaN lexicographically, then rows with NaN; ties by index.
struct ByRowNanLast {
  Stack s;
  EVONAS_HD bool operator()(std::uint32_t a, std::uint32_t b) const {
    const bool na = s.has_nan(a), nb = s.has_nan(b);
    if (na != nb) return nb;
    if (!na) {
      const double *x = s.row(a), *y = s.row(b);
      for (std::uint32_t j = 0; j < s.m; ++j) {
        if (x[j] < y[j]) return true;
        if (y[j] < x[j]) return false;
      }
    }
    return a < b;
  }
};

// mask[i] for the row of X at sorted position t.
struct KeepHeads {
  Stack s;
  const std::uint32_t* order;
  std::uint8_t* mask;
  EVONAS_HD void operator()(std::uint32_t t) const {
    const std::uint32_t r = order[t];
    if (r < s.n_against) return;
    bool head = t == 0 || s.has_nan(r);
    if (!head) {
      const double *x = s.row(r), *y = s.row(order[t - 1]);
      for (std::uint32_t j = 0; j < s.m && !head; ++j) head = !(x[j] == y[j]);
    }
    mask[r - s.n_against] = head ? 1 : 0;
  }
};

}  // namespace

void unique_rows(const double* X, std::size_t n, std::size_t m, const double* against, std::size_t n_against,
                 std::uint8_t* mask, Where where) {
  const DeviceScope scope(where);
  const auto policy = scope.policy();
  if (n == 0) return;
  if (m == 0) {  // every row equals every other: only a first row of X with nothing against it
    thrust::fill(policy, thrust::device_pointer_cast(mask), thrust::device_pointer_cast(mask) + n, 0);
    if (n_against == 0) thrust::fill(policy, thrust::device_pointer_cast(mask), thrust::device_pointer_cast(mask) + 1, 1);
    scope.synchronize();
    return;
  }
  const Stack s{X, against, n_against, static_cast<std::uint32_t>(m)};
  thrust::device_vector<std::uint32_t> order(n + n_against);
  thrust::sequence(policy, order.begin(), order.end());
  thrust::sort(policy, order.begin(), order.end(), ByRowNanLast{s});
  thrust::for_each(policy, thrust::counting_iterator<std::uint32_t>(0),
                   thrust::counting_iterator<std::uint32_t>(static_cast<std::uint32_t>(order.size())),
                   KeepHeads{s, thrust::raw_pointer_cast(order.data()), mask});
  scope.synchronize();
}

}  // namespace evonas::EVONAS_DEVICE_NS
