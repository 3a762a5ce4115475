"""SMS-EMOA (Beume, Naujoks and Emmerich 2007) with an ask/tell interface.

Survival keeps whole Pareto fronts (Deb's constrained domination first) and
empties the front that does not fit one member at a time, always the member
with the smallest exclusive hypervolume contribution, recomputed after each
removal by the native ``hv_contributions`` kernel (exact greedy).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _core, _device
from .genetic import GeneticAlgorithm

__all__ = ["SMSEMOA"]

#: Contributions within this fraction of the reference box's volume of the
#: smallest one count as tied (then the lowest index goes): a rounding-level
#: difference between equal contributions must not decide who is removed.
_TIE_RTOL = 1e-12


def _scaled_front(F: np.ndarray, normalize: bool) -> tuple[np.ndarray, np.ndarray, float]:
    """The front in the space where contributions are measured, its reference
    point (worst finite value + 1 per objective) and the tie tolerance."""
    low, high = F.min(axis=0), F.max(axis=0)
    if np.isinf(high).any():  # +inf values: bounds over the finite ones
        finite = np.isfinite(F)
        low = np.where(finite, F, np.inf).min(axis=0)
        high = np.where(finite, F, -np.inf).max(axis=0)
        none = np.isinf(low)  # every value is +inf
        low[none] = high[none] = 0.0
    if normalize:
        spread = high > low
        F = (F - low) / np.where(spread, high - low, 1.0)
        ref = np.where(spread, 2.0, 1.0)  # the normalised worst value (1, or 0 without spread) + 1
        box = ref
    else:
        ref = high + 1.0
        box = ref - low
    tol = _TIE_RTOL * math.prod(box.tolist())
    return F, ref, tol if math.isfinite(tol) else 0.0


def _contributions(Z: np.ndarray, ref: np.ndarray, n_threads: int) -> np.ndarray:
    """Exclusive contributions; for two objectives the extremes get +inf.

    The two members of a 2-D front that minimise one objective each bound it:
    their contribution grows without limit with the reference point, so the
    paper keeps them whatever `ref` is. Only members that own volume (finite,
    inside the box, no identical copy) qualify: one of two copies of an
    extreme point can go at no loss.
    """
    c = _core.hv_contributions(Z, ref, n_threads)
    if Z.shape[1] == 2:
        owners = np.flatnonzero(c > 0)
        if owners.size:
            c[owners[np.argmin(Z[owners, 0])]] = np.inf
            c[owners[np.argmin(Z[owners, 1])]] = np.inf
    return c


def _drop(a: np.ndarray, i: int) -> np.ndarray:
    return np.concatenate((a[:i], a[i + 1 :]))  # np.delete costs ~5x more on small arrays


def _truncate(F: np.ndarray, n_keep: int, normalize: bool, n_threads: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (ascending) of the `n_keep` members of the front `F` that the
    greedy removal keeps, and their contributions when the last removal was
    decided (the removed member still counted)."""
    Z, ref, tol = _scaled_front(F, normalize)
    alive = np.arange(F.shape[0])
    while True:
        c = _contributions(Z, ref, n_threads)
        worst = int(np.argmax(c <= c.min() + tol))  # the first of the (near-)tied smallest
        alive, c, Z = _drop(alive, worst), _drop(c, worst), _drop(Z, worst)
        if alive.size == n_keep:
            return alive, c


