"""NSGA-III (Deb and Jain 2014) with an ask/tell interface.

Survival, step by step (each step a function here, tested on its own):

1. Deb's constrained domination: feasible rows first, ranked by an
   early-stopped non-dominated sort (native); infeasible rows after them by
   total violation; failed evaluations (NaN, or any infinite objective) last.
2. :func:`extreme_points` and :func:`nadir_point`: the normalisation. The
   ideal point is the best value seen over the run; the extreme points
   minimise an achievement scalarising function; the nadir comes from the
   hyperplane through them, with fallbacks when it is degenerate.
3. :func:`associate`: each member to the reference line nearest to it
   (perpendicular distance, in normalised objectives).
4. :func:`niching`: the last front that fits only in part fills the least
   crowded niches first.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from array_api_compat import array_namespace, device

from .. import _core, _device
from .._validation import _numeric_array
from ..pareto import _non_dominated_sort_on
from ..operators import SBX
from ..problems.base import Problem
from ..space import Space
from .genetic import GeneticAlgorithm

__all__ = [
    "DirectedAlgorithm",
    "NSGA3",
    "Normalisation",
    "Survival",
    "as_ref_dirs",
    "associate",
    "extreme_points",
    "nadir_point",
    "niching",
    "survive",
]

#: Weight of the off-axis objectives in the achievement scalarising function.
_ASF_OFF_AXIS = 1e-6
#: Intercepts at or below this (relative to the ideal point) make the hyperplane unusable.
_MIN_INTERCEPT = 1e-6
#: Largest (members x directions) block of projections held at once by :func:`associate`:
#: small enough to stay in cache (and to keep BLAS on one thread, which is faster here).
_BLOCK = 1 << 16
#: Part of every survival random-stream key, so that the streams differ from
#: the native operators' streams keyed by the same (seed, generation).
_STREAM_TAG = 0x4E534741_0003


class Normalisation(NamedTuple):
    """What NSGA-III's normalisation carries from one generation to the next.

    Attributes
    ----------
    ideal : numpy.ndarray, shape (m,)
        Best value of each objective over the run (feasible members).
    worst : numpy.ndarray, shape (m,)
        Worst value of each objective over the run; caps the nadir point.
    extreme : numpy.ndarray, shape (m, m)
        Row j: the extreme point of objective j.
    nadir : numpy.ndarray, shape (m,)
        The current nadir estimate; objectives are normalised to
        ``(F - ideal) / (nadir - ideal)``.
    """

    ideal: np.ndarray
    worst: np.ndarray
    extreme: np.ndarray
    nadir: np.ndarray


class Survival(NamedTuple):
    """The result of :func:`survive`; per-member arrays follow `keep`."""

    keep: np.ndarray
    rank: np.ndarray
    niche: np.ndarray
    distance: np.ndarray
    normalisation: Normalisation | None


def as_ref_dirs(ref_dirs: Any, name: str = "ref_dirs") -> np.ndarray:
    """`ref_dirs` as a C-contiguous float64 (n_dirs, n_obj) matrix of usable directions.

    Rows need not sum to 1 (only the direction matters), but must be finite,
    non-negative and not all zero.
    """
    arr = _numeric_array(ref_dirs, name)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] < 2:
        raise ValueError(
            f"'{name}' must be a 2-D array of shape (n_directions >= 1, n_objectives >= 2), e.g. das_dennis(3, 12),"
            f" but it has shape {arr.shape}"
        )
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"'{name}' must be finite, but row {int(np.argwhere(~np.isfinite(arr))[0, 0])} is not")
    if (arr < 0).any():
        raise ValueError(f"'{name}' must be non-negative, but row {int(np.argwhere(arr < 0)[0, 0])} is not")
    zero = ~(arr > 0).any(axis=1)
    if zero.any():
        raise ValueError(f"'{name}' rows must not be all zero (no direction), but row {int(np.argmax(zero))} is")
    return arr


def extreme_points(F: Any, ideal: np.ndarray, previous: np.ndarray | None = None) -> np.ndarray:
    """The extreme point of each objective among `F` and the `previous` ones.

    Row j minimises the achievement scalarising function
    ``max_i (F_i - ideal_i) / w_i`` with ``w_j = 1`` and ``w_i = 1e-6``
    off-axis: the point closest to objective j's axis. The previous extreme
    points are candidates too (listed first, so they win ties) and are never
    lost to a worse front.

    Parameters
    ----------
    F : array, shape (n, m), n >= 1
        Candidates (NSGA-III uses the first front); numpy, or a device array.
    ideal : numpy.ndarray, shape (m,)
    previous : numpy.ndarray, shape (m, m), optional

    Returns
    -------
    numpy.ndarray, shape (m, m)
        On the host, whatever `F`'s array type.
    """
    xp = array_namespace(F)
    where = device(F)
    if previous is not None:
        F = xp.concat([xp.asarray(previous, device=where), F], axis=0)
    shifted = F - xp.asarray(ideal, device=where)
    m = F.shape[1]
    weights = xp.asarray(np.where(np.eye(m, dtype=bool), 1.0, _ASF_OFF_AXIS), device=where)  # row j: axis j's
    with np.errstate(over="ignore"):  # values near the float limit: +inf ranks them last, as it should
        asf = xp.max(shifted[None, :, :] / weights[:, None, :], axis=2)  # (m, n)
    return _host(xp.take(F, xp.argmin(asf, axis=1), axis=0))


def nadir_point(
    extreme: np.ndarray,
    ideal: np.ndarray,
    worst: np.ndarray,
    worst_of_front: np.ndarray,
    worst_of_population: np.ndarray,
) -> np.ndarray:
    """The nadir estimate: the intercepts of the hyperplane through the extreme points.

    The hyperplane is unusable when it is (nearly) singular, or when an
    intercept is not above ``ideal + 1e-6``; the worst point of the first
    front stands in for it then. A usable one is capped at `worst` (the
    worst value seen over the run). Any objective whose range
    ``nadir - ideal`` is still at most 1e-6 takes the worst of the population.

    Parameters
    ----------
    extreme : numpy.ndarray, shape (m, m)
    ideal, worst, worst_of_front, worst_of_population : numpy.ndarray, shape (m,)

    Returns
    -------
    numpy.ndarray, shape (m,)
    """
    M = extreme - ideal
    ones = np.ones(M.shape[0])
    nadir = None
    try:
        plane = np.linalg.solve(M, ones)
    except np.linalg.LinAlgError:  # exactly singular: two extreme points coincide or align
        plane = None
    if plane is not None and np.isfinite(plane).all() and np.allclose(M @ plane, ones) and (plane > 0).all():
        with np.errstate(over="ignore"):  # a subnormal coefficient: an infinite intercept, capped below
            intercepts = 1.0 / plane
        if (intercepts > _MIN_INTERCEPT).all():
            nadir = np.minimum(ideal + intercepts, worst)
    if nadir is None:
        nadir = worst_of_front.copy()
    flat = nadir - ideal <= _MIN_INTERCEPT
    nadir[flat] = worst_of_population[flat]
    return nadir


def associate(F: Any, ref_dirs: np.ndarray, ideal: np.ndarray, nadir: np.ndarray) -> tuple[Any, Any]:
    """The nearest reference line of each row of `F`, and the distance to it.

    Rows are normalised, ``(F - ideal) / (nadir - ideal)`` (a zero range
    counts as 1e-12), and measured against the lines from the origin through
    each reference direction: the perpendicular distance is smallest for the
    line with the largest projection. Memory stays bounded by working on
    blocks of rows.

    Parameters
    ----------
    F : array, shape (n, m)
        With every row at or above `ideal`; numpy, or a device array.
    ref_dirs : numpy.ndarray, shape (r, m)
    ideal, nadir : numpy.ndarray, shape (m,)

    Returns
    -------
    niche : array of int64, shape (n,)
        Index of the nearest direction (the first one on ties), next to `F`.
    distance : array of float64, shape (n,)
        Perpendicular distance to it, in normalised objectives.
    """
    xp = array_namespace(F)
    where = device(F)
    scale = nadir - ideal
    scale = np.where(scale == 0, 1e-12, scale)
    N = (F - xp.asarray(ideal, device=where)) / xp.asarray(scale, device=where)
    U = ref_dirs / np.linalg.norm(ref_dirs, axis=1, keepdims=True)
    U = xp.asarray(U, device=where)
    rows = max(1, _BLOCK // U.shape[0])
    blocks = [xp.argmax(N[start : start + rows] @ U.T, axis=1) for start in range(0, N.shape[0], rows)]
    niche = xp.astype(xp.concat(blocks) if blocks else xp.zeros(0, device=where), xp.int64)
    # The distance from the residual, not from |N|^2 - p^2 (which cancels near the line).
    Un = xp.take(U, niche, axis=0)
    along = xp.sum(N * Un, axis=1)
    distance = xp.sqrt(xp.sum((N - along[:, None] * Un) ** 2, axis=1))
    return niche, distance


def niching(
    niche: np.ndarray,
    distance: np.ndarray,
    niche_count: np.ndarray,
    n_select: int,
    member_key: np.ndarray,
    niche_key: np.ndarray,
) -> np.ndarray:
    """Pick `n_select` members of the last front, least crowded niches first.

    Deb and Jain's loop (repeatedly: the niche with the fewest members among
    those that still have candidates, ties at random; from a niche with none
    yet its closest candidate, otherwise a random one) in closed form. Its
    outcome is a water level: every niche is filled up to a level L (or until
    its candidates run out), and the picks left over go to niches at exactly
    L that still have candidates. L is found by bisection; the random
    choices are fixed by the keys: leftover picks go to the niches with the
    smallest `niche_key`, and a niche takes its candidates in increasing
    `member_key` (after its closest one, by distance then key, if it was
    empty).

    Parameters
    ----------
    niche, distance : numpy.ndarray, shape (k,)
        Niche and distance of each candidate (the last front).
    niche_count : numpy.ndarray of int, shape (r,)
        Members of each niche from the fronts that survive whole.
    n_select : int
        0 <= n_select <= k.
    member_key : numpy.ndarray, shape (k,)
    niche_key : numpy.ndarray, shape (r,)
        Random tie-break keys, e.g. uniform draws.

    Returns
    -------
    numpy.ndarray of int64
        Sorted indices of the picked candidates.
    """
    k = niche.shape[0]
    if n_select >= k:
        return np.arange(k, dtype=np.int64)
    count = niche_count.astype(np.int64)
    have = np.bincount(niche, minlength=count.shape[0])

    def taken(level: int) -> np.ndarray:
        return np.minimum(have, np.maximum(level - count, 0))

    open_ = have > 0
    lo, hi = int(count[open_].min()), int((count + have)[open_].max())  # taken(lo) = 0, taken(hi) = k
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if taken(mid).sum() <= n_select:
            lo = mid
        else:
            hi = mid
    take = taken(lo)
    ties = np.flatnonzero((have > take) & (count + take == lo))
    extra = n_select - int(take.sum())
    take[ties[np.argsort(niche_key[ties], kind="stable")[:extra]]] += 1
    # Each niche's queue: its closest candidate first if the niche is empty, then by key.
    by_distance = np.lexsort((member_key, distance, niche))
    first = np.r_[True, niche[by_distance][1:] != niche[by_distance][:-1]]
    head = np.zeros(k, dtype=bool)
    closest = by_distance[first]
    head[closest] = count[niche[closest]] == 0
    queue = np.lexsort((member_key, ~head, niche))
    in_order = niche[queue]
    position = np.arange(k) - np.searchsorted(in_order, in_order)
    return np.sort(queue[position < take[in_order]])


def survive(
    F: Any,
    cv: Any,
    n_survive: int,
    ref_dirs: np.ndarray,
    normalisation: Normalisation | None,
    rng: np.random.Generator,
    n_threads: int = 0,
    *,
    backend: _device.Backend | None = None,
) -> Survival:
    """NSGA-III survival of `n_survive` rows of `F` (see the module docstring).

    Parameters
    ----------
    F : array of float64, shape (n, m)
        numpy, or with `backend` an array in its memory.
    cv : array of float64, shape (n,)
        Total violation; +inf (or NaN) marks a failed evaluation.
    n_survive : int
    ref_dirs : numpy.ndarray, shape (r, m)
    normalisation : Normalisation or None
        The previous generation's state (None at the start of a run).
    rng : numpy.random.Generator
        Source of the tie-breaks: when the last front is split, draws
        ``member_key = rng.random(k)`` for its k members, then
        ``niche_key = rng.random(r)``; nothing otherwise.
    n_threads : int, default 0
        Threads for the sort; 0 uses every core.
    backend : Backend, optional
        The device that holds `F` and `cv` (the CUDA path): the sort, the
        normalisation's reductions and the association run there; the
        normalisation's m x m algebra and the niching of the split front
        (its niches and distances, O(front) values) run on the host.

    Returns
    -------
    Survival
        `keep` ascending; `rank` (infeasible survivors share the rank after
        the last feasible front), `niche` and `distance` (-1 and +inf for
        infeasible survivors) per survivor, arrays next to `F`; the updated
        normalisation (the previous one when no row is feasible; on the host).
    """
    xp = array_namespace(F, cv)
    where = device(F)
    n = F.shape[0]
    n_keep = min(n_survive, n)
    failed = xp.isnan(cv) | ~xp.all(xp.isfinite(F), axis=1)
    violation = xp.where(failed, xp.asarray(xp.inf, dtype=cv.dtype, device=where), cv)
    feasible = xp.nonzero(violation <= 0)[0]
    rank = xp.full(n, -1, dtype=xp.int32, device=where)
    niche = xp.full(n, -1, dtype=xp.int64, device=where)
    distance = xp.full(n, xp.inf, dtype=xp.float64, device=where)
    chosen = xp.zeros(0, dtype=xp.int64, device=where)
    n_fronts = 0
    if feasible.shape[0] and n_keep:
        Ff = xp.take(F, feasible, axis=0)
        n_stop = min(n_keep, int(feasible.shape[0]))
        if backend is None:
            fr = _core.non_dominated_sort(Ff, n_stop, n_threads)
        else:
            fr = _non_dominated_sort_on(backend, Ff, n_stop)
        ideal, worst = _host(xp.min(Ff, axis=0)), _host(xp.max(Ff, axis=0))
        if normalisation is not None:
            ideal = np.minimum(ideal, normalisation.ideal)
            worst = np.maximum(worst, normalisation.worst)
        front = Ff[fr == 0]
        extreme = extreme_points(front, ideal, None if normalisation is None else normalisation.extreme)
        nadir = nadir_point(extreme, ideal, worst, _host(xp.max(front, axis=0)), _host(xp.max(Ff, axis=0)))
        normalisation = Normalisation(ideal, worst, extreme, nadir)
        ranked = xp.nonzero(fr >= 0)[0]
        fr_ranked = xp.take(fr, ranked)
        nch, dist = associate(xp.take(Ff, ranked, axis=0), ref_dirs, ideal, nadir)
        n_fronts = int(xp.max(fr_ranked)) + 1
        if ranked.shape[0] > n_keep:
            whole = fr_ranked < n_fronts - 1
            last = xp.nonzero(~whole)[0]
            r = ref_dirs.shape[0]
            # Members per niche of the whole fronts, on the device: a sort and r + 1 searches.
            bounds = xp.searchsorted(xp.sort(nch[whole]), xp.arange(r + 1, dtype=xp.int64, device=where))
            count = _host(bounds[1:] - bounds[:-1])
            member_key = rng.random(int(last.shape[0]))
            niche_key = rng.random(r)
            picked = niching(
                _host(xp.take(nch, last)), _host(xp.take(dist, last)), count,
                n_keep - int(xp.sum(xp.astype(whole, xp.int64))), member_key, niche_key,
            )
            whole[xp.take(last, xp.asarray(picked, device=where))] = True
            ranked, fr_ranked, nch, dist = ranked[whole], fr_ranked[whole], nch[whole], dist[whole]
        chosen = xp.take(feasible, ranked)
        rank[chosen], niche[chosen], distance[chosen] = fr_ranked, nch, dist
    n_fill = n_keep - int(chosen.shape[0])
    if n_fill > 0:
        others = xp.nonzero(violation > 0)[0]
        fill = xp.take(others, xp.argsort(xp.take(violation, others), stable=True)[:n_fill])
        rank[fill] = n_fronts
        chosen = xp.concat([chosen, fill])
    keep = xp.sort(chosen)
    return Survival(keep, xp.take(rank, keep), xp.take(niche, keep), xp.take(distance, keep), normalisation)


def _host(x: Any) -> np.ndarray:
    """A numpy copy of a small host or device array (the normalisation's vectors)."""
    return np.array(_device.to_host(x))


class DirectedAlgorithm(GeneticAlgorithm):
    """A genetic algorithm guided by reference directions, one column per objective (`ref_dirs`)."""

    ref_dirs: np.ndarray

    def setup(self, problem: Problem | Space, /, *, seed: int | None = None, n_threads: int | None = None) -> Any:
        """Prepare a fresh run; see :meth:`Algorithm.setup`.

        Raises
        ------
        ValueError
            If the problem's number of objectives differs from the reference
            directions'. With a bare Space, `tell` then expects that many.
        """
        m = self.ref_dirs.shape[1]
        if isinstance(problem, Problem) and problem.n_obj != m:
            raise ValueError(f"the problem has {problem.n_obj} objectives but 'ref_dirs' has {m} columns")
        super().setup(problem, seed=seed, n_threads=n_threads)
        self.n_obj = m
        return self


class NSGA3(DirectedAlgorithm):
    """Reference-point based NSGA-III for many objectives, with Deb's constraint handling.

    Like :class:`~evonas.algorithms.NSGA2`, but the last front that fits only
    in part is truncated by niching around reference directions instead of
    by crowding distance, which keeps the population spread over the whole
    front for three or more objectives (Deb and Jain 2014; Jain and Deb 2014
    for the constraint handling).

    Parameters
    ----------
    ref_dirs : array_like, shape (n_directions, n_obj)
        Reference directions, e.g. ``das_dennis(3, 12)`` (91 directions).
        Non-negative, finite, no all-zero row; only each row's direction
        matters.
    pop_size : int, optional
        Default: the number of directions rounded up to a multiple of 4
        (92 for 91 directions), as in Deb and Jain. Must be at least the
        number of directions: with fewer members than directions, whole
        regions of the front would be dropped by design (use fewer
        partitions instead).
    crossover : SBX or UniformCrossover, optional
        Default ``SBX(eta=30, prob=1.0)``, Deb and Jain's setting: children
        nearer their parents than NSGA-II's ``SBX(eta=15, prob=0.9)``.
    sampling, selection, mutation, variation, eliminate_duplicates, n_offsprings, device
        As in :class:`~evonas.algorithms.genetic.GeneticAlgorithm`; keyword-only.
        The tournament compares constraint violation only (Jain and Deb's
        constrained NSGA-III): a feasible member beats an infeasible one, less
        violation beats more, and between feasible members the winner is
        random (NSGA-III puts no pressure on rank; survival does all the
        selecting). With ``device="cuda"`` the population stays on the
        GPU; survival copies the split front's niches and distances (and
        the m x m normalisation) to the host for the niching.

    Attributes
    ----------
    X, F, G, cv : numpy.ndarray or device array
        The population (None before the first tell).
    rank, niche, distance : numpy.ndarray or device array
        Per member: Pareto rank, nearest reference direction and the
        perpendicular distance to it (-1 and +inf for infeasible members).
    normalisation : Normalisation or None
        Ideal, worst, extreme and nadir points carried between generations.

    Notes
    -----
    Rows with an infinite objective are treated as failed evaluations, like
    NaN: the normalisation needs finite values. Tie-breaks come from a Philox
    generator keyed by (seed, generation), so a run is reproducible and
    resumes bit-identically from a pickle. Survival costs one native
    early-stopped sort, O(n r m) for the association (in blocks) and
    O(n log n + r log n) for the niching.
    """

    _survives_on_device = True

    def __init__(self, ref_dirs: Any, /, pop_size: int | None = None, **options: Any) -> None:
        self.ref_dirs = as_ref_dirs(ref_dirs)
        n_dirs = self.ref_dirs.shape[0]
        if pop_size is None:
            pop_size = -(-n_dirs // 4) * 4
        if options.get("variation") is None and options.get("crossover") is None:
            options["crossover"] = SBX(eta=30, prob=1.0)
        super().__init__(pop_size, **options)
        if self.pop_size < n_dirs:
            raise ValueError(
                f"'pop_size' must be at least the number of reference directions ({n_dirs}), but it is"
                f" {self.pop_size}; leave it out for {-(-n_dirs // 4) * 4}"
            )

    def __repr__(self) -> str:
        return f"NSGA3(n_ref_dirs={self.ref_dirs.shape[0]}, pop_size={self.pop_size}, n_gen={self.n_gen})"

    def _reset(self) -> None:
        super()._reset()
        self.rank: np.ndarray | None = None
        self.niche: np.ndarray | None = None
        self.distance: np.ndarray | None = None
        self.normalisation: Normalisation | None = None

    def _survive(self, F: np.ndarray, cv: np.ndarray) -> np.ndarray:
        assert self.seed is not None
        rng = np.random.Generator(np.random.Philox(np.random.SeedSequence([self.seed, self.n_gen, _STREAM_TAG])))
        backend = self._where.backend
        out = survive(F, cv, self.pop_size, self.ref_dirs, self.normalisation, rng, self.n_threads, backend=backend)
        self.rank, self.niche, self.distance, self.normalisation = out.rank, out.niche, out.distance, out.normalisation
        return out.keep

    def _selection_criteria(self) -> dict[str, np.ndarray | None]:
        assert self.F is not None and self.cv is not None
        # Infinite objectives count as failed here too (survival ranks them last).
        xp = array_namespace(self.F)
        where = device(self.cv)
        inf = xp.asarray(xp.inf, dtype=self.cv.dtype, device=where)
        # Equal fitness: between feasible members the first drawn, a random one, wins.
        tie = xp.zeros(self.cv.shape[0], dtype=xp.float64, device=where)
        return {"fitness": tie, "cv": xp.where(xp.all(xp.isfinite(self.F), axis=1), self.cv, inf)}
