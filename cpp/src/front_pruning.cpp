// Truncation of one front by iterated removal (Kukkonen and Deb 2006): the
// point with the smallest crowding measure goes, the measure of the points
// whose neighbourhood that changed is recomputed, and so on. A lazy heap
// finds the next point to remove (see prune_with); only neighbours are
// touched, so a removal costs O(m + log k) for the crowding distance and a
// few k-d tree queries for the nearest-neighbour product.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "evonas/parallel.hpp"
#include "evonas/survival.hpp"
#include "nds_detail.hpp"

namespace evonas {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

// Scale of objective j over a front: the measures ignore an objective whose
// span is 0 or infinite, as crowding_distance does.
struct Span {
  double width = 0.0;
  bool used = false;
};

// The front's distinct rows: point p of the measures is row rows[p]; every
// other copy of a row is listed in `copies`.
struct DistinctRows {
  std::vector<std::uint32_t> rows, copies;
};

DistinctRows distinct_rows(const double* F, std::size_t k, std::size_t m) {
  DistinctRows out;
  const std::vector<std::uint32_t> order = nds_detail::lex_order(F, k, m, 1);
  std::vector<char> copy(k, 0);
  for (std::size_t t = 1; t < k; ++t)
    if (nds_detail::rows_equal(F + std::size_t{order[t]} * m, F + std::size_t{order[t - 1]} * m, m))
      copy[order[t]] = 1;  // lex_order breaks ties by index: the first of a run is the lowest
  for (std::uint32_t i = 0; i < k; ++i) (copy[i] ? out.copies : out.rows).push_back(i);
  return out;
}

// Crowding distance over the points still alive. Objective j keeps its points
// in a doubly linked list by (value, index); a point at either end of a list
// gets +inf, the others sum (next - prev) / span over the objectives in
// order. Spans are the front's: they could only change once an end point
// goes, and ends go only when every point left is an end (all +inf).
class CrowdingMeasure {
 public:
  CrowdingMeasure(const double* F, std::size_t m, const std::vector<std::uint32_t>& rows)
      : F_(F), m_(m), rows_(rows), k_(rows.size()), prev_(m * k_), next_(m * k_), span_(m) {
    std::vector<double> column(k_);
    for (std::size_t j = 0; j < m; ++j) {
      for (std::size_t p = 0; p < k_; ++p) column[p] = at(static_cast<std::uint32_t>(p), j);
      const std::vector<std::uint32_t> order = nds_detail::column_order(column.data(), k_, 1, 0, 1);
      for (std::size_t t = 0; t < k_; ++t) {
        prev_[j * k_ + order[t]] = t == 0 ? kNone : order[t - 1];
        next_[j * k_ + order[t]] = t + 1 == k_ ? kNone : order[t + 1];
      }
      const double lo = column[order.front()], hi = column[order.back()];
      span_[j] = {hi - lo, !(lo == hi || std::isinf(hi - lo))};
    }
  }

  double value(std::uint32_t p) const {
    double d = 0.0;
    for (std::size_t j = 0; j < m_; ++j) {
      const std::uint32_t a = prev_[j * k_ + p], b = next_[j * k_ + p];
      if (a == kNone || b == kNone) return kInf;
      if (span_[j].used) d += (at(b, j) - at(a, j)) / span_[j].width;
    }
    return d;
  }

  // Unlinks p; touched receives the points whose value changed.
  void remove(std::uint32_t p, std::vector<std::uint32_t>& touched) {
    for (std::size_t j = 0; j < m_; ++j) {
      const std::uint32_t a = prev_[j * k_ + p], b = next_[j * k_ + p];
      if (a != kNone) next_[j * k_ + a] = b, touched.push_back(a);
      if (b != kNone) prev_[j * k_ + b] = a, touched.push_back(b);
    }
  }

 private:
  double at(std::uint32_t p, std::size_t j) const { return F_[std::size_t{rows_[p]} * m_ + j]; }

  const double* F_;
  std::size_t m_;
  const std::vector<std::uint32_t>& rows_;
  std::size_t k_;
  std::vector<std::uint32_t> prev_, next_;
  std::vector<Span> span_;
};

// Static k-d tree over normalised points with deletion: every node counts its
// live points, so emptied subtrees are skipped. Boxes stay those of the
// build, still valid lower bounds after deletions. Points are copied into
// tree order, so a leaf's points are contiguous.
class LiveKdTree {
 public:
  LiveKdTree(const std::vector<double>& z, std::size_t k, std::size_t m)
      : m_(m), order_(k), slot_(k), points_(k * m), dead_(k, 0) {
    std::iota(order_.begin(), order_.end(), std::uint32_t{0});
    if (k > 0) build(z, 0, k, kNone);
    for (std::size_t t = 0; t < k; ++t) {
      slot_[order_[t]] = static_cast<std::uint32_t>(t);
      std::copy_n(z.data() + std::size_t{order_[t]} * m, m, points_.data() + t * m);
    }
    leaf_of_.resize(k);
    for (std::uint32_t id = 0; id < nodes_.size(); ++id)
      if (nodes_[id].left == kNone)
        for (std::uint32_t t = nodes_[id].begin; t < nodes_[id].end; ++t) leaf_of_[t] = id;
  }

