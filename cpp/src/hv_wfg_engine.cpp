#include "hv_wfg_engine.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <numeric>

#include "hv_detail.hpp"
#include "hv_wfg_kernels.hpp"

namespace evonas::detail {
namespace {

using wfg::copy_row;
using wfg::weakly_dominates;

// From these sizes on the O(n log n) / HV4D+ base cases beat our simple sweeps.
constexpr std::size_t kMinHv3d = 64;
constexpr std::size_t kMinHv4d = 12;
constexpr std::size_t kMaxGroupedDim = 8;  // 2^d mask groups
constexpr std::size_t kMaxInex = 4;        // inclusion-exclusion up to this many rows
static_assert(kMaxInex <= wfg::kInexMaxRows);
constexpr std::size_t kSmallArchive = 32;  // insertion sorts below this many rows
constexpr double kInf = std::numeric_limits<double>::infinity();

template <class T>
T* grow(std::vector<T>& v, std::size_t size) {
  if (v.size() < size) v.resize(size);
  return v.data();
}

double box_volume(const double* p, const double* ref, std::size_t d) {
  double v = 1.0;
  for (std::size_t t = 0; t < d; ++t) v *= ref[t] - p[t];
  return v;
}

}  // namespace

WfgEngine::WfgEngine(const double* ref, std::size_t m)
    : ref_(ref), levels_(m + 1), mask_rank_(std::min(m, kMaxGroupedDim) + 1), bits_(m) {
  for (std::size_t t = 0; t < m; ++t) bits_[t] = std::uint64_t{1} << (t & 63);
  for (std::size_t d = 1; d < mask_rank_.size(); ++d) {
    std::vector<std::uint32_t> order(std::size_t{1} << d);
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [](std::uint32_t a, std::uint32_t b) {
      return wfg::popcount(a) < wfg::popcount(b);
    });
    mask_rank_[d].resize(order.size());
    for (std::size_t r = 0; r < order.size(); ++r) mask_rank_[d][order[r]] = static_cast<std::uint32_t>(r);
  }
}

double WfgEngine::hv(const double* cols, std::size_t stride, std::size_t k, std::size_t d) {
  if (k == 0) return 0.0;
  if (k <= 2) {  // one box, or inclusion-exclusion of two
    double a = 1.0, b = 1.0, both = 1.0;
    for (std::size_t t = 0; t < d; ++t) {
      const double* col = cols + t * stride;
      a *= ref_[t] - col[0];
      if (k == 2) {
        b *= ref_[t] - col[1];
        both *= ref_[t] - std::max(col[0], col[1]);
      }
    }
    return k == 1 ? a : a + b - both;
  }
  if (d == 2) {  // ascending y, hence descending x: a staircase
    const double* x = cols;
    const double* y = cols + stride;
    double total = 0.0;
    for (std::size_t i = 0; i < k; ++i)
      total += (ref_[0] - x[i]) * ((i + 1 < k ? y[i + 1] : ref_[1]) - y[i]);
    return total;
  }
  if (k <= kMaxInex) {  // levels_[d].rows is free: exclusive(d) is done with it
    double* rows = grow(levels_[d].rows, 2 * kMaxInex * d);
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t t = 0; t < d; ++t) rows[i * d + t] = cols[t * stride + i];
    return wfg::union_inex<0>(rows, k, d, ref_, rows + kMaxInex * d);
  }
  if (d == 3)
    return k >= kMinHv3d ? hv3d(gather_rows(cols, stride, k, 3), k, ref_) : sweep3(cols, stride, k);
  if (d == 4)
    return k >= kMinHv4d ? hv4d_sorted(gather_rows(cols, stride, k, 4), k, ref_, hv4d_nodes_)
                         : hv4_small(cols, stride, k);
  double* p = grow(levels_[d].point, d);
  double total = 0.0;
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t t = 0; t < d; ++t) p[t] = cols[t * stride + i];
    total += (ref_[d - 1] - p[d - 1]) * exclusive(p, cols, stride, i, i, d - 1);
  }
  return total;
}

