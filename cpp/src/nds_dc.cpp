// Divide-and-conquer non-dominated sorting for any number of objectives, in
// the style of Jensen (2003), Fortin et al. (2013) and Buzdalov & Shalyto
// (2014): O(n log^(m-1) n), one log factor less with the k == 2 sweep below.
//
// Points are distinct and in lexicographic order, so objective 0 is replaced
// by the point index: q dominates p iff q < p and q <= p in objectives 1..k
// (the higher objectives being settled by the recursion).
//
// Every point lives in one "slot" of W = m + 1 words: its index, its rank and
// its objectives 1..m-1 replaced by their ranks among all points (same order,
// ties kept). Sub-problems are ranges of slots, each kept sorted by index on
// entry and exit; splitting and merging move whole slots, so the recursion
// only ever reads memory sequentially.
//
//   A(S, k): settle all pairs inside S, whose points agree in objectives > k.
//   B(G, W, k): raise the ranks of W by the points of G, whose ranks are
//       final and which are <= every point of W in objectives > k. G is
//       read-only (B splits it into a buffer of its own), so B calls that
//       share G but update different W run in parallel.
//
// Both split on a median of objective k into <, == and > parts; small
// problems are brute force. Points whose rank exceeds max_rank are dropped
// from their range as soon as that is known (helpers return the new end of
// the range they update): with max_rank == 0 this finds the first front.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <thread>

#include "evonas/parallel.hpp"
#include "nds_detail.hpp"
#include "nds_staircase.hpp"
#include "nds_tile.hpp"

namespace evonas::nds_detail {
namespace {

// Below these sizes the quadratic loops beat the recursion. (Overridable so
// that tests can push tiny inputs through the recursion and the threads.)
#ifndef EVONAS_NDS_BRUTE_A
#define EVONAS_NDS_BRUTE_A 128
#endif
#ifndef EVONAS_NDS_BRUTE_B
#define EVONAS_NDS_BRUTE_B 524288
#endif
#ifndef EVONAS_NDS_BRUTE_B2
#define EVONAS_NDS_BRUTE_B2 32768
#endif
#ifndef EVONAS_NDS_FORK_MIN
#define EVONAS_NDS_FORK_MIN 16384
#endif
constexpr std::size_t kBruteA = EVONAS_NDS_BRUTE_A;
constexpr std::size_t kBruteB = EVONAS_NDS_BRUTE_B;    // |G| * |W|
constexpr std::size_t kBruteB2 = EVONAS_NDS_BRUTE_B2;  // the same when k == 2
// Sub-problems worth a thread of their own.
constexpr std::size_t kForkMin = EVONAS_NDS_FORK_MIN;

using Word = std::uint32_t;

// Replaces objective j (1..m-1) of the distinct rows by its dense rank, into
// word 1 + j of each slot.
void compress_objectives(const double* rows, std::size_t u, std::size_t m, std::size_t w,
                         Word* slots, int n_threads) {
  parallel_for(m - 1, u >= (1 << 15) ? n_threads : 1, 1, [&](std::size_t j0, std::size_t j1) {
    for (std::size_t j = j0 + 1; j <= j1; ++j) {
      std::vector<std::uint32_t> order = column_order(rows, u, m, j, 1);
      Word r = 0;
      for (std::size_t i = 0; i < u; ++i) {
        if (i > 0 && rows[order[i] * m + j] != rows[order[i - 1] * m + j]) ++r;
        slots[order[i] * w + 1 + j] = r;
      }
    }
  });
}

template <std::size_t WS>  // slot width in words when fixed at compile time, else 0
class Sorter {
 public:
  Sorter(const double* rows, std::size_t u, std::size_t m, std::int32_t max_rank, int n_threads)
      : u_(u), m_(m), w_(WS ? WS : m + 1), max_rank_(max_rank), data_(u * w_), scratch_(u * w_),
        ranks_(u, 0), spare_threads_(resolve_threads(n_threads) - 1) {
    for (std::size_t i = 0; i < u; ++i) {
      data_[i * w_] = static_cast<Word>(i);
      data_[i * w_ + 1] = 0;
    }
    compress_objectives(rows, u, m, w_, data_.data(), n_threads);
  }

