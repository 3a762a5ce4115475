"""Slow, obviously-correct oracles for the evonas kernels.

Every function here follows the documented semantics of the public API in the
most direct way available (pairwise comparisons, explicit loops, inclusion-
exclusion, a dense grid) and trades speed for clarity. They are the definition
of correctness that the tests compare the native kernels against.

All objectives are minimised. Inputs are anything ``numpy.asarray`` reads as a
real (n, m) matrix; nothing is modified.
"""

from __future__ import annotations

import functools
import math

import numpy as np

__all__ = [
    "as_matrix",
    "dominates",
    "non_dominated_sort",
    "nondominated",
    "truncate_ranks",
    "dominance_matrix",
    "check_ranks",
    "check_ranks_at",
    "crowding_distance",
    "prune_front",
    "inside_ref",
    "hypervolume_inclusion_exclusion",
    "hypervolume_grid",
    "hv_contributions",
    "has_positive_contribution",
    "mc_box_volume",
    "tournament_without_replacement",
]


def as_matrix(F) -> np.ndarray:
    """Return `F` as a float64 (n, m) matrix (a copy).

    Parameters
    ----------
    F : array_like, shape (n, m)

    Returns
    -------
    numpy.ndarray of float64, shape (n, m)
    """
    arr = np.array(F, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"expected a 2-D matrix, got shape {arr.shape}")
    return arr


# ----------------------------------------------------------------------------
# Pareto dominance and ranking
# ----------------------------------------------------------------------------


def dominates(a, b) -> bool:
    """Whether `a` Pareto-dominates `b` (minimisation).

    ``a`` dominates ``b`` when it is no worse in every objective and strictly
    better in at least one. +inf and -inf compare like ordinary numbers.

    Parameters
    ----------
    a, b : sequence of float, same length

    Returns
    -------
    bool
    """
    no_worse = all(x <= y for x, y in zip(a, b))
    better = any(x < y for x, y in zip(a, b))
    return no_worse and better


def non_dominated_sort(F, n_stop: int | None = None) -> np.ndarray:
    """Pareto rank of every point by repeatedly peeling off the first front.

    Parameters
    ----------
    F : array_like, shape (n, m)
    n_stop : int, optional
        Front ``r`` is reported only while the number of points in fronts
        ``< r`` is less than ``min(n_stop, n)``; later points get -1.
        None ranks every point.

    Returns
    -------
    numpy.ndarray of int32, shape (n,)
        0 for non-dominated points, 1 for the next front, ...; -1 for the
        points left unranked by `n_stop`.
    """
    rows = as_matrix(F).tolist()
    n = len(rows)
    limit = n if n_stop is None else min(int(n_stop), n)
    dominators = [[i for i in range(n) if dominates(rows[i], rows[j])] for j in range(n)]
    ranks = [-1] * n
    remaining = set(range(n))
    rank = 0
    ranked = 0
    while remaining:
        front = [j for j in remaining if not any(i in remaining for i in dominators[j])]
        assert front, "dominance is acyclic, so some remaining point is non-dominated"
        if ranked >= limit:
            break
        for j in front:
            ranks[j] = rank
        ranked += len(front)
        remaining.difference_update(front)
        rank += 1
    return np.array(ranks, dtype=np.int32)


def nondominated(F) -> np.ndarray:
    """Mask of the points that no other point dominates.

    Parameters
    ----------
    F : array_like, shape (n, m)

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
        Identical copies of a non-dominated point are all True (a point never
        dominates its copy).
    """
    rows = as_matrix(F).tolist()
    return np.array([not any(dominates(p, q) for p in rows) for q in rows], dtype=bool)


def truncate_ranks(ranks, n_stop: int) -> np.ndarray:
    """Apply the `n_stop_if_ranked` rule to a complete ranking.

    Parameters
    ----------
    ranks : array_like of int, shape (n,)
        A complete Pareto ranking (no -1).
    n_stop : int
        Front ``r`` is kept only if fewer than ``min(n_stop, n)`` points lie in
        fronts ``< r``.

    Returns
    -------
    numpy.ndarray of int32, shape (n,)
    """
    ranks = np.asarray(ranks, dtype=np.int64)
    n = ranks.shape[0]
    limit = min(int(n_stop), n)
    out = ranks.astype(np.int32).copy()
    if n == 0:
        return out
    counts = np.bincount(ranks)
    before = np.concatenate([[0], np.cumsum(counts)[:-1]])  # points in fronts < r
    out[before[ranks] >= limit] = -1
    return out


