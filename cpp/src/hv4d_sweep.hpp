// 4-D hypervolume, HV4D+ style (Guerreiro & Fonseca 2018), O(n^2).
//
// Sweep the points in ascending w (4th objective). The 3-D set seen so far is
// kept as a list L in lexicographic (z, y, x) order, with no point weakly
// dominated by another. Each point p in L remembers its two delimiters in the
// (x, y) staircase of the points before it in L: cl, the one with x < p.x and
// least y, and cr, the one with y < p.y and least x. Walking L from the start
// and linking each point between its delimiters rebuilds the staircase at any
// z in O(1) per point (the points in between are the ones it covers).
//
// Adding a point u: (1) walk L up to u's place, rebuilding the staircase and
// finding u's delimiters (or a point dominating u: then nothing changes);
// (2) keep walking, now without u in the staircase, and shrink the area of
// u's quadrant left uncovered by each point met, adding area x dz, until a
// point covers u's projection; (3) link u into L, drop the points it
// dominates, and let u become a delimiter of the later points where it is
// closer. (2) and (3) share one walk. Each step is O(|L|), the area walks
// amortised over the points they pass, which the new point covers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace evonas::detail::hv4d_sweep {

using Id = std::int32_t;

struct Hv4dNode {
  double x, y, z;
  Id left, right;  // staircase neighbours (x increasing, y decreasing)
  Id cl, cr;       // delimiters among the points before this one in L
  Id next;         // successor in L
};

// The sweep state: add the points in ascending w (ties in any order).
class Hv4d {
 public:
  static constexpr Id kLeft = 0, kRight = 1, kTail = 2, kHead = 3;
  static constexpr Id kFirst = 4;  // slot of the first point

  // `nodes` is caller storage, reused across sweeps: n + 4 slots.
  Hv4d(const double* ref, std::size_t n, std::vector<Hv4dNode>& nodes) {
    if (nodes.size() < n + 4) nodes.resize(n + 4);
    nodes_ = nodes.data();
    constexpr double inf = std::numeric_limits<double>::infinity();
    nodes_[kLeft] = Hv4dNode{-inf, ref[1], -inf, -1, kRight, -1, -1, -1};
    nodes_[kRight] = Hv4dNode{ref[0], -inf, -inf, kLeft, -1, -1, -1, -1};
    // The tail covers every projection, so the contribution walk stops there
    // after adding the last slice up to ref z.
    nodes_[kTail] = Hv4dNode{-inf, -inf, ref[2], -1, -1, -1, -1, -1};
    nodes_[kHead] = Hv4dNode{-inf, -inf, -inf, -1, -1, -1, -1, kTail};
  }

  // Adds point (x, y, z) as node id; returns its 3-D contribution (0 when
  // dominated by a point already in L).
  double add(Id id, double x, double y, double z) {
    Hv4dNode& u = nodes_[id];
    u = Hv4dNode{x, y, z, -1, -1, kLeft, kRight, -1};
    Id before = rebuild_until(u);
    if (before < 0) return 0.0;
    return contribution_and_insert(id, before);
  }

 private:

  void link(Id id) {
    Hv4dNode& p = nodes_[id];
    p.left = p.cl;
    p.right = p.cr;
    nodes_[p.cl].right = id;
    nodes_[p.cr].left = id;
  }

  // Phase 1: rebuilds the staircase of the points before u's place in L and
  // sets u's delimiters; returns the last such point (kHead if none), or -1
  // when one of them weakly dominates u.
  Id rebuild_until(Hv4dNode& u) {
    nodes_[kLeft].right = kRight;
    nodes_[kRight].left = kLeft;
    const double ux = u.x, uy = u.y, uz = u.z;
    // u's delimiters so far and their coordinates, kept in registers.
    Id cl = kLeft, cr = kRight;
    double cl_x = nodes_[kLeft].x, cl_y = nodes_[kLeft].y;
    double cr_x = nodes_[kRight].x, cr_y = nodes_[kRight].y;
    Id prev = kHead;
    for (Id id = nodes_[kHead].next;; id = nodes_[id].next) {
      const Hv4dNode& p = nodes_[id];
      if (p.z > uz || (p.z == uz && (p.y > uy || (p.y == uy && p.x > ux)))) break;
      if (p.x <= ux && p.y <= uy) return -1;
      link(id);
      if (p.x < ux) {
        if (p.y < cl_y || (p.y == cl_y && p.x < cl_x)) {
          cl = id;
          cl_x = p.x;
          cl_y = p.y;
        }
      } else if (p.y < uy) {
        if (p.x < cr_x || (p.x == cr_x && p.y < cr_y)) {
          cr = id;
          cr_x = p.x;
          cr_y = p.y;
        }
      }
      prev = id;
    }
    u.cl = cl;
    u.cr = cr;
    return prev;
  }