  std::vector<std::int32_t> run() {
    if (u_ == 0) return std::move(ranks_);
    std::size_t end = helper_a(0, u_, m_ - 1);
    for (std::size_t i = 0; i < end; ++i) ranks_[idx(i)] = rank(i);
    return std::move(ranks_);
  }

 private:
  std::size_t w() const { return WS ? WS : w_; }
  Word* slot(std::size_t i) { return data_.data() + i * w(); }
  const Word* slot(std::size_t i) const { return data_.data() + i * w(); }
  Word idx(std::size_t i) const { return data_[i * w()]; }
  std::int32_t rank(std::size_t i) const { return static_cast<std::int32_t>(data_[i * w() + 1]); }
  void set_rank(std::size_t i, std::int32_t r) { data_[i * w() + 1] = static_cast<Word>(r); }
  Word val(std::size_t i, std::size_t j) const { return data_[i * w() + 1 + j]; }

  // A run of goods: slots in index order, read-only.
  struct Run {
    const Word* p;
    std::size_t n;
  };
  Run run_of(std::size_t lo, std::size_t hi) const { return {slot(lo), hi - lo}; }
  const Word* at(const Run& g, std::size_t i) const { return g.p + i * w(); }
  static Word idx_of(const Word* s) { return s[0]; }
  static std::int32_t rank_of(const Word* s) { return static_cast<std::int32_t>(s[1]); }
  static Word val_of(const Word* s, std::size_t j) { return s[1 + j]; }

  void copy_slot(Word* dst, const Word* src) const {
    for (std::size_t t = 0; t < w(); ++t) dst[t] = src[t];
  }

  // Slot a <= slot b in objectives 1..k. Branch-free: the outcome of each
  // comparison is a coin toss, a single branch on the result is not.
  static bool weakly_below(const Word* a, const Word* b, std::size_t k) {
    bool below = true;
    for (std::size_t j = 1; j <= k; ++j) below &= val_of(a, j) <= val_of(b, j);
    return below;
  }

  bool unlimited() const { return max_rank_ == INT32_MAX; }

  // Drops points ranked beyond max_rank from [lo, hi), recording their
  // rank; returns the new end.
  std::size_t compact(std::size_t lo, std::size_t hi) {
    if (unlimited()) return hi;
    std::size_t out = lo;
    for (std::size_t i = lo; i < hi; ++i) {
      if (rank(i) > max_rank_)
        ranks_[idx(i)] = rank(i);
      else if (out++ != i)
        copy_slot(slot(out - 1), slot(i));
    }
    return out;
  }

  std::pair<Word, Word> min_max(const Run& r, std::size_t k) const {
    Word mn = val_of(r.p, k), mx = mn;
    for (std::size_t i = 1; i < r.n; ++i) {
      Word v = val_of(at(r, i), k);
      mn = v < mn ? v : mn;
      mx = v > mx ? v : mx;
    }
    return {mn, mx};
  }

  // A split value of objective k over the runs a and b: the median of an
  // evenly spaced sample, which balances the parts well enough and costs far
  // less than an exact median.
  Word pivot(const Run& a, const Run& b, std::size_t k) const {
    constexpr std::size_t kSample = 63;
    const std::size_t n = a.n + b.n;
    Word sample[kSample];
    const std::size_t s = std::min(n, kSample);
    for (std::size_t t = 0; t < s; ++t) {
      std::size_t pos = (2 * t + 1) * n / (2 * s);
      sample[t] = val_of(pos < a.n ? at(a, pos) : at(b, pos - a.n), k);
    }
    std::nth_element(sample, sample + s / 2, sample + s);
    return sample[s / 2];
  }

  // Splits goods by objective k against `pivot` into out: the <, == and >
  // runs, each still in index order.
  std::array<Run, 3> split_goods(const Run& g, std::size_t k, Word pivot, Word* out) const {
    std::size_t n_less = 0, n_equal = 0;
    for (std::size_t i = 0; i < g.n; ++i) {
      const Word v = val_of(at(g, i), k);
      n_less += v < pivot;
      n_equal += v == pivot;
    }
    std::size_t pos[3] = {0, n_less, n_less + n_equal};
    for (std::size_t i = 0; i < g.n; ++i) {
      const Word v = val_of(at(g, i), k);
      copy_slot(out + (pos[v < pivot ? 0 : (v == pivot ? 1 : 2)]++) * w(), at(g, i));
    }
    return {Run{out, n_less}, Run{out + n_less * w(), n_equal},
            Run{out + (n_less + n_equal) * w(), g.n - n_less - n_equal}};
  }