def dominance_matrix(F, block: int = 256) -> np.ndarray:
    """Dense matrix ``D[i, j] = F[i] dominates F[j]``, vectorised by row blocks.

    O(n^2 m) time and O(n^2) memory: for the large-input checks only.

    Parameters
    ----------
    F : array_like, shape (n, m)
    block : int
        Rows processed at once (bounds the temporary memory).

    Returns
    -------
    numpy.ndarray of bool, shape (n, n)
    """
    arr = as_matrix(F)
    n = arr.shape[0]
    D = np.zeros((n, n), dtype=bool)
    for lo in range(0, n, block):
        a = arr[lo : lo + block, None, :]
        b = arr[None, :, :]
        D[lo : lo + block] = np.all(a <= b, axis=2) & np.any(a < b, axis=2)
    return D


def check_ranks(F, ranks) -> None:
    """Assert that `ranks` is the complete Pareto ranking of `F`.

    The Pareto ranking is the unique assignment with
    ``rank[j] == 1 + max(rank[i] for i dominating j)`` (and 0 when nothing
    dominates j): a point of rank r is dominated by some point of rank r - 1
    and by none of rank >= r. Checking this identity for every point is a
    complete O(n^2 m) test that needs no sorting algorithm.

    Parameters
    ----------
    F : array_like, shape (n, m)
    ranks : array_like of int, shape (n,)

    Raises
    ------
    AssertionError
        Naming the first point whose rank breaks the identity.
    """
    ranks = np.asarray(ranks, dtype=np.int64)
    D = dominance_matrix(F)
    best_dominator = np.where(D, ranks[:, None], -1).max(axis=0, initial=-1)
    bad = np.flatnonzero(ranks != best_dominator + 1)
    if bad.size:
        j = int(bad[0])
        raise AssertionError(
            f"point {j} has rank {int(ranks[j])} but the highest rank among its dominators is "
            f"{int(best_dominator[j])} ({bad.size} points wrong)"
        )


def check_ranks_at(F, ranks, rows) -> None:
    """Assert the rank identity of :func:`check_ranks` at the given rows only.

    O(len(rows) n m): a spot check for inputs too large for the full one.
    `ranks` must be complete (no -1).

    Parameters
    ----------
    F : array_like, shape (n, m)
    ranks : array_like of int, shape (n,)
    rows : iterable of int

    Raises
    ------
    AssertionError
        Naming the first checked point whose rank is wrong.
    """
    arr = as_matrix(F)
    ranks = np.asarray(ranks, dtype=np.int64)
    for j in rows:
        p = arr[j]
        dominators = np.all(arr <= p, axis=1) & np.any(arr < p, axis=1)
        expected = int(ranks[dominators].max(initial=-1)) + 1
        if ranks[j] != expected:
            raise AssertionError(f"point {j} has rank {int(ranks[j])}, expected {expected}")


# ----------------------------------------------------------------------------
# Crowding distance
# ----------------------------------------------------------------------------


def crowding_distance(F, ranks=None) -> np.ndarray:
    """NSGA-II crowding distance exactly as documented in ``evonas.pareto``.

    For every front (the points sharing a rank), in order:

    * Among identical points (compared by value, so -0.0 equals 0.0) only the
      lowest index is kept; the later copies get 0.
    * If at most two distinct points remain they all get +inf.
    * Otherwise, for every objective, the kept points are sorted by value with
      ties broken by index. The first and last get +inf. If the objective's
      range in the front (max - min) is infinite, the others get 0; if it is
      zero (every kept point has the same value; undocumented, 0/0 taken as
      0), the others get 0; else each other point gets
      ``(value of next - value of previous) / range``.
    * A point's distance is the sum over objectives.

    Parameters
    ----------
    F : array_like, shape (n, m)
    ranks : array_like of int, shape (n,), optional
        Front of every point; the Pareto ranks of `F` when omitted.

    Returns
    -------
    numpy.ndarray of float64, shape (n,)
    """
    arr = as_matrix(F)
    n, m = arr.shape
    ranks = non_dominated_sort(arr) if ranks is None else np.asarray(ranks)
    out = np.zeros(n)
    for r in np.unique(ranks):
        kept: list[int] = []
        seen: set[tuple[float, ...]] = set()
        for i in np.flatnonzero(ranks == r).tolist():  # ascending index
            key = tuple(arr[i].tolist())  # tuple equality and hash treat -0.0 == 0.0
            if key in seen:
                out[i] = 0.0
                continue
            seen.add(key)
            kept.append(i)
        if len(kept) <= 2:
            out[kept] = np.inf
            continue
        distance = {i: 0.0 for i in kept}
        for j in range(m):
            order = sorted(kept, key=lambda i: (arr[i, j], i))
            lo, hi = arr[order[0], j], arr[order[-1], j]
            distance[order[0]] = math.inf
            distance[order[-1]] = math.inf
            if lo == hi or math.isinf(hi - lo):
                continue
            span = hi - lo
            for t in range(1, len(order) - 1):
                gap = arr[order[t + 1], j] - arr[order[t - 1], j]
                distance[order[t]] += gap / span
        for i in kept:
            out[i] = distance[i]
    return out