const double* WfgEngine::gather_rows(const double* cols, std::size_t stride, std::size_t k,
                                     std::size_t d) {
  // levels_[d].rows is free here: hv(d) runs after exclusive(d) is done with it.
  double* rows = grow(levels_[d].rows, k * d);
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t t = 0; t < d; ++t) rows[i * d + t] = cols[t * stride + i];
  return rows;
}

double WfgEngine::sweep3(const double* cols, std::size_t stride, std::size_t k) {
  // Ascending z: sweep z, keeping the staircase of the (x, y) seen so far.
  const double* x = cols;
  const double* y = cols + stride;
  const double* z = cols + 2 * stride;
  wfg::Staircase stair(grow(levels_[2].rows, wfg::Staircase::storage_size(k)), k, ref_[0]);
  double area = 0.0, volume = 0.0;
  for (std::size_t i = 0; i < k; ++i) {
    if (i > 0) volume += area * (z[i] - z[i - 1]);
    area += stair.insert(x[i], y[i], ref_);
  }
  return volume + area * (ref_[2] - z[k - 1]);
}

double WfgEngine::hv4_small(const double* cols, std::size_t stride, std::size_t k) {
  // WFG step in 4-D: the slab of point i has height ref[3] - w_i and a 3-D
  // exclusive volume against the points before it. That 3-D part is a
  // z-sweep over max(p_i, p_j); visiting the points in one shared z order
  // yields those maxima already sorted (the ones below z_i tie at z_i).
  const double* x = cols;
  const double* y = cols + stride;
  const double* z = cols + 2 * stride;
  const double* w = cols + 3 * stride;
  Level& level = levels_[3];
  // The points before i in ascending z, grown by insertion as i advances.
  std::uint32_t* by_z = grow(level.index, k);
  wfg::Staircase stair(grow(level.rows, wfg::Staircase::storage_size(k)), k, ref_[0]);
  double total = 0.0;
  for (std::size_t i = 0; i < k; ++i) {
    if (i > 0) {
      std::size_t at = i - 1;
      const double zn = z[i - 1];
      for (; at > 0 && z[by_z[at - 1]] > zn; --at) by_z[at] = by_z[at - 1];
      by_z[at] = static_cast<std::uint32_t>(i - 1);
    }
    const double px = x[i], py = y[i], pz = z[i];
    const double full = (ref_[0] - px) * (ref_[1] - py);
    stair.clear();
    double area = 0.0, covered = 0.0, z_prev = pz;
    bool dominated = false;
    for (std::size_t r = 0; r < i; ++r) {
      const std::uint32_t j = by_z[r];
      const double qx = std::max(x[j], px), qy = std::max(y[j], py), qz = std::max(z[j], pz);
      covered += area * (qz - z_prev);
      z_prev = qz;
      if ((qx == px) & (qy == py)) {  // covers p's whole (x, y) box from here on
        dominated = qz == pz;
        area = full;
        break;
      }
      area += stair.insert(qx, qy, ref_);
    }
    if (dominated) continue;  // exactly 0
    covered += area * (ref_[2] - z_prev);
    total += (ref_[3] - w[i]) * (full * (ref_[2] - pz) - covered);
  }
  return total;
}

double WfgEngine::exclusive(const double* p, const double* cols, std::size_t stride,
                            std::size_t count, std::size_t skip, std::size_t d) {
  switch (d) {
    case 2: return exclusive_dim<2>(p, cols, stride, count, skip, d);
    case 3: return exclusive_dim<3>(p, cols, stride, count, skip, d);
    case 4: return exclusive_dim<4>(p, cols, stride, count, skip, d);
    case 5: return exclusive_dim<5>(p, cols, stride, count, skip, d);
    case 6: return exclusive_dim<6>(p, cols, stride, count, skip, d);
    case 7: return exclusive_dim<7>(p, cols, stride, count, skip, d);
    case 8: return exclusive_dim<8>(p, cols, stride, count, skip, d);
    default: return exclusive_dim<0>(p, cols, stride, count, skip, d);
  }
}