  // Stable three-way partition of [lo, hi) by objective k against `pivot`;
  // returns the starts of the == and > parts.
  std::pair<std::size_t, std::size_t> partition3(std::size_t lo, std::size_t hi, std::size_t k,
                                                 Word pivot) {
    std::size_t a = lo, e = lo, g = hi;  // <: in place; ==: scratch from lo; >: from hi down
    Word* tmp = scratch_.data();
    for (std::size_t i = lo; i < hi; ++i) {
      const Word v = val(i, k);
      if (v < pivot) {
        if (a != i) copy_slot(slot(a), slot(i));
        ++a;
      } else if (v == pivot) {
        copy_slot(tmp + (e++) * w(), slot(i));
      } else {
        copy_slot(tmp + (--g) * w(), slot(i));
      }
    }
    const std::size_t mid = a;
    for (std::size_t i = lo; i < e; ++i) copy_slot(slot(a++), tmp + i * w());
    const std::size_t right = a;
    for (std::size_t i = hi; i > g; --i) copy_slot(slot(a++), tmp + (i - 1) * w());
    return {mid, right};
  }

  // Merges the index-sorted ranges [lo, e1), [s2, e2), [s3, e3) (lo <= e1 <=
  // s2 <= e2 <= s3 <= e3) into [lo, ...); returns the end.
  std::size_t merge3(std::size_t lo, std::size_t e1, std::size_t s2, std::size_t e2,
                     std::size_t s3, std::size_t e3) {
    Word* tmp = scratch_.data();
    std::size_t i = lo, j = s2, t = lo;
    while (i < e1 && j < e2) copy_slot(tmp + (t++) * w(), idx(i) < idx(j) ? slot(i++) : slot(j++));
    while (i < e1) copy_slot(tmp + (t++) * w(), slot(i++));
    while (j < e2) copy_slot(tmp + (t++) * w(), slot(j++));
    // Writing from lo never overtakes reading from s3: lo + (t - lo) <= s3.
    std::size_t a = lo, b = s3, out = lo;
    while (a < t && b < e3) {
      if (tmp[a * w()] < idx(b))
        copy_slot(slot(out++), tmp + (a++) * w());
      else
        copy_slot(slot(out++), slot(b++));
    }
    while (a < t) copy_slot(slot(out++), tmp + (a++) * w());
    while (b < e3) copy_slot(slot(out++), slot(b++));
    return out;
  }

  std::size_t helper_a(std::size_t lo, std::size_t hi, std::size_t k) {
    const std::size_t n = hi - lo;
    if (n < 2) return hi;
    if (n <= kBruteA) return brute_a(lo, hi, k);
    if (k == 1) return sweep_a(lo, hi);
    if (k == 2) {
      std::size_t end;
      if (sweep2_a(lo, hi, end)) return end;
    }
    auto [mn, mx] = min_max(run_of(lo, hi), k);
    if (mn == mx) return helper_a(lo, hi, k - 1);
    auto [mid, right] = partition3(lo, hi, k, pivot(run_of(lo, hi), Run{nullptr, 0}, k));
    const std::size_t e1 = helper_a(lo, mid, k);
    // L is final; it raises M (which then settles itself) and, meanwhile, H.
    // (M is often a single point: a thread pays off only for a large one.)
    std::size_t e2 = right, e3 = hi;
    fork_join(
        right - mid >= kForkMin / 4,
        [&] {
          e2 = helper_b(run_of(lo, e1), mid, right, k - 1);
          e2 = helper_a(mid, e2, k - 1);
        },
        [&] { e3 = helper_b(run_of(lo, e1), right, hi, k - 1); });
    e3 = helper_b(run_of(mid, e2), right, e3, k - 1);
    e3 = helper_a(right, e3, k);
    return merge3(lo, e1, mid, e2, right, e3);
  }