# ----------------------------------------------------------------------------
# Truncation by iterated removal
# ----------------------------------------------------------------------------


def _removal_measure(arr: np.ndarray, alive: list[int], truncation: str) -> dict[int, float]:
    """The measure of every alive row, computed from scratch (see prune_front)."""
    m = arr.shape[1]
    out: dict[int, float] = {}
    kept: list[int] = []
    seen: set[tuple[float, ...]] = set()
    for i in alive:  # ascending index
        key = tuple(arr[i].tolist())
        if key in seen:
            out[i] = 0.0
            continue
        seen.add(key)
        kept.append(i)
    if not kept:
        return out
    if truncation == "pruning":
        distance = crowding_distance(arr[kept], np.zeros(len(kept), dtype=np.int64))
        out.update(zip(kept, distance.tolist()))
        return out
    extreme: set[int] = set()
    z = {i: [0.0] * m for i in kept}
    for j in range(m):
        order = sorted(kept, key=lambda i: (arr[i, j], i))
        extreme.update((order[0], order[-1]))
        lo, hi = arr[order[0], j], arr[order[-1], j]
        if lo == hi or math.isinf(hi - lo):
            continue
        for i in kept:
            z[i][j] = (arr[i, j] - lo) / (hi - lo)
    for i in kept:
        if i in extreme or len(kept) <= m:
            out[i] = math.inf
            continue
        distances = []
        for q in kept:
            if q == i:
                continue
            s = 0.0
            for j in range(m):
                d = z[i][j] - z[q][j]
                s += d * d  # not d ** 2: libm's pow can round differently
            distances.append(math.sqrt(s))
        product = 1.0
        for d in sorted(distances)[:m]:
            product *= d
        out[i] = product
    return out


def prune_front(F, n_keep: int, truncation: str) -> tuple[np.ndarray, np.ndarray]:
    """Iterated removal as documented for ``prune_front`` in survival.hpp.

    While more than `n_keep` rows are left, the measure of every row left is
    computed from scratch and the row with the smallest goes (ties: the
    highest index). Identical rows: all but the lowest index measure 0, the
    lowest is measured without them. "pruning": crowding distance (as
    crowding_distance, one front). "neighbours": +inf for the first and last
    row of every objective's (value, index) order and for every row while at
    most m distinct rows are left; otherwise the product of the m smallest
    Euclidean distances to the other distinct rows, each objective scaled by
    (value - min) / (max - min) (0 where that span is 0 or infinite).

    Returns
    -------
    kept : numpy.ndarray of int64
        The surviving rows, ascending.
    measure : numpy.ndarray of float64
        Each survivor's measure among the survivors.
    """
    arr = as_matrix(F)
    alive = list(range(arr.shape[0]))
    while len(alive) > n_keep:
        measure = _removal_measure(arr, alive, truncation)
        alive.remove(min(alive, key=lambda i: (measure[i], -i)))
    measure = _removal_measure(arr, alive, truncation)
    return np.array(alive, dtype=np.int64), np.array([measure[i] for i in alive], dtype=np.float64)


# ----------------------------------------------------------------------------
# Hypervolume
# ----------------------------------------------------------------------------


def _oriented(F, ref, maximize: bool) -> tuple[np.ndarray, np.ndarray]:
    arr = as_matrix(F)
    ref_arr = np.array(ref, dtype=np.float64).reshape(-1)
    if arr.shape[1] != ref_arr.shape[0]:
        raise ValueError("ref must have one value per objective")
    if maximize:
        arr, ref_arr = -arr, -ref_arr
    return arr, ref_arr