// The limit set row of point j is max(p, o_j); the coordinates where o_j is
// worse than p form its mask (bit t & 63). A row can only be dominated by a
// row whose mask is a subset of its own; with d > 64 the masks alias, which
// keeps that test a valid necessary condition.
template <std::size_t D>
double WfgEngine::exclusive_dim(const double* p, const double* cols, std::size_t stride,
                                std::size_t count, std::size_t skip, std::size_t d) {
  if constexpr (D > 0) d = D;
  Level& level = levels_[d];
  const bool has_skip = skip < count;
  if (count - has_skip <= kMaxInex) {
    // A handful of rows: inclusion-exclusion on the raw limit set.
    double* rows = grow(level.rows, 2 * kMaxInex * d);
    std::size_t c = 0;
    for (std::size_t j = 0; j < count; ++j) {
      if (j == skip) continue;
      bool covers = true;
      double* q = rows + c * d;
      for (std::size_t t = 0; t < d; ++t) {
        const double o = cols[t * stride + j];
        covers &= o <= p[t];
        q[t] = std::max(o, p[t]);
      }
      if (covers) return 0.0;
      ++c;
    }
    return box_volume(p, ref_, d) - wfg::union_inex<D>(rows, c, d, ref_, rows + kMaxInex * d);
  }

  // Masks, vectorised. A zero mask covers p.
  std::uint64_t* mask = grow(level.mask, count);
  if constexpr (D > 0) {
    wfg::compare_columns<D, false>(cols, stride, count, p, bits_.data(), mask);
  } else {
    std::fill(mask, mask + count, std::uint64_t{0});
    for (std::size_t t = 0; t < d; ++t)
      wfg::mark_greater(cols + t * stride, count, p[t], bits_[t], mask);
  }
  if (has_skip) mask[skip] = ~std::uint64_t{0};
  if (std::find(mask, mask + count, std::uint64_t{0}) != mask + count) return 0.0;

  // Rows worse than p in one coordinate t ("singletons") are the strongest:
  // only the smallest per t matters, and it dominates every row whose
  // coordinate t is at least as large, so it acts as a plain bound lim[t].
  double* lim = grow(level.lim, d);
  std::fill(lim, lim + d, kInf);
  if (d <= 64)
    for (std::size_t j = 0; j < count; ++j) {
      // Branch-free, as single-bit or not is unpredictable: other rows fold
      // +inf into lim at their lowest bit, a no-op. Masks are non-zero here.
      const std::uint64_t bits = mask[j];
      const std::size_t t = static_cast<std::size_t>(wfg::lowest_bit(bits));
      const double choice[2] = {kInf, cols[t * stride + j]};
      const double v = choice[(bits & (bits - 1)) == 0];
      lim[t] = v < lim[t] ? v : lim[t];
    }
  std::uint64_t* dead = grow(level.dead, count);
  if constexpr (D > 0) {  // +inf bounds never fire
    wfg::compare_columns<D, true>(cols, stride, count, lim, bits_.data(), dead);
  } else {
    std::fill(dead, dead + count, std::uint64_t{0});
    for (std::size_t t = 0; t < d; ++t)
      if (lim[t] != kInf) wfg::mark_greater_equal(cols + t * stride, count, lim[t], 1, dead);
  }
  if (has_skip) dead[skip] = 1;

  // Survivors become rows max(p, o); the bounding singletons join them.
  std::uint32_t* index = grow(level.index, 2 * (count + d));
  std::size_t c = 0;
  for (std::size_t j = 0; j < count; ++j) {
    index[c] = static_cast<std::uint32_t>(j);
    c += dead[j] == 0;
  }
  double* rows = grow(level.rows, (c + d) * d);
  std::uint64_t* qmask = grow(level.qmask, c + d);
  wfg::gather_max_rows<D>(p, cols, stride, index, c, d, rows);
  for (std::size_t r = 0; r < c; ++r) qmask[r] = mask[index[r]];
  for (std::size_t t = 0; t < d; ++t) {
    if (lim[t] == kInf) continue;
    double* q = rows + c * d;
    copy_row<D>(p, q, d);
    q[t] = lim[t];
    qmask[c++] = std::uint64_t{1} << t;
  }

  double* kept = grow(level.kept, c * d);
  const std::size_t s = d <= kMaxGroupedDim ? archive_grouped<D>(level, rows, qmask, c, d)
                                            : archive_flat<D>(level, rows, qmask, c, d);

  const double box = box_volume(p, ref_, d);
  if (s == 1) return box - box_volume(kept, ref_, d);
  // Sorted by the last coordinate, column-major, for the recursion.
  std::uint32_t* by_last = index;
  std::iota(by_last, by_last + s, std::uint32_t{0});
  std::sort(by_last, by_last + s, [&](std::uint32_t a, std::uint32_t b) {
    return kept[std::size_t{a} * d + d - 1] < kept[std::size_t{b} * d + d - 1];
  });
  double* sub = grow(level.cols, s * d);
  wfg::rows_to_columns<D>(kept, by_last, s, d, sub);
  return box - hv(sub, s, s, d);
}