  void erase(std::uint32_t p) {
    const std::uint32_t t = slot_[p];
    for (std::uint32_t node = leaf_of_[t]; node != kNone; node = nodes_[node].parent) --nodes_[node].live;
    dead_[t] = 1;
  }

  bool alive(std::uint32_t p) const { return !dead_[slot_[p]]; }

  // The `count` nearest live points to p other than p, by squared distance
  // ascending (ties in any order: the measures use only the distances).
  void nearest(std::uint32_t p, std::size_t count, std::vector<std::pair<double, std::uint32_t>>& best,
               std::vector<std::uint32_t>& stack) const {
    const std::uint32_t self = slot_[p];
    const double* q = point(self);
    best.clear();
    stack.assign(1, 0);
    while (!stack.empty()) {
      const std::uint32_t id = stack.back();
      stack.pop_back();
      const Node& node = nodes_[id];
      if (node.live == 0) continue;
      if (best.size() == count && box_squared(id, q) >= best.back().first) continue;
      if (node.left == kNone) {
        for (std::uint32_t t = node.begin; t < node.end; ++t) {
          if (t == self || dead_[t]) continue;
          const double d = squared(q, point(t));
          if (best.size() == count && d >= best.back().first) continue;
          if (best.size() == count) best.pop_back();
          const std::pair<double, std::uint32_t> hit(d, order_[t]);
          best.insert(std::upper_bound(best.begin(), best.end(), hit), hit);
        }
        continue;
      }
      // The child on q's side of the split is visited first: pushed last.
      const bool left_first = q[node.axis] < node.split;
      stack.push_back(left_first ? node.right : node.left);
      stack.push_back(left_first ? node.left : node.right);
    }
  }

 private:
  static constexpr std::uint32_t kLeafSize = 12;

  struct Node {
    std::uint32_t begin, end, left = kNone, right = kNone, parent = kNone, live = 0;
    std::uint32_t axis = 0;
    double split = 0.0;
  };

  const double* point(std::uint32_t t) const { return points_.data() + std::size_t{t} * m_; }

  double squared(const double* a, const double* b) const {
    double s = 0.0;
    for (std::size_t j = 0; j < m_; ++j) {
      const double d = a[j] - b[j];
      s += d * d;
    }
    return s;
  }

  std::uint32_t build(const std::vector<double>& z, std::size_t begin, std::size_t end, std::uint32_t parent) {
    const auto id = static_cast<std::uint32_t>(nodes_.size());
    Node node;
    node.begin = static_cast<std::uint32_t>(begin);
    node.end = static_cast<std::uint32_t>(end);
    node.parent = parent;
    node.live = static_cast<std::uint32_t>(end - begin);
    nodes_.push_back(node);
    lo_.resize(lo_.size() + m_, kInf);
    hi_.resize(hi_.size() + m_, -kInf);
    for (std::size_t t = begin; t < end; ++t)
      for (std::size_t j = 0; j < m_; ++j) {
        const double x = z[std::size_t{order_[t]} * m_ + j];
        lo_[id * m_ + j] = std::min(lo_[id * m_ + j], x);
        hi_[id * m_ + j] = std::max(hi_[id * m_ + j], x);
      }
    if (end - begin <= kLeafSize) return id;
    std::uint32_t axis = 0;
    for (std::uint32_t j = 1; j < m_; ++j)
      if (hi_[id * m_ + j] - lo_[id * m_ + j] > hi_[id * m_ + axis] - lo_[id * m_ + axis]) axis = j;
    const std::size_t mid = begin + (end - begin) / 2;
    auto key = [&](std::uint32_t a) { return z[std::size_t{a} * m_ + axis]; };
    std::nth_element(order_.begin() + begin, order_.begin() + mid, order_.begin() + end,
                     [&](std::uint32_t a, std::uint32_t b) { return key(a) < key(b); });
    const double split = key(order_[mid]);
    const std::uint32_t left = build(z, begin, mid, id);
    const std::uint32_t right = build(z, mid, end, id);
    nodes_[id].left = left;
    nodes_[id].right = right;
    nodes_[id].axis = axis;
    nodes_[id].split = split;
    return id;
  }