  std::size_t helper_b(Run g, std::size_t wlo, std::size_t whi, std::size_t k) {
    if (g.n == 0 || wlo == whi) return whi;
    // Good points after the last weak one, and weak points before the first
    // good one, cannot take part in a domination.
    while (g.n > 0 && idx_of(at(g, g.n - 1)) > idx(whi - 1)) --g.n;
    if (g.n == 0) return whi;
    std::size_t w0 = wlo;
    while (w0 < whi && idx(w0) < idx_of(g.p)) ++w0;
    const std::size_t nw = whi - w0;
    if (nw == 0) return whi;
    if (g.n * nw <= (k == 2 ? kBruteB2 : kBruteB) || g.n == 1 || nw == 1)
      return brute_b(g, w0, whi, k);
    if (k == 1) return sweep_b(g, w0, whi);
    if (k == 2) {
      std::size_t end;
      if (sweep2_b(g, w0, whi, end)) return end;
    }
    auto [gmin, gmax] = min_max(g, k);
    auto [wmin, wmax] = min_max(run_of(w0, whi), k);
    if (wmax < gmin) return whi;
    if (gmax <= wmin) return helper_b(g, w0, whi, k - 1);
    const Word split = pivot(g, run_of(w0, whi), k);
    std::vector<Word> buffer(g.n * w());
    const auto [gl, ge, gg] = split_goods(g, k, split, buffer.data());
    auto [wm, wr] = partition3(w0, whi, k, split);
    // W< gets G<; W== gets G< and G==; W> gets G<, G== and G> (the last one
    // still comparing objective k). The three parts are independent.
    std::size_t el = wm, em = wr, eh = whi;
    em = helper_b(gl, wm, em, k - 1);
    em = helper_b(ge, wm, em, k - 1);
    fork_join(
        g.n + nw >= kForkMin, [&] { el = helper_b(gl, w0, wm, k); },
        [&] {
          eh = helper_b(gl, wr, eh, k - 1);
          eh = helper_b(ge, wr, eh, k - 1);
          eh = helper_b(gg, wr, eh, k);
        });
    return merge3(w0, el, wm, em, wr, eh);
  }

  // Copies a run into a tile (objectives 1..k).
  Tile make_tile(const Run& r, std::size_t k) const {
    Tile t(r.n, k);
    for (std::size_t i = 0; i < r.n; ++i) {
      const Word* s = at(r, i);
      t.col(0)[i] = static_cast<std::int32_t>(idx_of(s));
      for (std::size_t j = 1; j <= k; ++j) t.col(j)[i] = static_cast<std::int32_t>(val_of(s, j));
      t.ranks()[i] = rank_of(s);
    }
    return t;
  }

  // Slot i as a tile query: index, objectives 1..k.
  void query_of(std::size_t i, std::size_t k, std::vector<std::int32_t>& x) const {
    x[0] = static_cast<std::int32_t>(idx(i));
    for (std::size_t j = 1; j <= k; ++j) x[j] = static_cast<std::int32_t>(val(i, j));
  }

  std::size_t brute_a(std::size_t lo, std::size_t hi, std::size_t k) {
    Tile t = make_tile(run_of(lo, hi), k);
    std::vector<std::int32_t> x(k + 1);
    for (std::size_t i = lo + 1; i < hi; ++i) {
      query_of(i, k, x);
      const std::int32_t best = t.best_below(i - lo, x.data());  // earlier points only
      if (best >= rank(i)) {
        set_rank(i, best + 1);
        t.ranks()[i - lo] = best + 1;
      }
    }
    return compact(lo, hi);
  }

  // Goods and weak points both in index order.
  std::size_t brute_b(const Run& g, std::size_t wlo, std::size_t whi, std::size_t k) {
    if (whi - wlo < 4 || g.n < 4) return brute_b_direct(g, wlo, whi, k);
    Tile t = make_tile(g, k);
    std::vector<std::int32_t> x(k + 1);
    std::size_t gend = 0;
    for (std::size_t i = wlo; i < whi; ++i) {
      while (gend < g.n && idx_of(at(g, gend)) < idx(i)) ++gend;
      query_of(i, k, x);
      const std::int32_t best = t.best_below(gend, x.data());
      if (best >= rank(i)) set_rank(i, best + 1);
    }
    return compact(wlo, whi);
  }

  // The same for a handful of points, where building a tile does not pay.
  std::size_t brute_b_direct(const Run& g, std::size_t wlo, std::size_t whi, std::size_t k) {
    std::size_t gend = 0;
    for (std::size_t i = wlo; i < whi; ++i) {
      while (gend < g.n && idx_of(at(g, gend)) < idx(i)) ++gend;
      std::int32_t r = rank(i);
      for (std::size_t j = 0; j < gend; ++j) {
        const Word* q = at(g, j);
        if (rank_of(q) >= r && weakly_below(q, slot(i), k)) r = rank_of(q) + 1;
      }
      set_rank(i, r);
    }
    return compact(wlo, whi);
  }