// Archive filters: keep a row unless a kept row dominates it. Rows are met in
// ascending mask size, so a row can only displace kept rows of its own mask.

// d <= kMaxGroupedDim: rows grouped by mask, and each row is only compared
// with the groups whose mask is a subset of its own.
template <std::size_t D>
std::size_t WfgEngine::archive_grouped(Level& level, const double* rows,
                                       const std::uint64_t* qmask, std::size_t c, std::size_t d) {
  const std::size_t masks = std::size_t{1} << d;
  const std::uint32_t* rank = mask_rank_[d].data();  // position by (size, value)
  std::uint32_t* order = grow(level.order, c);
  if (c <= kSmallArchive) {  // insertion sort: cheaper than touching all 2^d buckets
    for (std::size_t r = 0; r < c; ++r) {
      const std::uint32_t key = rank[qmask[r]];
      std::size_t at = r;
      for (; at > 0 && rank[qmask[order[at - 1]]] > key; --at) order[at] = order[at - 1];
      order[at] = static_cast<std::uint32_t>(r);
    }
  } else {  // counting sort
    std::uint32_t* start = grow(level.group, masks + 1);
    std::fill(start, start + masks + 1, 0u);
    for (std::size_t r = 0; r < c; ++r) ++start[rank[qmask[r]] + 1];
    for (std::size_t b = 1; b <= masks; ++b) start[b] += start[b - 1];
    for (std::size_t r = 0; r < c; ++r) order[start[rank[qmask[r]]]++] = static_cast<std::uint32_t>(r);
  }

  // Kept rows of mask mk are [kept_begin[mk], kept_end[mk]) when stamp[mk]
  // is this call's number, so nothing of size 2^d needs clearing per call.
  std::uint32_t* kept_begin = grow(level.kept_begin, 3 * masks);
  std::uint32_t* kept_end = kept_begin + masks;
  std::uint32_t* stamp = kept_end + masks;
  if (++level.calls == 0) {  // wrapped around
    std::fill(stamp, stamp + masks, 0u);
    level.calls = 1;
  }
  const std::uint32_t call = level.calls;

  double* kept = level.kept.data();
  std::uint32_t* segments = grow(level.segments, 2 * masks);
  std::size_t s = 0;
  for (std::size_t idx = 0; idx < c;) {
    const std::uint64_t mk = qmask[order[idx]];
    // Kept groups that can dominate this mask: proper subsets with two or
    // more bits (single-bit rows were applied as bounds already).
    std::size_t n_seg = 0;
    for (std::uint64_t sub = (mk - 1) & mk; sub != 0; sub = (sub - 1) & mk) {
      if ((sub & (sub - 1)) == 0 || stamp[sub] != call) continue;
      segments[n_seg++] = kept_begin[sub];
      segments[n_seg++] = kept_end[sub];
    }
    const std::size_t group_begin = s;
    for (; idx < c && qmask[order[idx]] == mk; ++idx) {
      const double* q = rows + std::size_t{order[idx]} * d;
      bool dominated = false;
      for (std::size_t g = 0; g < n_seg && !dominated; g += 2)
        for (std::size_t r = segments[g]; r < segments[g + 1]; ++r)
          if (weakly_dominates<D>(kept + r * d, q, d)) {
            dominated = true;
            break;
          }
      for (std::size_t r = group_begin; r < s && !dominated; ++r)
        dominated = weakly_dominates<D>(kept + r * d, q, d);
      if (dominated) continue;
      std::size_t keep = group_begin;
      for (std::size_t r = group_begin; r < s; ++r) {
        if (weakly_dominates<D>(q, kept + r * d, d)) continue;
        if (keep != r) copy_row<D>(kept + r * d, kept + keep * d, d);
        ++keep;
      }
      copy_row<D>(q, kept + keep * d, d);
      s = keep + 1;
    }
    kept_begin[mk] = static_cast<std::uint32_t>(group_begin);
    kept_end[mk] = static_cast<std::uint32_t>(s);
    stamp[mk] = call;
  }
  return s;
}