  // Area of [from_x, inf) x [floor, inf) below the staircase, starting at
  // staircase point s (the last one with x <= from_x).
  double area_under(Id s, double from_x, double floor) const {
    double cur_x = from_x, cur_y = nodes_[s].y;
    if (cur_y <= floor) return 0.0;
    double area = 0.0;
    for (Id q = nodes_[s].right;; q = nodes_[q].right) {
      const Hv4dNode& t = nodes_[q];
      area += (t.x - cur_x) * (cur_y - floor);
      if (t.y <= floor) return area;
      cur_x = t.x;
      cur_y = t.y;
    }
  }

  // Phases 2 and 3 in one walk over the points after u in L (u is not in
  // the staircase): returns the volume u alone adds. The walk stops at the
  // first point covering u's projection: past it u neither dominates a point
  // nor is a closer delimiter than that point.
  double contribution_and_insert(Id uid, Id before) {
    const Hv4dNode u = nodes_[uid];
    nodes_[uid].next = nodes_[before].next;
    nodes_[before].next = uid;
    Id ul = u.cl;  // the staircase point with x < u.x and least y
    double area = area_under(ul, u.x, u.y);
    double volume = 0.0, last_z = u.z;
    Id prev = uid;
    Id id = nodes_[uid].next;
    for (;; id = nodes_[id].next) {
      Hv4dNode& p = nodes_[id];
      volume += area * (p.z - last_z);
      if (p.x <= u.x && p.y <= u.y) break;  // u is covered from here on
      last_z = p.z;
      if (p.x < u.x) {  // left of u: lowers the top of u's region
        // (p.y == ul's y: p covers ul, which leaves the staircase.)
        if (p.y <= nodes_[ul].y) {
          area -= area_under(ul, u.x, p.y);
          ul = id;
        }
        link(id);
        update_delimiters(p, u, uid);
        prev = id;
      } else if (p.y < u.y) {  // below u: cuts the right side of u's region
        area -= area_under(p.cl, p.x, u.y);
        link(id);
        update_delimiters(p, u, uid);
        prev = id;
      } else {  // inside u's quadrant: u dominates p, which leaves L
        area -= area_under(p.cl, p.x, p.y);
        link(id);
        nodes_[prev].next = p.next;
      }
    }
    // A copy of u's projection higher up is dominated too; the walk goes on
    // (without areas) to the first point that strictly covers u's projection.
    for (; id != kTail; id = nodes_[id].next) {
      Hv4dNode& p = nodes_[id];
      if (p.x <= u.x && p.y <= u.y && (p.x < u.x || p.y < u.y)) break;
      if (u.x <= p.x && u.y <= p.y) {
        nodes_[prev].next = p.next;
        continue;
      }
      update_delimiters(p, u, uid);
      prev = id;
    }
    return volume;
  }

  // u, earlier in L than p, replaces p's delimiter where it is at least as
  // close (ties matter: an equal delimiter may be about to leave L).
  static void update_delimiters_impl(Hv4dNode& p, const Hv4dNode& u, Id uid, const Hv4dNode& cl,
                                     const Hv4dNode& cr) {
    if (u.x < p.x) {
      if (u.y < cl.y || (u.y == cl.y && u.x <= cl.x)) p.cl = uid;
    } else if (u.y < p.y) {
      if (u.x < cr.x || (u.x == cr.x && u.y <= cr.y)) p.cr = uid;
    }
  }
  void update_delimiters(Hv4dNode& p, const Hv4dNode& u, Id uid) {
    update_delimiters_impl(p, u, uid, nodes_[p.cl], nodes_[p.cr]);
  }

  Hv4dNode* nodes_;  // the caller's storage
};

}  // namespace evonas::detail::hv4d_sweep

namespace evonas::detail {

// detail::hv4d for points already sorted ascending by the 4th coordinate,
// with the sweep's nodes in reusable storage.
double hv4d_sorted(const double* p, std::size_t n, const double* ref,
                   std::vector<hv4d_sweep::Hv4dNode>& nodes);

}  // namespace evonas::detail