  // k == 1: a staircase of (objective 1, -rank); the floor of y holds the
  // highest rank among the swept points with objective 1 <= y.
  using RankStairs = Staircase<Word, std::int32_t>;

  static void add(RankStairs& st, const Word* s) { st.try_insert(val_of(s, 1), -rank_of(s)); }

  void raise(const RankStairs& st, std::size_t i) {
    if (const auto* e = st.floor(val(i, 1))) set_rank(i, std::max(rank(i), 1 - e->val));
  }

  std::size_t sweep_a(std::size_t lo, std::size_t hi) {
    RankStairs st;
    for (std::size_t i = lo; i < hi; ++i) {
      raise(st, i);
      if (rank(i) <= max_rank_) add(st, slot(i));
    }
    return compact(lo, hi);
  }

  std::size_t sweep_b(const Run& g, std::size_t wlo, std::size_t whi) {
    RankStairs st;
    std::size_t j = 0;
    for (std::size_t i = wlo; i < whi; ++i) {
      for (; j < g.n && idx_of(at(g, j)) < idx(i); ++j) add(st, at(g, j));
      raise(st, i);
    }
    return compact(wlo, whi);
  }

  // k == 2: a sweep in index order over "levels", level j being the
  // staircase of (objective 1, objective 2) of the points swept so far whose
  // rank is >= the j-th rank (base + j in A; the j-th distinct good rank in
  // B). Levels are nested, so "level j covers p" is monotone
  // in j and the highest rank dominating p is a binary search. A point of
  // rank r joins levels r, r-1, ... until one already covers it; that chain
  // is short in practice but not bounded, so the sweeps give up (returning
  // false) past a budget and the caller splits instead. Ranks written before
  // giving up are valid lower bounds, so the split only finishes the job.
  using Levels = std::vector<Staircase<Word, Word>>;

  // Adds a point to levels j, j-1, ... until one covers it; false once the
  // budget is spent.
  static bool add_to_levels(Levels& lv, std::size_t j, Word y, Word z, std::size_t& budget) {
    for (std::size_t l = j + 1; l-- > 0 && lv[l].try_insert(y, z);)
      if (budget-- == 0) return false;
    return true;
  }

  // Highest level in [j0, lv.size()) covering (y, z), or -1.
  static std::ptrdiff_t top_cover(const Levels& lv, std::size_t j0, Word y, Word z) {
    if (j0 >= lv.size() || !lv[j0].covers(y, z)) return -1;
    std::size_t a = j0, b = lv.size();  // a covers, b does not
    while (b - a > 1) {
      std::size_t mid = (a + b) / 2;
      if (lv[mid].covers(y, z))
        a = mid;
      else
        b = mid;
    }
    return static_cast<std::ptrdiff_t>(a);
  }

  bool sweep2_a(std::size_t lo, std::size_t hi, std::size_t& end) {
    std::int32_t base = rank(lo), top = base;
    for (std::size_t i = lo + 1; i < hi; ++i) {
      base = std::min(base, rank(i));
      top = std::max(top, rank(i));
    }
    // Levels span the ranks from base to top + (hi - lo): too many when
    // the ranks from outside are far apart.
    if (static_cast<std::size_t>(top - base) > 2 * (hi - lo) + 64) return false;
    std::size_t budget = 4 * (hi - lo) + 64;
    Levels lv;
    for (std::size_t i = lo; i < hi; ++i) {
      const Word y = val(i, 1), z = val(i, 2);
      std::ptrdiff_t a = top_cover(lv, rank(i) - base, y, z);
      if (a >= 0) set_rank(i, base + static_cast<std::int32_t>(a) + 1);
      if (rank(i) > max_rank_) continue;
      const std::size_t j = rank(i) - base;
      if (lv.size() <= j) lv.resize(j + 1);
      if (!add_to_levels(lv, j, y, z, budget)) return false;
    }
    end = compact(lo, hi);
    return true;
  }