def inside_ref(F, ref, maximize: bool = False) -> np.ndarray:
    """Mask of the points that strictly dominate `ref` in every objective.

    Only these points add hypervolume; the others (on or beyond the reference
    box's boundary, or at +inf) contribute nothing.

    Parameters
    ----------
    F : array_like, shape (n, m)
    ref : array_like, shape (m,)
    maximize : bool

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
    """
    arr, ref_arr = _oriented(F, ref, maximize)
    return np.all(arr < ref_arr, axis=1)


def hypervolume_inclusion_exclusion(F, ref, maximize: bool = False) -> float:
    """Exact hypervolume by inclusion-exclusion over all subsets of points.

    ``HV = sum over non-empty S of (-1)^(|S|+1) prod_j (ref_j - max_{i in S} p_ij)``
    over the points that strictly dominate `ref`. Exponential: at most 20
    such points.

    Parameters
    ----------
    F : array_like, shape (n, m)
    ref : array_like, shape (m,)
    maximize : bool
        Negate `F` and `ref` first.

    Returns
    -------
    float
    """
    arr, ref_arr = _oriented(F, ref, maximize)
    P = arr[np.all(arr < ref_arr, axis=1)]
    k, m = P.shape
    if k == 0:
        return 0.0
    if k > 20:
        raise ValueError(f"inclusion-exclusion over {k} points is too slow")
    # worst[s] = component-wise max over the subset with bit mask s;
    # odd[s] = whether s has an odd number of bits.
    worst = np.empty((2**k, m))
    worst[0] = -np.inf
    odd = np.zeros(2**k, dtype=bool)
    for b in range(k):
        worst[2**b : 2 ** (b + 1)] = np.maximum(worst[: 2**b], P[b])
        odd[2**b : 2 ** (b + 1)] = ~odd[: 2**b]
    volumes = np.prod(ref_arr - worst[1:], axis=1)
    return math.fsum(np.where(odd[1:], volumes, -volumes).tolist())


def hypervolume_grid(F, ref, maximize: bool = False, max_cells: int = 20_000_000) -> float:
    """Exact hypervolume by coordinate compression onto a dense grid.

    The distinct coordinates of the points (and `ref`) in the first m - 1
    objectives cut the reference box into cells. Every point of a cell is
    dominated by exactly the points whose first m - 1 coordinates are <= the
    cell's lower corner, so over the cell the dominated region reaches from
    the lowest last coordinate among those points up to ``ref[-1]``. A
    prefix-minimum along every grid axis gives that lowest coordinate for all
    cells at once; the hypervolume is the sum of cell area x height.

    Parameters
    ----------
    F : array_like, shape (n, m)
    ref : array_like, shape (m,)
    maximize : bool
        Negate `F` and `ref` first.
    max_cells : int
        Refuse grids larger than this.

    Returns
    -------
    float
    """
    arr, ref_arr = _oriented(F, ref, maximize)
    P = arr[np.all(arr < ref_arr, axis=1)]
    k, m = P.shape
    if k == 0:
        return 0.0
    if m == 1:
        return float(ref_arr[0] - P[:, 0].min())
    edges = [np.unique(np.append(P[:, j], ref_arr[j])) for j in range(m - 1)]
    widths = [np.diff(e) for e in edges]
    shape = tuple(w.size for w in widths)
    if math.prod(shape) > max_cells:
        raise ValueError(f"grid of {math.prod(shape)} cells is too large")
    lowest = np.full(shape, ref_arr[m - 1])
    cell_of_point = tuple(np.searchsorted(edges[j], P[:, j]) for j in range(m - 1))
    np.minimum.at(lowest, cell_of_point, P[:, m - 1])
    for axis in range(m - 1):
        lowest = np.minimum.accumulate(lowest, axis=axis)
    area = functools.reduce(np.multiply.outer, widths)
    return float(np.sum(area * (ref_arr[m - 1] - lowest)))


def hv_contributions(F, ref, maximize: bool = False, hv=hypervolume_grid) -> np.ndarray:
    """Exclusive contribution of every point: ``HV(all) - HV(all but i)``.

    Parameters
    ----------
    F : array_like, shape (n, m)
    ref : array_like, shape (m,)
    maximize : bool
    hv : callable
        Exact hypervolume ``hv(F, ref, maximize)`` to use.

    Returns
    -------
    numpy.ndarray of float64, shape (n,)
        Subject to the cancellation error of the subtraction (about the
        rounding error of ``HV(all)``).
    """
    arr = as_matrix(F)
    total = hv(arr, ref, maximize)
    return np.array([total - hv(np.delete(arr, i, axis=0), ref, maximize) for i in range(arr.shape[0])])


