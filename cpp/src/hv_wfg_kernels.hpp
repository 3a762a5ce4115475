// Small inner loops of the WFG engine (hv_wfg_engine.cpp), kept apart so the
// engine reads as the algorithm.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace evonas::detail::wfg {

// Masks hold few bits, and without -mpopcnt the builtin is a library call.
inline int popcount(std::uint64_t x) {
  int c = 0;
  for (; x; x &= x - 1) ++c;
  return c;
}

inline int lowest_bit(std::uint64_t x) {  // x != 0
#if defined(__GNUC__) || defined(__clang__)
  return __builtin_ctzll(x);
#else
  int t = 0;
  while (!(x >> t & 1)) ++t;
  return t;
#endif
}

// a <= b componentwise. Without early exit: the outcome of each coordinate is
// unpredictable, so a branch per coordinate costs more than comparing all.
// D > 0 fixes the dimension at compile time (unrolled), D == 0 uses d.
template <std::size_t D>
inline bool weakly_dominates(const double* a, const double* b, std::size_t d) {
  const std::size_t dd = D > 0 ? D : d;
  bool ok = true;
  for (std::size_t t = 0; t < dd; ++t) ok &= a[t] <= b[t];
  return ok;
}

// Small fixed-size copies inline; std::copy_n would call memmove.
template <std::size_t D>
inline void copy_row(const double* from, double* to, std::size_t d) {
  const std::size_t dd = D > 0 ? D : d;
  for (std::size_t t = 0; t < dd; ++t) to[t] = from[t];
}

// out[j] = OR over t < D of (col_t[j] > v[t] ? bits[t] : 0), where col_t =
// cols + t * stride; with OrEqual, >= instead of >. The hottest loop of the
// engine: with SSE2 (every x86-64) two points per step, as compare, and, or
// on 64-bit lanes, about a third of the instructions that GCC 12's own
// vectorisation of the plain loop spends; the plain loop does the rest.
template <std::size_t D, bool OrEqual>
void compare_columns(const double* __restrict cols, std::size_t stride, std::size_t n,
                     const double* __restrict v, const std::uint64_t* __restrict bits,
                     std::uint64_t* __restrict out) {
  std::size_t j = 0;
#if defined(__SSE2__)
  __m128d vv[D], bb[D];
  for (std::size_t t = 0; t < D; ++t) {
    vv[t] = _mm_set1_pd(v[t]);
    bb[t] = _mm_castsi128_pd(_mm_set1_epi64x(static_cast<long long>(bits[t])));
  }
  for (; j + 2 <= n; j += 2) {
    __m128d acc = _mm_setzero_pd();
    for (std::size_t t = 0; t < D; ++t) {
      const __m128d c = _mm_loadu_pd(cols + t * stride + j);
      const __m128d hit = OrEqual ? _mm_cmpge_pd(c, vv[t]) : _mm_cmpgt_pd(c, vv[t]);
      acc = _mm_or_pd(acc, _mm_and_pd(hit, bb[t]));
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + j), _mm_castpd_si128(acc));
  }
#endif
  for (; j < n; ++j) {
    std::uint64_t acc = 0;
    for (std::size_t t = 0; t < D; ++t) {
      const double c = cols[t * stride + j];
      acc |= (OrEqual ? c >= v[t] : c > v[t]) ? bits[t] : std::uint64_t{0};
    }
    out[j] = acc;
  }
}

// compare_columns<D, OrEqual> for a run-time d (any d; d > 8 loops per column).
template <bool OrEqual>
void columns_compare(const double* cols, std::size_t stride, std::size_t n, const double* v,
                     const std::uint64_t* bits, std::size_t d, std::uint64_t* out);

// Hypervolume of the union of the boxes [row, ref] of c row-major rows by
// inclusion-exclusion: 2^c - 1 terms, each from its parent subset's maximum
// in d steps. For a handful of rows this beats any sweep; rows may dominate
// each other or repeat. c <= kInexMaxRows; scratch holds c * d doubles.
inline constexpr std::size_t kInexMaxRows = 16;
template <std::size_t D>
double union_inex(const double* rows, std::size_t c, std::size_t d, const double* ref,
                  double* scratch) {
  const std::size_t dd = D > 0 ? D : d;
  // Depth-first over subsets {i1 < i2 < ...}: scratch row k holds the
  // maximum of the first k + 1 chosen rows; next[k] is the candidate for
  // position k.
  std::size_t next[kInexMaxRows];
  double total = 0.0;
  std::size_t depth = 0;
  next[0] = 0;
  for (;;) {
    if (next[depth] == c) {  // exhausted this position: backtrack
      if (depth == 0) break;
      --depth;
      continue;
    }
    const std::size_t i = next[depth]++;
    double* cur = scratch + depth * dd;
    const double* row = rows + i * dd;
    double vol = 1.0;
    for (std::size_t t = 0; t < dd; ++t) {
      const double v = depth == 0 ? row[t] : std::max(scratch[(depth - 1) * dd + t], row[t]);
      cur[t] = v;
      vol *= ref[t] - v;
    }
    total += (depth % 2 == 0) ? vol : -vol;
    if (i + 1 < c) {
      ++depth;
      next[depth] = i + 1;
    }
  }
  return total;
}