  bool sweep2_b(const Run& g, std::size_t wlo, std::size_t whi, std::size_t& end) {
    end = whi;
    // Goods ranked below every weak point cannot raise any; the others'
    // ranks, renumbered densely, name the levels.
    std::int32_t base = rank(wlo);
    for (std::size_t i = wlo + 1; i < whi; ++i) base = std::min(base, rank(i));
    std::int32_t top = base - 1;
    for (std::size_t j = 0; j < g.n; ++j) top = std::max(top, rank_of(at(g, j)));
    if (top < base) return true;
    // Usually the ranks base..top are few: level = rank - base. Otherwise
    // (far-apart ranks) only the distinct ones get a level.
    std::vector<std::int32_t> ranks;
    const bool dense = static_cast<std::size_t>(top - base) <= 2 * g.n + 64;
    if (dense) {
      for (std::int32_t r = base; r <= top; ++r) ranks.push_back(r);
    } else {
      for (std::size_t j = 0; j < g.n; ++j)
        if (rank_of(at(g, j)) >= base) ranks.push_back(rank_of(at(g, j)));
      std::sort(ranks.begin(), ranks.end());
      ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
    }
    auto level_of = [&](std::int32_t r) {  // first level ranked >= r
      if (dense) return static_cast<std::size_t>(std::min(r, top + 1) - base);
      return static_cast<std::size_t>(std::lower_bound(ranks.begin(), ranks.end(), r) - ranks.begin());
    };
    std::size_t budget = 4 * g.n + 64;
    Levels lv(ranks.size());
    std::size_t j = 0;
    for (std::size_t i = wlo; i < whi; ++i) {
      for (; j < g.n && idx_of(at(g, j)) < idx(i); ++j) {
        const Word* q = at(g, j);
        if (rank_of(q) >= base &&
            !add_to_levels(lv, level_of(rank_of(q)), val_of(q, 1), val_of(q, 2), budget))
          return false;
      }
      std::ptrdiff_t a = top_cover(lv, level_of(rank(i)), val(i, 1), val(i, 2));
      if (a >= 0) set_rank(i, ranks[a] + 1);
    }
    end = compact(wlo, whi);
    return true;
  }

  // Runs a on another thread while b runs here, when worthwhile and a
  // thread is spare; otherwise one after the other.
  template <class FA, class FB>
  void fork_join(bool big, FA&& a, FB&& b) {
    if (!big || !take_thread()) {
      a();
      b();
      return;
    }
    std::exception_ptr error;
    std::thread t([&] {
      try {
        a();
      } catch (...) {
        error = std::current_exception();
      }
    });
    try {
      b();
    } catch (...) {
      t.join();
      spare_threads_.fetch_add(1);
      throw;
    }
    t.join();
    spare_threads_.fetch_add(1);
    if (error) std::rethrow_exception(error);
  }

  bool take_thread() {
    int s = spare_threads_.load();
    while (s > 0)
      if (spare_threads_.compare_exchange_weak(s, s - 1)) return true;
    return false;
  }

  std::size_t u_, m_, w_;
  std::int32_t max_rank_;
  std::vector<Word> data_, scratch_;  // slots; scratch_ is used range by range
  std::vector<std::int32_t> ranks_;   // final ranks, by index
  std::atomic<int> spare_threads_;
};

template <std::size_t WS>
std::vector<std::int32_t> run_sorter(const double* rows, std::size_t u, std::size_t m,
                                     std::int32_t max_rank, int n_threads) {
  return Sorter<WS>(rows, u, m, max_rank, n_threads).run();
}

}  // namespace

std::vector<std::int32_t> rank_sorted_dc(const double* rows, std::size_t u, std::size_t m,
                                         std::int32_t max_rank, int n_threads) {
  // Fixed slot widths let the compiler unroll the slot copies.
  switch (m) {
    case 3: return run_sorter<4>(rows, u, m, max_rank, n_threads);
    case 4: return run_sorter<5>(rows, u, m, max_rank, n_threads);
    case 5: return run_sorter<6>(rows, u, m, max_rank, n_threads);
    case 6: return run_sorter<7>(rows, u, m, max_rank, n_threads);
    case 7: return run_sorter<8>(rows, u, m, max_rank, n_threads);
    case 8: return run_sorter<9>(rows, u, m, max_rank, n_threads);
    default: return run_sorter<0>(rows, u, m, max_rank, n_threads);
  }
}

}  // namespace evonas::nds_detail