// Any d: one list, ordered by mask size, with a subset test per pair.
template <std::size_t D>
std::size_t WfgEngine::archive_flat(Level& level, const double* rows, const std::uint64_t* qmask,
                                    std::size_t c, std::size_t d) {
  std::uint32_t* order = grow(level.order, 2 * c);
  std::uint32_t* size = order + c;
  for (std::size_t r = 0; r < c; ++r) size[r] = static_cast<std::uint32_t>(wfg::popcount(qmask[r]));
  if (c <= kSmallArchive) {  // insertion sort
    for (std::size_t r = 0; r < c; ++r) {
      std::size_t at = r;
      for (; at > 0 && size[order[at - 1]] > size[r]; --at) order[at] = order[at - 1];
      order[at] = static_cast<std::uint32_t>(r);
    }
  } else {  // counting sort
    std::array<std::uint32_t, 66> bucket{};
    for (std::size_t r = 0; r < c; ++r) ++bucket[size[r] + 1];
    for (std::size_t b = 1; b < bucket.size(); ++b) bucket[b] += bucket[b - 1];
    for (std::size_t r = 0; r < c; ++r) order[bucket[size[r]]++] = static_cast<std::uint32_t>(r);
  }

  double* kept = level.kept.data();
  std::uint64_t* kmask = grow(level.kmask, c);
  std::size_t s = 0;
  for (std::size_t idx = 0; idx < c; ++idx) {
    const std::size_t row = order[idx];
    const double* q = rows + row * d;
    const std::uint64_t qm = qmask[row];
    std::size_t r = 0;
    while (r < s && ((kmask[r] & ~qm) != 0 || !weakly_dominates<D>(kept + r * d, q, d))) ++r;
    if (r < s) {
      // The killer moves one step forward: strong rows drift to the front.
      if (r > 0) {
        for (std::size_t t = 0; t < d; ++t) std::swap(kept[r * d + t], kept[(r - 1) * d + t]);
        std::swap(kmask[r], kmask[r - 1]);
      }
      continue;
    }
    std::size_t keep = 0;
    for (std::size_t r2 = 0; r2 < s; ++r2) {
      const double* k = kept + r2 * d;
      if ((qm & ~kmask[r2]) == 0 && weakly_dominates<D>(q, k, d)) continue;
      if (keep != r2) {
        copy_row<D>(k, kept + keep * d, d);
        kmask[keep] = kmask[r2];
      }
      ++keep;
    }
    copy_row<D>(q, kept + keep * d, d);
    kmask[keep] = qm;
    s = keep + 1;
  }
  return s;
}

}  // namespace evonas::detail
