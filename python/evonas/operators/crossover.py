"""Crossover: pairs of parents recombined into two children each, natively.

Every operator takes the population `X` and an ``(n_matings, 2)`` array of
parent row indices, and returns a new ``(2 * n_matings, n_var)`` matrix:
rows ``2i`` and ``2i + 1`` are the children of mating ``i``. A mating
recombines with probability `prob`; otherwise its children are copies of its
parents. Children always lie within the space's bounds, and integer and
categorical genes stay integral.

Randomness: mating ``i`` of generation ``g`` draws from its own Philox stream
keyed by ``(seed, g, i)``, so the result does not depend on `n_threads`.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .. import _core, _device
from .._validation import as_seed, as_threads
from ..space import CATEGORICAL, INTEGER, REAL, Space
from ._common import (
    COPY,
    CROSSOVER_COPY,
    MUTATION_NONE,
    SBX_METHOD,
    UNIFORM_METHOD,
    as_eta,
    as_generation,
    as_genomes,
    as_parents,
    as_probability,
    space_arrays,
)

from ._on_device import variation_on

__all__ = ["Crossover", "SBX", "UniformCrossover", "PointCrossover"]

CrossoverEntry = tuple[int, float, float, float]


class Crossover:
    """Base class of the crossover operators (two parents, two children)."""

    #: Gene kinds the operator recombines when used on its own.
    _kinds: ClassVar[tuple[int, ...]] = (REAL, INTEGER, CATEGORICAL)
    prob: float

    def _entry(self, prob: float) -> CrossoverEntry:
        """(method, prob, prob_var, eta) for the genes of one kind."""
        raise NotImplementedError

    def _n_points(self) -> int:
        return 0

    def do(
        self,
        space: Space,
        X: Any,
        parents: Any,
        /,
        *,
        seed: int | None = None,
        generation: int = 0,
        n_threads: int | None = None,
        device: str = "auto",
    ) -> Any:
        """Recombine the mating pairs `parents` of the population `X`.

        Parameters
        ----------
        space : Space
            The genes: kinds, bounds, log scales.
        X : array_like, shape (n, len(space))
            The population; every row must be a valid genome of `space`.
        parents : array_like of int, shape (n_matings, 2)
            Row indices of `X`, one pair per mating (e.g. from
            :meth:`TournamentSelection.do`).
        seed : int, optional
            Seed of the random streams; None draws fresh entropy.
        generation : int, default 0
            Generation number: part of the random-stream key.
        n_threads : int, optional
            Threads to use; None uses every core.
        device : {"auto", "cpu", "cuda"}, default "auto"
            Where to run: "auto" follows the inputs (CUDA when one lives on a
            CUDA device), "cuda" moves host inputs there. On CUDA the result
            is a device array (torch in, torch out) equal to the CPU path's;
            `n_threads` is then ignored.

        Returns
        -------
        numpy.ndarray of float64, shape (2 * n_matings, len(space))
            A new array; `X` and `parents` are not modified.

        Notes
        -----
        O(n_matings * len(space)) time, in parallel over matings.
        """
        arrays = space_arrays(space)
        threads = as_threads(n_threads)
        backend = _device.resolve(device, X, parents)
        by_kind = [self._entry(1.0) if kind in self._kinds else CROSSOVER_COPY for kind in (REAL, INTEGER, CATEGORICAL)]
        crossover = (self.prob, self._n_points(), by_kind)
        mutation = (1.0, [MUTATION_NONE] * 3)
        if backend is not None:
            return variation_on(
                backend, space, X, parents, crossover, mutation, as_seed(seed), as_generation(generation)
            )
        arr = as_genomes(space, X, arrays, threads)
        pairs = as_parents(parents, arr.shape[0])
        return _core.variation(
            arrays, arr, pairs, *crossover, *mutation, as_seed(seed), as_generation(generation), threads
        )


@dataclass(frozen=True, kw_only=True)
class SBX(Crossover):
    """Simulated binary crossover (bounded; Deb and Agrawal 1995).

    The variant of NSGA-II's reference code and pymoo: each gene is
    recombined with probability `prob_var`; one uniform draw spreads both
    children symmetrically around the parents' mean, the spread on each side
    shrunk so that the child cannot leave the bounds; a fair coin then decides
    which child gets the lower value. Parents closer than 1e-14 are copied.

    On its own, SBX recombines real genes (in log space for log-scaled genes)
    and integer genes (rounded to the nearest integer); categorical genes are
    inherited unchanged (child ``k`` keeps parent ``k``'s choice). Use
    :class:`MixedVariation` to pick an operator per gene kind.

    Parameters
    ----------
    eta : float, default 15
        Distribution index (> 0): larger values keep children closer to their
        parents.
    prob : float, default 0.9
        Probability that a mating recombines at all.
    prob_var : float, default 0.5
        Probability that a gene of a recombining mating is recombined.

    Examples
    --------
    >>> from evonas.space import Space
    >>> space = Space.from_bounds([0.0, 0.0], [1.0, 1.0])
    >>> X = np.array([[0.2, 0.4], [0.8, 0.6]])
    >>> SBX(eta=15).do(space, X, [[0, 1]], seed=1).shape
    (2, 2)
    """

    _kinds: ClassVar[tuple[int, ...]] = (REAL, INTEGER)
    eta: float = 15.0
    prob: float = 0.9
    prob_var: float = 0.5

    def __post_init__(self) -> None:
        object.__setattr__(self, "eta", as_eta(self.eta))
        object.__setattr__(self, "prob", as_probability(self.prob, "prob"))
        object.__setattr__(self, "prob_var", as_probability(self.prob_var, "prob_var"))

    def _entry(self, prob: float) -> CrossoverEntry:
        return (SBX_METHOD, prob, self.prob_var, self.eta)


@dataclass(frozen=True, kw_only=True)
class UniformCrossover(Crossover):
    """Uniform crossover: each gene is exchanged between the children.

    Works for every gene kind (values are only moved, never changed).

    Parameters
    ----------
    prob : float, default 0.9
        Probability that a mating recombines at all.
    prob_var : float, default 0.5
        Probability that a gene is exchanged (0.5: each child takes each gene
        from either parent with equal chance).
    """

    prob: float = 0.9
    prob_var: float = 0.5

    def __post_init__(self) -> None:
        object.__setattr__(self, "prob", as_probability(self.prob, "prob"))
        object.__setattr__(self, "prob_var", as_probability(self.prob_var, "prob_var"))

    def _entry(self, prob: float) -> CrossoverEntry:
        return (UNIFORM_METHOD, prob, self.prob_var, 1.0)


@dataclass(frozen=True, kw_only=True)
class PointCrossover(Crossover):
    """n-point crossover of whole genomes (one-point, two-point, ...).

    `n_points` distinct cut positions are drawn from 1 .. n_var - 1 (all of
    them when there are fewer); the children swap parents at every cut, so
    with two points the middle segment is exchanged. Works for every gene
    kind. A genome of one gene cannot be cut: its children copy the parents.

    Parameters
    ----------
    n_points : int
        Number of cut points, >= 1 (1: one-point, 2: two-point crossover).
    prob : float, default 0.9
        Probability that a mating recombines at all.
    """

    n_points: int
    prob: float = 0.9

    def __post_init__(self) -> None:
        n = self.n_points
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"'n_points' must be a positive int, but it is {n!r}")
        if not 1 <= n <= 2**20:
            raise ValueError(f"'n_points' must be a positive int (1 or 2 usually), but it is {n}")
        object.__setattr__(self, "n_points", int(n))
        object.__setattr__(self, "prob", as_probability(self.prob, "prob"))

    def _entry(self, prob: float) -> CrossoverEntry:
        return (COPY, prob, 0.0, 1.0)

    def _n_points(self) -> int:
        return self.n_points