def has_positive_contribution(F, ref, maximize: bool = False) -> np.ndarray:
    """Mask of the points whose exclusive contribution is strictly positive.

    A point owns volume alone exactly when it strictly dominates `ref`, no
    other point weakly dominates it (``q <= p`` component-wise), and it has no
    identical copy: the small box just above the point is then covered by it
    alone, while otherwise its whole box is covered by the other point.

    Parameters
    ----------
    F : array_like, shape (n, m)
    ref : array_like, shape (m,)
    maximize : bool

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
    """
    arr, ref_arr = _oriented(F, ref, maximize)
    n = arr.shape[0]
    inside = np.all(arr < ref_arr, axis=1)
    rows = arr.tolist()
    covered = [any(k != i and all(a <= b for a, b in zip(rows[k], rows[i])) for k in range(n)) for i in range(n)]
    return inside & ~np.array(covered, dtype=bool)


def mc_box_volume(F, ref, maximize: bool = False) -> float:
    """Volume of the Monte-Carlo sampling box: between the ideal point of the
    points that strictly dominate `ref`, and `ref`.

    Parameters
    ----------
    F : array_like, shape (n, m)
    ref : array_like, shape (m,)
    maximize : bool

    Returns
    -------
    float
        0.0 when no point strictly dominates `ref`.
    """
    arr, ref_arr = _oriented(F, ref, maximize)
    P = arr[np.all(arr < ref_arr, axis=1)]
    if P.shape[0] == 0:
        return 0.0
    return float(np.prod(ref_arr - P.min(axis=0)))


def tournament_without_replacement(fitness, n_select: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Winners of `n_select` k-way tournaments on `fitness` (minimised), the
    competitors being random permutations of the population laid end to end,
    `k` per tournament; ties go to the competitor drawn first.

    Parameters
    ----------
    fitness : array_like, shape (n,)
    n_select : int
    k : int
    rng : numpy.random.Generator
        Source of the permutations (the native kernel uses its own streams:
        compare distributions, not draws).

    Returns
    -------
    numpy.ndarray of int, shape (n_select,)
    """
    fit = np.asarray(fitness, dtype=float)
    n = fit.shape[0]
    need = n_select * k
    drawn = np.concatenate([rng.permutation(n) for _ in range(-(-need // n))])[:need]
    winners = []
    for t in range(n_select):
        best = drawn[t * k]
        for c in drawn[t * k + 1 : t * k + k]:
            if fit[c] < fit[best]:
                best = c
        winners.append(best)
    return np.array(winners, dtype=np.int64)


def nearest_distances(queries, sites, kind: str) -> np.ndarray:
    """Brute force: for each query row, the distance to the nearest site.

    `kind`: "euclidean" ||q - s||, "excess" ||max(s - q, 0)|| (IGD+), "deficit"
    ||max(q - s, 0)|| (GD+). Squares are summed objective by objective, in
    order, as the native kernel does.
    """
    q = np.asarray(queries, dtype=float)[:, None, :]
    s = np.asarray(sites, dtype=float)[None, :, :]
    diff = {"euclidean": q - s, "excess": np.maximum(s - q, 0.0), "deficit": np.maximum(q - s, 0.0)}[kind]
    total = np.zeros(diff.shape[:2])
    for k in range(diff.shape[2]):
        total = total + diff[:, :, k] * diff[:, :, k]
    return np.sqrt(total.min(axis=1))


def distance_indicator(name: str, F, ref_front, maximize: bool = False) -> float:
    """GD, GD+, IGD or IGD+ by brute force (see evonas.distances)."""
    a, z = np.asarray(F, dtype=float), np.asarray(ref_front, dtype=float)
    if maximize:
        a, z = -a, -z
    queries, sites, kind = {
        "gd": (a, z, "euclidean"),
        "gd_plus": (a, z, "deficit"),
        "igd": (z, a, "euclidean"),
        "igd_plus": (z, a, "excess"),
    }[name]
    return float(np.mean(nearest_distances(queries, sites, kind)))