  double box_squared(std::uint32_t id, const double* q) const {
    const double* lo = lo_.data() + std::size_t{id} * m_;
    const double* hi = hi_.data() + std::size_t{id} * m_;
    double s = 0.0;
    for (std::size_t j = 0; j < m_; ++j) {
      const double d = q[j] < lo[j] ? lo[j] - q[j] : (q[j] > hi[j] ? q[j] - hi[j] : 0.0);
      s += d * d;
    }
    return s;
  }

  std::size_t m_;
  std::vector<std::uint32_t> order_, slot_, leaf_of_;  // tree position -> point, point -> position
  std::vector<double> points_, lo_, hi_;
  std::vector<Node> nodes_;
  std::vector<char> dead_;  // by tree position
};

// Product of the distances to the m nearest live points, objectives scaled to
// [0, 1] by the front's spans (unused objectives count 0). The first and last
// point of every objective's (value, index) order get +inf, and so do all
// points once at most m are left. Those extremes go only when every point
// left is +inf, so the spans never need recomputing.
class NeighbourMeasure {
 public:
  NeighbourMeasure(const double* F, std::size_t m, const std::vector<std::uint32_t>& rows, int n_threads)
      : m_(m), k_(rows.size()), live_(rows.size()), extreme_(k_, 0), tree_(scaled(F, m, rows, extreme_), k_, m),
        near_(k_ * m, kNone), dist_(k_ * m, 0.0), requery_(k_, 0), first_(k_, kNone) {
    if (k_ <= m) return;  // every point is +inf
    parallel_for(k_, k_ >= 4096 ? n_threads : 1, 1024, [&](std::size_t p0, std::size_t p1) {
      std::vector<std::pair<double, std::uint32_t>> best;
      std::vector<std::uint32_t> stack;
      for (std::size_t p = p0; p < p1; ++p)
        if (!extreme_[p]) find_nearest(static_cast<std::uint32_t>(p), best, stack);
    });
    for (std::uint32_t p = 0; p < k_; ++p)
      if (!extreme_[p])
        for (std::size_t t = 0; t < m_; ++t) link(near_[p * m_ + t], p);
  }

  double value(std::uint32_t p) {
    if (extreme_[p] || live_ <= m_) return kInf;
    if (requery_[p]) {  // a nearest point went since the last query
      requery_[p] = 0;
      find_nearest(p, best_, stack_);
      for (std::size_t t = 0; t < m_; ++t) link(near_[p * m_ + t], p);
    }
    double product = 1.0;
    for (std::size_t t = 0; t < m_; ++t) product *= dist_[p * m_ + t];
    return product;
  }

  void remove(std::uint32_t p, std::vector<std::uint32_t>& touched) {
    tree_.erase(p);
    --live_;
    if (live_ == m_) {  // everyone left becomes +inf
      for (std::uint32_t q = 0; q < k_; ++q)
        if (tree_.alive(q)) touched.push_back(q);
      return;
    }
    if (live_ < m_) return;
    for (std::uint32_t at = first_[p]; at != kNone; at = links_[at].next) {
      const std::uint32_t q = links_[at].point;
      if (requery_[q] || !tree_.alive(q)) continue;
      const std::uint32_t* list = &near_[q * m_];
      if (std::find(list, list + m_, p) == list + m_) continue;  // a stale entry
      requery_[q] = 1;
      touched.push_back(q);
    }
    first_[p] = kNone;
  }

 private:
  // The rows scaled by the spans; marks each objective's first and last point.
  static std::vector<double> scaled(const double* F, std::size_t m, const std::vector<std::uint32_t>& rows,
                                    std::vector<char>& extreme) {
    const std::size_t k = rows.size();
    std::vector<double> z(k * m, 0.0), column(k);
    for (std::size_t j = 0; j < m && k > 0; ++j) {
      for (std::size_t p = 0; p < k; ++p) column[p] = F[std::size_t{rows[p]} * m + j];
      const std::vector<std::uint32_t> order = nds_detail::column_order(column.data(), k, 1, 0, 1);
      extreme[order.front()] = extreme[order.back()] = 1;
      const double lo = column[order.front()], hi = column[order.back()];
      if (lo == hi || std::isinf(hi - lo)) continue;
      for (std::size_t p = 0; p < k; ++p) z[p * m + j] = (column[p] - lo) / (hi - lo);
    }
    return z;
  }

