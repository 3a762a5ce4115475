// Duplicate rows on the device, with the CPU path's contract (evonas::
// unique_rows): row i of X is kept when it equals no earlier row of X and no
// row of `against`; == compares, so -0.0 equals 0.0 and a row holding NaN
// equals nothing. Every row of [against; X] gets a 64-bit hash of its values
// (one pass over the matrix), a stable radix sort on the hashes brings equal
// rows together in index order, and a row of X is kept unless an earlier row
// with the same hash equals it. Equal rows hash alike, so the rows compared
// are its own copies (one comparison finds a copy) and, rarely, colliding
// rows: O((n + n_against) m) work and a sort of 64-bit keys, instead of a
// comparison sort that reads whole rows at random.
#include <thrust/device_vector.h>
#include <thrust/fill.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>

#include <cstring>

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
  EVONAS_HD bool equal(std::uint32_t a, std::uint32_t b) const {
    const double *x = row(a), *y = row(b);
    for (std::uint32_t j = 0; j < m; ++j)
      if (!(x[j] == y[j])) return false;
    return true;
  }
};

EVONAS_HD inline std::uint64_t mix64(std::uint64_t z) {  // splitmix64's finaliser
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// key[r]: the hash of row r's values (-0.0 as 0.0, so == rows hash alike),
// cut to its low `bits` bits (tests force collisions with few).
struct HashRows {
  Stack s;
  std::uint64_t mask;
  std::uint64_t* key;
  EVONAS_HD void operator()(std::uint32_t r) const {
    const double* p = s.row(r);
    std::uint64_t h = 0x9E3779B97F4A7C15ull;
    for (std::uint32_t j = 0; j < s.m; ++j) {
      const double v = p[j] + 0.0;
#if defined(__CUDA_ARCH__)
      const auto bits = static_cast<std::uint64_t>(__double_as_longlong(v));
#else
      std::uint64_t bits;
      std::memcpy(&bits, &v, sizeof bits);
#endif
      h = mix64(h + bits);
    }
    key[r] = h & mask;
  }
};

// mask[i] for the row of X at sorted position t: kept unless an earlier row
// of its hash run equals it.
struct KeepFirsts {
  Stack s;
  const std::uint64_t* key;  // sorted
  const std::uint32_t* order;
  std::uint8_t* mask;
  EVONAS_HD void operator()(std::uint32_t t) const {
    const std::uint32_t r = order[t];
    if (r < s.n_against) return;
    // A row with NaN equals nothing: kept, without walking its run (copies
    // of it, bit for bit, hash alike and would make the walk quadratic).
    bool keep = true;
    if (!s.has_nan(r))
      for (std::uint32_t u = t; keep && u > 0 && key[u - 1] == key[t]; --u) keep = !s.equal(r, order[u - 1]);
    mask[r - s.n_against] = keep ? 1 : 0;
  }
};

}  // namespace

void unique_rows(const double* X, std::size_t n, std::size_t m, const double* against, std::size_t n_against,
                 std::uint8_t* mask, Where where, unsigned hash_bits) {
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
  const auto rows = static_cast<std::uint32_t>(n + n_against);
  const thrust::counting_iterator<std::uint32_t> first(0);
  const std::uint64_t keep_bits = hash_bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << hash_bits) - 1;
  thrust::device_vector<std::uint64_t> key(rows);
  thrust::device_vector<std::uint32_t> order(rows);
  thrust::for_each(policy, first, first + rows, HashRows{s, keep_bits, ptr(key)});
  thrust::sequence(policy, order.begin(), order.end());
  // Stable: rows of one hash stay in index order, so the first copy of a row comes first.
  thrust::stable_sort_by_key(policy, key.begin(), key.end(), order.begin());
  thrust::for_each(policy, first, first + rows, KeepFirsts{s, ptr(key), ptr(order), mask});
  scope.synchronize();
}

}  // namespace evonas::EVONAS_DEVICE_NS
