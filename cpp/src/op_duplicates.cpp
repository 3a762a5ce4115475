// Duplicate rows by hashing: O((n + n_against) m) expected, never n^2.
//
// Rows are spread over a fixed number of partitions by the top bits of their
// hash (the number depends on the input size only, not on the threads); each
// partition keeps its own open-addressing table and visits its rows in
// index order, so "first occurrence" means the same for any thread count.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "evonas/operators.hpp"
#include "evonas/parallel.hpp"

namespace evonas {
namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Hash of a row; rows that compare equal (-0.0 == 0.0) hash equal. Sets
// has_nan when the row holds NaN (such a row equals nothing). Four
// independent lanes, merged at the end, keep the multiplies from waiting on
// each other.
std::uint64_t hash_row(const double* row, std::size_t m, bool& has_nan) {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  std::uint64_t lane[4] = {0x243F6A8885A308D3ull, 0x13198A2E03707344ull, 0xA4093822299F31D0ull,
                           0x082EFA98EC4E6C89ull};
  bool nan = false;
  for (std::size_t j = 0; j < m; ++j) {
    double v = row[j] == 0.0 ? 0.0 : row[j];
    nan |= v != v;
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    std::uint64_t& h = lane[j & 3];
    h = (h ^ bits) * kMul;
    h ^= h >> 32;
  }
  has_nan = nan;
  return mix(lane[0] ^ mix(lane[1] ^ mix(lane[2] ^ mix(lane[3] ^ m))));
}

bool rows_equal(const double* a, const double* b, std::size_t m) {
  for (std::size_t j = 0; j < m; ++j)
    if (!(a[j] == b[j])) return false;
  return true;
}

struct Slot {
  std::uint64_t hash;
  std::uint64_t id_plus_one;  // 0: empty
};

// A row to place: its hash and id, side by side so that a partition reads
// its rows' hashes sequentially.
struct Entry {
  std::uint64_t hash;
  std::uint64_t id;
};

}  // namespace

std::vector<std::uint8_t> unique_rows(const double* X, std::size_t n, std::size_t m,
                                      const double* against, std::size_t n_against,
                                      int n_threads) {
  std::vector<std::uint8_t> keep(n, 1);
  if (n == 0) return keep;
  if (against == nullptr) n_against = 0;
  // Ids 0 .. n_against-1 name rows of `against`, then n_against + i row i of
  // X, so within a partition the rows of `against` are inserted first.
  std::size_t total = n + n_against;
  auto row_of = [&](std::size_t id) {
    return id < n_against ? against + id * m : X + (id - n_against) * m;
  };
  constexpr std::uint64_t kNanRow = ~std::uint64_t{0};  // id marker: row holds NaN
  std::vector<Entry> hashed(total);
  parallel_for(total, n_threads, 1 << 13, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t id = lo; id < hi; ++id) {
      bool nan = false;
      hashed[id].hash = hash_row(row_of(id), m, nan);
      hashed[id].id = nan ? kNanRow : id;  // equals nothing: kept, never matched
    }
  });

  // About 2^14 rows per partition: its table (512 KiB) stays in cache.
  unsigned part_bits = 0;
  while (part_bits < 10 && (total >> (14 + part_bits)) > 0) ++part_bits;
  std::size_t n_parts = std::size_t{1} << part_bits;
  auto part_of = [&](std::uint64_t h) {
    return part_bits == 0 ? std::size_t{0} : static_cast<std::size_t>(h >> (64 - part_bits));
  };
  // Stable counting sort by partition: ids stay increasing within each.
  std::vector<std::size_t> start(n_parts + 1, 0);
  for (const Entry& e : hashed)
    if (e.id != kNanRow) ++start[part_of(e.hash) + 1];
  for (std::size_t p = 0; p < n_parts; ++p) start[p + 1] += start[p];
  std::vector<Entry> sorted(start[n_parts]);
  {
    std::vector<std::size_t> fill(start.begin(), start.end() - 1);
    for (const Entry& e : hashed)
      if (e.id != kNanRow) sorted[fill[part_of(e.hash)]++] = e;
  }
  hashed = std::vector<Entry>();  // release before the tables are built

  parallel_tasks(n_parts, n_threads, [&](std::size_t p) {
    std::size_t count = start[p + 1] - start[p];
    if (count == 0) return;
    std::size_t size = 16;
    while (size < 2 * count) size <<= 1;
    std::vector<Slot> table(size, Slot{0, 0});
    std::size_t mask = size - 1;
    for (std::size_t k = start[p]; k < start[p + 1]; ++k) {
      auto [h, id] = sorted[k];
      const double* row = row_of(id);
      std::size_t s = static_cast<std::size_t>(h) & mask;
      bool found = false;
      for (; table[s].id_plus_one != 0; s = (s + 1) & mask) {
        if (table[s].hash == h && rows_equal(row_of(table[s].id_plus_one - 1), row, m)) {
          found = true;
          break;
        }
      }
      if (!found)
        table[s] = Slot{h, id + 1};
      else if (id >= n_against)
        keep[id - n_against] = 0;
    }
  });
  return keep;
}

}  // namespace evonas
