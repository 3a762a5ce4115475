// Exclusive hypervolume contributions in 3-D, O(n log n), after HVC3D
// (Guerreiro & Fonseca 2018). Sweep the points in ascending z. At each height
// the region a staircase point a covers alone is the box
//   [a.x, next staircase x) x [a.y, previous staircase y)
// minus the quadrants of its "locals": the earlier points inside that box,
// i.e. covered by a and by nothing else. Points covered twice never matter
// again. A's exclusive region is kept as columns, one per owner (a itself or
// one of its locals) between consecutive locals; a column whose shape changes
// is closed (its area x height since it opened goes to a) and reopened.
// Every point enters the staircase and the local sets at most once each, so
// the sweep is O(n log n) on top of the sorts.
#include <cstdint>
#include <vector>

#include "hv3d_rankset.hpp"
#include "hv3d_sweep.hpp"
#include "hv_detail.hpp"

namespace evonas::detail {
namespace {

constexpr std::size_t npos = RankSet::npos;

class Hvc3d {
 public:
  Hvc3d(const double* p, std::size_t n, const double* ref)
      : s_(make_sweep3(p, n, true)), ref_(ref), stair_(n), locals_(n), owner_(n),
        col_area_(n, 0.0), col_z_(n, 0.0), contrib_(n, 0.0) {}

  void run(double* out) {
    std::size_t n = s_.rank.size();
    for (std::size_t k = 0; k < n; ++k) add(s_.rank[k], s_.at_step[k], s_.z[k]);
    for (std::size_t r = stair_.next_from(0); r != npos; r = stair_.next(r)) close(r, r, ref_[2]);
    for (std::size_t r = locals_.next_from(0); r != npos; r = locals_.next(r))
      close(r, owner_[r], ref_[2]);
    // Only points that were once on the staircase own volume.
    for (std::size_t i = 0; i < n; ++i) out[i] = 0.0;
    for (std::size_t r = 0; r < n; ++r)
      if (contrib_[r] != 0.0) out[s_.index[s_.step[r]]] = contrib_[r];
  }

 private:
  double x(std::size_t r) const { return s_.at_rank[r].x; }
  double y(std::size_t r) const { return s_.at_rank[r].y; }
  // Right edge of staircase point a's box (next staircase x, or ref).
  double right_of(std::size_t next_stair) const {
    return next_stair != npos ? x(next_stair) : ref_[0];
  }
  double top_of(std::size_t a) const {
    std::size_t prev = stair_.prev(a);
    return prev != npos ? y(prev) : ref_[1];
  }
  // First local in (from, bound), bound = npos meaning no bound.
  std::size_t local_after(std::size_t from, std::size_t bound) const {
    std::size_t l = locals_.next(from);
    return (l != npos && (bound == npos || l < bound)) ? l : npos;
  }

  void close(std::size_t col, std::size_t owner, double z) {
    contrib_[owner] += col_area_[col] * (z - col_z_[col]);
  }
  void open(std::size_t col, double area, double z) {
    col_area_[col] = area;
    col_z_[col] = z;
  }

  // q = r, read from the step-ordered copy (no cache miss for the many
  // points that turn out covered).
  void add(std::size_t r, XY q, double z) {
    std::size_t a = stair_.prev(r);
    if (a != npos && y(a) <= q.y) {
      add_local(r, q, a, z);
    } else {
      add_stair(r, q, a, z);
    }
  }

  // q = r is covered by staircase point a (the one with the lowest y).
  void add_local(std::size_t r, XY q, std::size_t a, double z) {
    double qx = q.x, qy = q.y;
    std::size_t above = stair_.prev(a);
    if (above != npos && y(above) <= qy) return;  // covered twice
    std::size_t lp = locals_.prev(r);
    bool lp_of_a = lp != npos && lp > a;  // a's locals rank between a and a's successor
    if (lp_of_a && y(lp) <= qy) return;   // covered by a and one of its locals
    std::size_t bound = stair_.next(a);
    // The column containing qx is narrowed to end at qx.
    std::size_t left = lp_of_a ? lp : a;
    double left_top = lp_of_a ? y(lp) : top_of(a);
    close(left, a, z);
    open(left, (qx - x(left)) * (left_top - y(a)), z);
    // Locals of a that q covers go; q's column runs to the next one left.
    std::size_t l = local_after(r, bound);
    while (l != npos && y(l) >= qy) {
      close(l, a, z);
      locals_.erase(l);
      l = local_after(l, bound);
    }
    double right = l != npos ? x(l) : right_of(bound);
    open(r, (right - qx) * (qy - y(a)), z);
    locals_.insert(r);
    owner_[r] = static_cast<std::uint32_t>(a);
  }

  // q = r joins the staircase; a is its staircase predecessor (or npos).
  void add_stair(std::size_t r, XY q, std::size_t a, double z) {
    double qx = q.x, qy = q.y;
    std::size_t next = stair_.next(r);
    if (a != npos) {
      // a's locals right of q are now covered twice; a's last column ends at qx.
      for (std::size_t l = local_after(r, next); l != npos; l = local_after(l, next)) {
        close(l, a, z);
        locals_.erase(l);
      }
      std::size_t lp = locals_.prev(r);
      bool lp_of_a = lp != npos && lp > a;
      std::size_t last = lp_of_a ? lp : a;
      double top = lp_of_a ? y(lp) : top_of(a);
      close(last, a, z);
      open(last, (qx - x(last)) * (top - y(a)), z);
    }
    // Staircase points q covers end their contribution and become q's locals;
    // their own locals are now covered twice.
    std::vector<std::size_t>& covered = covered_;
    covered.clear();
    std::size_t d = next;
    while (d != npos && y(d) >= qy) {
      std::size_t bound = stair_.next(d);
      close(d, d, z);
      for (std::size_t l = local_after(d, bound); l != npos; l = local_after(l, bound)) {
        close(l, d, z);
        locals_.erase(l);
      }
      stair_.erase(d);
      covered.push_back(d);
      d = bound;
    }
    std::size_t b = d;
    if (b != npos) {
      // b's top drops to qy: its locals at or above qy go, its own column shrinks.
      std::size_t bound = stair_.next(b);
      std::size_t l = local_after(b, bound);
      while (l != npos && y(l) >= qy) {
        close(l, b, z);
        locals_.erase(l);
        l = local_after(l, bound);
      }
      double right = l != npos ? x(l) : right_of(bound);
      close(b, b, z);
      open(b, (right - x(b)) * (qy - y(b)), z);
    }
    stair_.insert(r);
    double q_right = right_of(b);
    double q_top = a != npos ? y(a) : ref_[1];
    double first_right = covered.empty() ? q_right : x(covered.front());
    open(r, (first_right - qx) * (q_top - qy), z);
    for (std::size_t i = 0; i < covered.size(); ++i) {
      std::size_t l = covered[i];
      double right = i + 1 < covered.size() ? x(covered[i + 1]) : q_right;
      open(l, (right - x(l)) * (y(l) - qy), z);
      locals_.insert(l);
      owner_[l] = static_cast<std::uint32_t>(r);
    }
  }

  Sweep3 s_;
  const double* ref_;
  RankSet stair_, locals_;
  std::vector<std::uint32_t> owner_;  // staircase owner of each local
  std::vector<double> col_area_, col_z_;  // open column of each point: area, start z
  std::vector<double> contrib_;           // by rank
  std::vector<std::size_t> covered_;      // scratch
};

}  // namespace

void hvc3d(const double* p, std::size_t n, const double* ref, double* out) {
  Hvc3d(p, n, ref).run(out);
}

}  // namespace evonas::detail