  // Notes that q may list p among its nearest points.
  void link(std::uint32_t p, std::uint32_t q) {
    links_.push_back({q, first_[p]});
    first_[p] = static_cast<std::uint32_t>(links_.size() - 1);
  }

  void find_nearest(std::uint32_t p, std::vector<std::pair<double, std::uint32_t>>& best,
                    std::vector<std::uint32_t>& stack) {
    tree_.nearest(p, m_, best, stack);
    for (std::size_t t = 0; t < m_; ++t) {
      near_[p * m_ + t] = best[t].second;
      dist_[p * m_ + t] = std::sqrt(best[t].first);
    }
  }

  std::size_t m_, k_, live_;
  std::vector<char> extreme_;
  LiveKdTree tree_;
  std::vector<std::uint32_t> near_;  // k x m: each point's nearest live points
  std::vector<double> dist_;         // their distances, ascending
  std::vector<char> requery_;        // near_ lists a point that has gone
  // Reverse neighbour lists in one pool: from first_[p], the points that may
  // list p among their nearest (entries go stale when they re-query).
  struct Link {
    std::uint32_t point, next;
  };
  std::vector<std::uint32_t> first_;
  std::vector<Link> links_;
  std::vector<std::pair<double, std::uint32_t>> best_;
  std::vector<std::uint32_t> stack_;
};

struct Entry {
  double value;
  std::uint32_t row;
};

// The heap's top is the smallest value, ties the highest row: among equals
// the lower index survives, as in crowding truncation.
struct PoppedLater {
  bool operator()(const Entry& a, const Entry& b) const {
    if (a.value != b.value) return a.value > b.value;
    return a.row < b.row;
  }
};

// Removes n_remove of the k rows; copies are 0 and never re-measured. A
// removal can only raise the measure of the others (gaps and distances grow),
// so the heap holds one entry per row, at most its current value: a row whose
// value went stale is re-measured when it reaches the top, and is the one to
// go if its value did not change; otherwise it goes back in. Fewer pushes
// than one per touched neighbour, and the same removals.
template <class Measure>
PrunedFront prune_with(Measure& measure, const DistinctRows& d, std::size_t k, std::size_t n_remove) {
  std::vector<double> value(k, 0.0);
  std::vector<std::uint32_t> point_of(k, kNone);
  std::vector<char> stale(k, 0), removed(k, 0);
  std::vector<Entry> heap;
  heap.reserve(k);
  for (std::uint32_t p = 0; p < d.rows.size(); ++p) {
    point_of[d.rows[p]] = p;
    value[d.rows[p]] = measure.value(p);
    heap.push_back({value[d.rows[p]], d.rows[p]});
  }
  for (std::uint32_t r : d.copies) heap.push_back({0.0, r});
  std::make_heap(heap.begin(), heap.end(), PoppedLater{});
  std::vector<std::uint32_t> touched;
  for (std::size_t done = 0; done < n_remove;) {
    std::pop_heap(heap.begin(), heap.end(), PoppedLater{});
    const std::uint32_t r = heap.back().row;
    heap.pop_back();
    if (stale[r]) {
      stale[r] = 0;
      const double v = measure.value(point_of[r]);
      if (v != value[r]) {
        value[r] = v;
        heap.push_back({v, r});
        std::push_heap(heap.begin(), heap.end(), PoppedLater{});
        continue;
      }
    }
    removed[r] = 1;
    ++done;
    if (point_of[r] == kNone) continue;  // a copy
    touched.clear();
    measure.remove(point_of[r], touched);
    for (std::uint32_t p : touched) stale[d.rows[p]] = 1;
  }
  PrunedFront out;
  out.kept.reserve(k - n_remove);
  out.crowding.reserve(k - n_remove);
  for (std::uint32_t r = 0; r < k; ++r)
    if (!removed[r]) {
      out.kept.push_back(r);
      out.crowding.push_back(stale[r] ? measure.value(point_of[r]) : value[r]);
    }
  return out;
}

}  // namespace

PrunedFront prune_front(const double* F, std::size_t k, std::size_t m, std::size_t n_keep, Truncation how,
                        int n_threads) {
  if (how == Truncation::kCrowding) throw std::invalid_argument("prune_front: the crowding truncation is not iterative");
  n_keep = std::min(n_keep, k);
  if (k == 0) return {};
  const DistinctRows d = distinct_rows(F, k, m);
  if (how == Truncation::kPruning) {
    CrowdingMeasure measure(F, m, d.rows);
    return prune_with(measure, d, k, k - n_keep);
  }
  NeighbourMeasure measure(F, m, d.rows, n_threads);
  return prune_with(measure, d, k, k - n_keep);
}

}  // namespace evonas