// rows[r] = max(p, point index[r]) for r < c, rows row-major with d columns.
// __restrict lets the compiler keep p in registers.
template <std::size_t D>
void gather_max_rows(const double* __restrict p, const double* __restrict cols, std::size_t stride,
                     const std::uint32_t* __restrict index, std::size_t c, std::size_t d,
                     double* __restrict rows) {
  const std::size_t dd = D > 0 ? D : d;
  for (std::size_t r = 0; r < c; ++r) {
    const std::size_t j = index[r];
    for (std::size_t t = 0; t < dd; ++t) {
      const double o = cols[t * stride + j];
      rows[r * dd + t] = o > p[t] ? o : p[t];
    }
  }
}

// cols[t * s + i] = rows[order[i]][t]: row-major rows to sorted columns.
template <std::size_t D>
void rows_to_columns(const double* __restrict rows, const std::uint32_t* __restrict order,
                     std::size_t s, std::size_t d, double* __restrict cols) {
  const std::size_t dd = D > 0 ? D : d;
  for (std::size_t i = 0; i < s; ++i) {
    const double* row = rows + std::size_t{order[i]} * dd;
    for (std::size_t t = 0; t < dd; ++t) cols[t * s + i] = row[t];
  }
}

// flags[j] |= bit where col[j] > value (or >= when or_equal). Plain loops
// over one column that compilers vectorise; `bit` stays a run-time value on
// purpose, which GCC needs to vectorise the select.
void mark_greater(const double* col, std::size_t n, double value, std::uint64_t bit,
                  std::uint64_t* flags);
void mark_greater_equal(const double* col, std::size_t n, double value, std::uint64_t bit,
                        std::uint64_t* flags);

// 2-D staircase of (x, y) points, x ascending and y descending, in caller
// storage (capacity + 1 x values, then capacity + 1 y values). A sentinel
// (ref0, -inf) ends the list. Linear scans: the staircases met in the
// recursion are short.
class Staircase {
 public:
  Staircase(double* storage, std::size_t capacity, double ref0)
      : x_(storage), y_(storage + capacity + 1), ref0_(ref0) {
    clear();
  }
  static constexpr std::size_t storage_size(std::size_t capacity) { return 2 * (capacity + 1); }
  void clear() {
    size_ = 0;
    x_[0] = ref0_;
    y_[0] = -std::numeric_limits<double>::infinity();
  }

  // Adds (x, y); returns the newly covered area inside [.., ref0] x [.., ref1].
  double insert(double x, double y, const double* ref) {
    // Branch-free counts (the outcomes are unpredictable): pos = points left
    // of or at x; end = points at or above y, which are the ones before pos
    // plus those the new point covers.
    std::size_t pos = 0, end = 0;
    for (std::size_t t = 0; t < size_; ++t) {
      pos += x_[t] <= x;
      end += y_[t] >= y;
    }
    double level = pos > 0 ? y_[pos - 1] : ref[1];
    if (level <= y) return 0.0;  // covered by a staircase point
    // The area added is the strips between the covered points, each up to
    // the level above it.
    double added = 0.0, cur_x = x;
    for (std::size_t t = pos; t < end; ++t) {
      added += (x_[t] - cur_x) * (level - y);
      cur_x = x_[t];
      level = y_[t];
    }
    added += (x_[end] - cur_x) * (level - y);
    if (end == pos) {  // shift right by one, sentinel included
      for (std::size_t t = size_ + 1; t > pos; --t) {
        x_[t] = x_[t - 1];
        y_[t] = y_[t - 1];
      }
      ++size_;
    } else {  // [pos, end) collapses into the new point
      std::size_t w = pos + 1;
      for (std::size_t t = end; t <= size_; ++t, ++w) {
        x_[w] = x_[t];
        y_[w] = y_[t];
      }
      size_ = w - 1;
    }
    x_[pos] = x;
    y_[pos] = y;
    return added;
  }

 private:
  double* x_;
  double* y_;
  double ref0_;
  std::size_t size_ = 0;
};

}  // namespace evonas::detail::wfg
