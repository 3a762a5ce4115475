// Lexicographic sorting, deduplication and rank post-processing shared by the
// Pareto rankers.
#include <algorithm>
#include <array>

#include "evonas/parallel.hpp"
#include "nds_detail.hpp"

namespace evonas::nds_detail {
namespace {

// Stable LSD radix sort on the top 44 bits of the keys (4 digits of 11
// bits); sort_by_key then settles runs that agree on those bits. Each pass
// histograms and scatters chunk by chunk on up to n_threads threads, and
// digits on which all keys agree are skipped.
void radix_sort_top(std::vector<KeyIdx>& a, int n_threads) {
  constexpr int kBits = 11, kLow = 20, kPasses = 4;
  constexpr std::size_t kBuckets = std::size_t{1} << kBits;
  const std::size_t n = a.size();
  const std::size_t grain = std::size_t{1} << 15;
  const std::size_t chunks =
      std::max<std::size_t>(1, std::min<std::size_t>(resolve_threads(n_threads), n / grain));
  const std::size_t chunk = (n + chunks - 1) / chunks;
  std::vector<KeyIdx> tmp(n);
  std::vector<std::array<std::uint32_t, kBuckets>> hist(chunks);
  for (int p = 0; p < kPasses; ++p) {
    const int shift = kLow + p * kBits;
    auto digit = [shift](const KeyIdx& e) { return (e.key >> shift) & (kBuckets - 1); };
    parallel_for(chunks, n_threads, 1, [&](std::size_t c0, std::size_t c1) {
      for (std::size_t c = c0; c < c1; ++c) {
        hist[c].fill(0);
        for (std::size_t i = c * chunk, e = std::min(n, i + chunk); i < e; ++i) ++hist[c][digit(a[i])];
      }
    });
    // Offsets: bucket-major, chunk-minor, which keeps the sort stable.
    std::uint32_t sum = 0;
    bool trivial = false;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      std::uint32_t in_bucket = 0;
      for (std::size_t c = 0; c < chunks; ++c) {
        std::uint32_t cnt = hist[c][b];
        hist[c][b] = sum;
        sum += cnt;
        in_bucket += cnt;
      }
      trivial = trivial || in_bucket == n;
    }
    if (trivial) continue;
    parallel_for(chunks, n_threads, 1, [&](std::size_t c0, std::size_t c1) {
      for (std::size_t c = c0; c < c1; ++c)
        for (std::size_t i = c * chunk, e = std::min(n, i + chunk); i < e; ++i)
          tmp[hist[c][digit(a[i])]++] = a[i];
    });
    a.swap(tmp);
  }
}

}  // namespace

void sort_by_key(std::vector<KeyIdx>& a, int n_threads) {
  const std::size_t n = a.size();
  auto less = [](const KeyIdx& x, const KeyIdx& y) {
    return x.key < y.key || (x.key == y.key && x.idx < y.idx);
  };
  if (n < 1024) {
    std::sort(a.begin(), a.end(), less);
    return;
  }
  radix_sort_top(a, n_threads);
  // Runs that agree on the sorted bits.
  constexpr std::uint64_t kHigh = ~((std::uint64_t{1} << 20) - 1);
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    while (j < n && ((a[j].key ^ a[i].key) & kHigh) == 0) ++j;
    if (j - i > 1) std::sort(a.begin() + i, a.begin() + j, less);
    i = j;
  }
}

namespace {

// Rows (stride apart) ordered by their first `cols` values, then index.
std::vector<std::uint32_t> order_by_columns(const double* F, std::size_t n, std::size_t stride,
                                            std::size_t cols, int n_threads) {
  std::vector<std::uint32_t> order(n);
  if (n == 0) return order;
  if (cols == 0) {
    for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
    return order;
  }
  std::vector<KeyIdx> a(n);
  parallel_for(n, n_threads, 1 << 16, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i)
      a[i] = {order_key(F[i * stride]), static_cast<std::uint32_t>(i)};
  });
  sort_by_key(a, n_threads);
  // Runs of equal first values: by the remaining ones, then index.
  if (cols > 1) {
    auto less = [F, stride, cols](const KeyIdx& x, const KeyIdx& y) {
      const double* px = F + std::size_t{x.idx} * stride;
      const double* py = F + std::size_t{y.idx} * stride;
      for (std::size_t j = 1; j < cols; ++j) {
        if (px[j] < py[j]) return true;
        if (py[j] < px[j]) return false;
      }
      return x.idx < y.idx;
    };
    for (std::size_t i = 0; i < n;) {
      std::size_t j = i + 1;
      while (j < n && a[j].key == a[i].key) ++j;
      if (j - i > 1) std::sort(a.begin() + i, a.begin() + j, less);
      i = j;
    }
  }
  parallel_for(n, n_threads, 1 << 16, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) order[i] = a[i].idx;
  });
  return order;
}

}  // namespace

std::vector<std::uint32_t> lex_order(const double* F, std::size_t n, std::size_t m, int n_threads) {
  return order_by_columns(F, n, m, m, n_threads);
}

std::vector<std::uint32_t> column_order(const double* F, std::size_t n, std::size_t m,
                                        std::size_t j, int n_threads) {
  return order_by_columns(F + j, n, m, 1, n_threads);
}

UniqueRows unique_rows(const double* F, std::size_t n, std::size_t m, int n_threads) {
  UniqueRows out;
  out.group.resize(n);
  if (n == 0) return out;
  std::vector<std::uint32_t> order = lex_order(F, n, m, n_threads);
  // Gather the rows in order (the only random reads, in parallel), then
  // squeeze out the copies, which are now adjacent, in one sequential pass.
  out.rows.resize(n * m);
  double* rows = out.rows.data();
  parallel_for(n, n_threads, 1 << 15, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t r = lo; r < hi; ++r) std::copy_n(F + std::size_t{order[r]} * m, m, rows + r * m);
  });
  std::size_t u = 0;
  for (std::size_t r = 0; r < n; ++r) {
    if (u == 0 || !rows_equal(rows + r * m, rows + (u - 1) * m, m)) {
      if (u != r) std::copy_n(rows + r * m, m, rows + u * m);
      ++u;
    }
    out.group[order[r]] = static_cast<std::uint32_t>(u - 1);
  }
  out.count = u;
  out.rows.resize(u * m);
  return out;
}

std::vector<std::int32_t> finish_ranks(const std::vector<std::int32_t>& ranks,
                                       const std::uint32_t* group, std::size_t n,
                                       std::size_t n_stop, int n_threads) {
  std::vector<std::int32_t> out(n);
  parallel_for(n, n_threads, 1 << 16, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) out[i] = ranks[group ? group[i] : i];
  });
  if (n_stop >= n) return out;  // every front is reported
  std::vector<std::size_t> per_front;
  for (std::int32_t r : out) {
    if (r < 0) continue;  // beyond the ranker's own cut-off
    if (static_cast<std::size_t>(r) >= per_front.size()) per_front.resize(r + 1, 0);
    ++per_front[r];
  }
  // Front r is reported while the fronts before it hold < n_stop points.
  std::size_t cut = 0, before = 0;
  while (cut < per_front.size() && before < n_stop) before += per_front[cut++];
  if (cut < per_front.size())
    for (auto& r : out)
      if (r >= static_cast<std::int32_t>(cut)) r = -1;
  return out;
}

}  // namespace evonas::nds_detail