def _survival(
    F: np.ndarray, cv: np.ndarray, n_survive: int, normalize: bool, n_threads: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SMS-EMOA survival: (indices ascending, rank, contribution) of the survivors.

    Feasible rows (``cv <= 0``) come first, by front; the first front that
    does not fit whole is truncated by :func:`_truncate`. Infeasible rows
    survive only when every feasible row does, by increasing `cv` (+inf, a
    failed evaluation, last; ties by index) and share the rank after the
    last feasible front. Contribution is NaN outside the truncated front.
    """
    n = F.shape[0]
    n_survive = min(n_survive, n)
    feasible = cv <= 0
    rank = np.full(n, -1, dtype=np.int32)  # -1: infeasible, unranked or removed
    n_feasible = int(np.count_nonzero(feasible))
    if n_feasible and n_survive:
        Ff = F if n_feasible == n else F[feasible]
        rank[feasible] = _core.non_dominated_sort(Ff, min(n_survive, n_feasible), n_threads)
    sizes = np.bincount(rank + 1)[1:]  # points per front
    filled = np.cumsum(sizes)
    k = int(np.searchsorted(filled, n_survive))  # the front that fills the population
    contribution = np.full(n, np.nan)
    if k < sizes.size and filled[k] > n_survive:
        last = np.flatnonzero(rank == k)
        alive, c = _truncate(F[last], n_survive - int(filled[k] - sizes[k]), normalize, n_threads)
        rank[last] = -1
        rank[last[alive]] = k
        contribution[last[alive]] = c
    keep = (rank >= 0) & (rank <= k)
    n_left = n_survive - int(np.count_nonzero(keep))
    if n_left > 0:
        infeasible = np.flatnonzero(~feasible)
        fill = infeasible[np.argsort(cv[infeasible], kind="stable")[:n_left]]
        rank[fill] = sizes.size
        keep[fill] = True
    idx = np.flatnonzero(keep)
    return idx, rank[idx], contribution[idx]


class SMSEMOA(GeneticAlgorithm):
    """S-metric selection EMOA: hypervolume-contribution survival, steady state by default.

    Generation 1 evaluates `pop_size` sampled genomes. Each later generation
    (one :meth:`ask`/:meth:`tell` round) makes `n_offsprings` children from
    parents picked by binary tournament and keeps `pop_size` of parents +
    children. The tournament prefers the lower constraint violation, then the
    lower Pareto rank, and draws lots on the remaining ties: pymoo's SMS-EMOA
    tournament compares Pareto dominance instead, which rank follows (a
    dominating member has the lower rank) at native speed. Survival:

    1. Deb's constrained domination: feasible rows first, by non-dominated
       front; infeasible rows only if every feasible one fits, by increasing
       total violation; failed evaluations (NaN, violation +inf) last.
    2. The first front that does not fit whole loses members one at a time,
       each time the one with the smallest exclusive hypervolume
       contribution, recomputed after every removal (the exact greedy; ties,
       up to rounding, go to the lowest index).

    The reference point is the front's worst value in each objective plus 1
    (the paper's choice), in the normalised space when `normalize`. With two
    objectives the two extreme members of the front are never removed
    (infinite contribution, as in the paper); a member with an infinite
    objective adds no volume and goes first.

    Parameters
    ----------
    pop_size : int, default 100
        Population size, >= 2.
    n_offsprings : int or None, default 1
        Children per generation. 1 is the steady-state algorithm of the
        paper: each child competes with the population at once, which gives
        the best hypervolume per evaluation; a round costs a few native
        calls on ~pop_size points, a fraction of a millisecond at
        pop_size=100, negligible next to any costly evaluation. Give a batch,
        e.g. the number of parallel workers, when evaluations run in
        parallel (architecture search), or for cheap test functions where
        the per-round overhead dominates; None gives `pop_size`, pymoo's
        default.
    normalize : bool, default True
        Measure contributions after scaling the truncated front to [0, 1] in
        every objective (its own minimum and maximum), so that objectives on
        different scales weigh alike; False uses the raw values.
    **options
        `sampling`, `selection`, `crossover`, `mutation`, `variation`,
        `eliminate_duplicates`, `device`, as in
        :class:`~evonas.algorithms.genetic.GeneticAlgorithm` (defaults:
        random sampling, binary tournament, ``SBX(eta=15, prob=0.9)``,
        ``PM(eta=20, prob=0.9)``, duplicates eliminated, the CPU). With
        ``device="cuda"`` the population and the variation stay on the
        GPU, but survival (the greedy truncation, a chain of small dependent
        steps) runs on a host copy of the objectives and violations every
        generation; the survivors' indices go back.

    Attributes
    ----------
    X, F, G, cv : numpy.ndarray or device array
        The population: genomes, objectives, constraints, total violation
        (None before the first tell).
    rank : numpy.ndarray of int32 (or a device array)
        Pareto rank of each member among the feasible rows of parents +
        children (infeasible members: one past the last feasible front).
    contribution : numpy.ndarray of float64
        For the members of the front truncated last: their exclusive
        contribution (normalised space when `normalize`) when the last
        removal was decided, the removed member still counted; NaN for the
        other members.

    Notes
    -----
    Beume, Naujoks and Emmerich, "SMS-EMOA: Multiobjective selection based on
    dominated hypervolume", European Journal of Operational Research 181(3),
    2007. pymoo's ``SMSEMOA`` differs in its defaults: a batch of `pop_size`
    children and a reference point 11 in the space normalised by the parents'
    ideal and nadir points.
    """

    def __init__(
        self, pop_size: int = 100, *, n_offsprings: int | None = 1, normalize: bool = True, **options: Any
    ) -> None:
        if not isinstance(normalize, bool):
            raise TypeError(f"'normalize' must be a bool, but it is {normalize!r}")
        self.normalize = normalize
        super().__init__(pop_size, n_offsprings=n_offsprings, **options)

    _survives_on_device = True

    def _reset(self) -> None:
        super()._reset()
        self.rank: Any = None
        self.contribution: Any = None

    def _survive(self, F: Any, cv: Any) -> Any:
        # The greedy truncation is a chain of small dependent steps: on a
        # device placement it runs on a host copy of F and cv.
        F, cv = np.asarray(_device.to_host(F)), np.asarray(_device.to_host(cv))
        if np.isneginf(F).any() and np.isneginf(F[cv <= 0]).any():
            raise ValueError(
                "'F' must not contain -inf in a feasible row: its hypervolume contribution would be infinite"
            )
        keep, rank, contribution = _survival(F, cv, self.pop_size, self.normalize, self.n_threads)
        put = self._where.from_host
        self.rank, self.contribution = put(rank), put(contribution)
        return put(keep)

    def _selection_criteria(self) -> dict[str, Any]:
        return {"rank": self.rank, "cv": self.cv}
