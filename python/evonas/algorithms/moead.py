"""MOEA/D (Zhang and Li 2007) with an ask/tell interface, in batches of sub-problems.

The problem is decomposed into one scalar sub-problem per weight vector;
member i of the population is the best solution found for sub-problem i.
The sub-problems are visited in sweeps, each a random order of all of them,
`n_offsprings` at a time: every batch (one ask/tell) makes one child per
sub-problem of the batch from two parents drawn from its neighbourhood (the
`n_neighbors` nearest weight vectors, itself included) or, with probability
``1 - prob_neighbor_mating``, from the whole population. Once the children
are evaluated, each in turn (batch order) replaces the neighbours of its
sub-problem whose scalar value it improves (at most `n_replace` of them, in
random order).

``n_offsprings=1`` is the classic algorithm: every child is bred from the
population its predecessor left. The default, a whole sweep per batch, suits
vectorised problems and training on a GPU: all children of a sweep are bred
from the same population and evaluated together, and a later child still
competes with the earlier children's replacements.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import as_int_at_least
from ..operators import SBX
from ..operators._common import as_probability
from ..operators.duplicates import unique_mask
from .base import constraint_violation
from .nsga3 import DirectedAlgorithm, as_ref_dirs

__all__ = ["MOEAD", "decompose"]

DECOMPOSITIONS = ("tchebycheff", "pbi")
#: Tchebycheff weights below this count as this: a zero weight would let a
#: sub-problem ignore an objective and accept weakly dominated solutions.
_MIN_WEIGHT = 1e-6
#: Part of every random-stream key, so that the streams differ from the
#: native operators' streams keyed by the same (seed, generation).
_STREAM_TAG = 0x4D4F4541_0044


def decompose(F: np.ndarray, weights: np.ndarray, ideal: np.ndarray, method: str, theta: float = 5.0) -> np.ndarray:
    """Scalar value of each row of `F` for the sub-problem of the matching row of `weights`.

    Parameters
    ----------
    F : numpy.ndarray, shape (n, m)
    weights : numpy.ndarray, shape (n, m) or (m,)
        Non-negative weight vectors.
    ideal : numpy.ndarray, shape (m,)
        The best value seen in each objective.
    method : {"tchebycheff", "pbi"}
        Tchebycheff: ``max_k w_k |F_k - ideal_k|`` (weights floored at 1e-6).
        PBI (penalty-based boundary intersection): ``d1 + theta * d2``, with
        d1 the distance from `ideal` along the weight's direction and d2 the
        distance from that line.
    theta : float, default 5
        PBI's penalty on d2.

    Returns
    -------
    numpy.ndarray, shape (n,)
    """
    # Failed evaluations (NaN, +inf) give NaN or inf here; the replacement rule never picks them.
    with np.errstate(invalid="ignore", over="ignore"):
        shifted = F - ideal
        if method == "tchebycheff":
            return np.max(np.abs(shifted) * np.maximum(weights, _MIN_WEIGHT), axis=-1)
        direction = weights / np.linalg.norm(weights, axis=-1, keepdims=True)
        d1 = np.sum(shifted * direction, axis=-1)
        d2 = np.linalg.norm(shifted - d1[..., None] * direction, axis=-1)
        return d1 + theta * d2


class MOEAD(DirectedAlgorithm):
    """MOEA/D: decomposition into scalar sub-problems, one per weight vector.

    Parameters
    ----------
    ref_dirs : array_like, shape (n_directions, n_obj)
        Weight vectors, e.g. ``das_dennis(3, 12)``; one sub-problem (and one
        member of the population) each. Non-negative, finite, no all-zero row.
    n_neighbors : int, default 20
        Neighbourhood size T, at most the number of directions (capped).
    prob_neighbor_mating : float, default 0.9
        Probability that a child's parents come from its neighbourhood rather
        than from the whole population.
    decomposition : {"auto", "tchebycheff", "pbi"}, default "auto"
        "auto": Tchebycheff for two objectives, PBI (theta 5) for more, as pymoo.
    n_replace : int, optional
        Most neighbours a child may replace; None (default): every neighbour
        it improves (Zhang and Li). 2 is MOEA/D-DE's choice.
    n_offsprings : int, optional
        Sub-problems (children) per batch, 1 .. population size; default: the
        population size (one sweep per generation). 1 is the classic
        one-child-at-a-time MOEA/D; a generation (``n_gen``) is one batch.
    crossover : SBX or UniformCrossover, optional
        Default ``SBX(eta=20, prob=1.0)`` (pymoo's MOEA/D).
    sampling, mutation, variation
        As in :class:`~evonas.algorithms.genetic.GeneticAlgorithm`; keyword-only.

    Notes
    -----
    Constraints: a child replaces a neighbour when it violates the
    constraints less, or both are feasible and its scalar value is lower (NaN
    evaluations count as infinitely violating). Of a mating's two children
    the one drawn is kept unless it copies a member of the population and
    the other does not; copies are not eliminated otherwise (each
    sub-problem keeps its own best, copies included). The population stays
    on the CPU. All random draws come from generators keyed
    by (seed, generation): a run is reproducible and resumes bit-identically
    from a pickle. :meth:`select_pending` is not available: every
    sub-problem's child must be evaluated.
    """

    def __init__(
        self,
        ref_dirs: Any,
        /,
        *,
        n_neighbors: int = 20,
        prob_neighbor_mating: float = 0.9,
        decomposition: str = "auto",
        n_replace: int | None = None,
        **options: Any,
    ) -> None:
        self.ref_dirs = as_ref_dirs(ref_dirs)
        for name in ("selection", "eliminate_duplicates", "device"):
            if name in options:
                raise TypeError(f"MOEAD takes no '{name}': parents come from neighbourhoods, one child per sub-problem")
        if options.get("variation") is None and options.get("crossover") is None:
            options["crossover"] = SBX(eta=20, prob=1.0)
        n_dirs = self.ref_dirs.shape[0]
        if n_dirs < 2:
            raise ValueError(f"'ref_dirs' must hold at least 2 directions (the population size), but it holds {n_dirs}")
        super().__init__(n_dirs, eliminate_duplicates=False, **options)
        if self.n_offsprings > n_dirs:
            raise ValueError(f"'n_offsprings' must be at most the {n_dirs} sub-problems, but it is {self.n_offsprings}")
        self.n_neighbors = min(as_int_at_least(n_neighbors, "n_neighbors", 2), n_dirs)
        self.prob_neighbor_mating = as_probability(prob_neighbor_mating, "prob_neighbor_mating")
        if decomposition not in ("auto", *DECOMPOSITIONS):
            raise ValueError(f"'decomposition' must be one of {('auto', *DECOMPOSITIONS)}, but it is {decomposition!r}")
        self.decomposition = decomposition
        self.n_replace = None if n_replace is None else as_int_at_least(n_replace, "n_replace", 1)
        # Each row: the sub-problem itself first, then its nearest directions.
        unit = self.ref_dirs / np.linalg.norm(self.ref_dirs, axis=1, keepdims=True)
        distance = np.linalg.norm(unit[:, None, :] - unit[None, :, :], axis=2)
        self.neighbors = np.argsort(distance, axis=1, kind="stable")[:, : self.n_neighbors]

    def __repr__(self) -> str:
        return f"MOEAD(n_ref_dirs={self.ref_dirs.shape[0]}, n_neighbors={self.n_neighbors}, n_gen={self.n_gen})"

    def _reset(self) -> None:
        super()._reset()
        self.ideal: np.ndarray | None = None
        self._queue = np.zeros(0, dtype=np.int64)  # sub-problems of the current sweep not yet bred for
        self._sweep = 0
        self._bred = np.zeros(0, dtype=np.int64)  # the sub-problem of each pending child

    @property
    def method(self) -> str:
        """The decomposition in use ("auto" resolved by the number of objectives)."""
        if self.decomposition != "auto":
            return self.decomposition
        return "tchebycheff" if self.ref_dirs.shape[1] == 2 else "pbi"

    def _rng(self, purpose: int, counter: int) -> np.random.Generator:
        """The generator of a generation's mating (0) or replacement (1) draws, or of a sweep's order (2)."""
        assert self.seed is not None
        key = [self.seed, counter, _STREAM_TAG, purpose]
        return np.random.Generator(np.random.Philox(np.random.SeedSequence(key)))

    # -- ask ------------------------------------------------------------------

    def _infill(self) -> Any:
        assert self.space is not None
        if self.X is None:
            return self._where.sample(self.sampling, self.space, self.pop_size, self.seed, 0, self.n_threads)
        if self._queue.shape[0] == 0:
            self._sweep += 1
            self._queue = self._rng(2, self._sweep).permutation(self.pop_size)
        bred, self._queue = self._queue[: self.n_offsprings], self._queue[self.n_offsprings :]
        self._bred = bred
        rng = self._rng(0, self.n_gen)
        k, n, t = bred.shape[0], self.pop_size, self.n_neighbors
        local = rng.random(k) < self.prob_neighbor_mating
        # Two distinct parents per sub-problem: from the neighbourhood, or from everyone.
        first = rng.integers(0, np.where(local, t, n))
        second = rng.integers(0, np.where(local, t, n) - 1)
        second += second >= first
        pair = np.stack([first, second], axis=1)
        parents = np.where(local[:, None], self.neighbors[bred[:, None], pair % t], pair)
        parents = np.ascontiguousarray(parents, dtype=np.int64)
        children = self._where.children(self.variation, self.space, self.X, parents, self.seed, self.n_gen, self.n_threads)
        # One child per mating, either of the two at random, unless it copies a
        # member and the other does not: a copy can only spread an existing
        # solution over more sub-problems (pymoo's MOEA/D drops copies too).
        new = unique_mask(children, against=self.X, n_threads=self.n_threads or None).astype(bool)
        drawn = 2 * np.arange(k) + rng.integers(0, 2, k)
        other = drawn ^ 1
        return np.ascontiguousarray(children[np.where(new[drawn] | ~new[other], drawn, other)])

    def select_pending(self, rows: Any, /) -> Any:
        """Not available: MOEA/D breeds one child per sub-problem, and each must be evaluated."""
        raise NotImplementedError(
            "MOEAD.select_pending is not available: every sub-problem's child must be evaluated (tell all of ask())"
        )

    # -- tell -----------------------------------------------------------------

    def _advance(self, X: Any, F: Any, G: Any) -> None:
        cv = constraint_violation(F, G)
        cv = np.where(np.all(np.isfinite(F), axis=1), cv, np.inf)  # +-inf objectives fail too
        # The ideal point: the best value of every measured row, feasible or not (as Zhang and Li).
        best = np.where(np.isfinite(cv)[:, None], F, np.inf).min(axis=0)
        self.ideal = best if self.ideal is None else np.minimum(self.ideal, best)
        if self.X is None:
            self.X, self.F, self.G, self.cv = X, F, G, cv
            return
        self.X, self.F, self.G, self.cv = self.X.copy(), self.F.copy(), self.G.copy(), self.cv.copy()
        rng = self._rng(1, self.n_gen)
        method, ideal = self.method, self.ideal
        for child, sub in enumerate(self._bred):
            hood = self.neighbors[sub]
            if self.n_replace is not None:
                hood = hood[rng.permutation(hood.shape[0])]
            weights = self.ref_dirs[hood]
            mine = decompose(self.F[hood], weights, ideal, method)
            theirs = decompose(F[child][None, :], weights, ideal, method)
            c, old = cv[child], self.cv[hood]
            # Deb's rule: less violation wins; among feasible members, the lower scalar value.
            better = (c < old) | ((c == 0) & (old == 0) & (theirs < mine))
            won = hood[better]
            if self.n_replace is not None:
                won = won[: self.n_replace]
            self.X[won], self.F[won], self.G[won], self.cv[won] = X[child], F[child], G[child], c
