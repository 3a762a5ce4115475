"""The generational template shared by NSGA-II, NSGA-III and SMS-EMOA.

Sampling, mating (tournament selection + variation), duplicate elimination
with refills, and the population state live here; a subclass only chooses
who survives (:meth:`GeneticAlgorithm._survive`) and what the tournaments
compare (:meth:`GeneticAlgorithm._selection_criteria`).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .. import _core
from ..operators import (
    PM,
    SBX,
    FloatRandomSampling,
    MixedVariation,
    Sampling,
    TournamentSelection,
    UniformCrossover,
    unique_mask,
)
from ..operators._common import MAX_ROWS
from .base import Algorithm, constraint_violation

__all__ = ["GeneticAlgorithm"]

#: Extra offspring draws when duplicates were removed; each uses its own
#: random-stream key, ``generation + attempt * 2**32``.
_MAX_REFILLS = 10
_REFILL_STRIDE = 2**32


def _count(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"'{name}' must be an int >= {minimum}, but it is {value!r}")
    if not minimum <= value <= MAX_ROWS // 2:
        raise ValueError(f"'{name}' must be an int in [{minimum}, 2**27], but it is {value}")
    return int(value)


class GeneticAlgorithm(Algorithm):
    """Population-based ask/tell: sample, then mate and survive each generation.

    Generation 1 evaluates `pop_size` sampled genomes. Each later generation
    picks parents by tournament (on :meth:`_selection_criteria`), makes
    `n_offsprings` children with `variation`, and keeps `pop_size` of parents
    + children as :meth:`_survive` decides.

    Parameters
    ----------
    pop_size : int, default 100
        Population size, >= 2.
    sampling : Sampling, optional
        Initial population; default :class:`FloatRandomSampling`.
    selection : TournamentSelection, optional
        Parent selection; default binary tournament ``TournamentSelection(k=2)``.
    crossover : SBX or UniformCrossover, optional
        Crossover of the real genes (pymoo's vocabulary); default
        ``SBX(eta=15, prob=0.9)``. Integer and categorical genes use the
        :class:`MixedVariation` defaults.
    mutation : PM, optional
        Mutation of the real genes; default ``PM(eta=20)``.
    variation : MixedVariation, optional
        Full control of crossover and mutation per gene kind; excludes
        `crossover` and `mutation`.
    eliminate_duplicates : bool, default True
        Drop children equal to each other or to a member of the population,
        drawing more children (up to 10 times) to fill the batch.
    n_offsprings : int, optional
        Children per generation; default `pop_size`. For screening, breed a
        larger pool and evaluate part of it (:meth:`select_pending`).

    Attributes
    ----------
    X, F, G, cv : numpy.ndarray
        The population: genomes, objectives, constraints and total violation
        (None before the first tell).
    """

    def __init__(
        self,
        pop_size: int = 100,
        *,
        sampling: Sampling | None = None,
        selection: TournamentSelection | None = None,
        crossover: SBX | UniformCrossover | None = None,
        mutation: PM | None = None,
        variation: MixedVariation | None = None,
        eliminate_duplicates: bool = True,
        n_offsprings: int | None = None,
    ) -> None:
        super().__init__()
        self.pop_size = _count(pop_size, "pop_size", 2)
        if sampling is None:
            sampling = FloatRandomSampling()
        if not isinstance(sampling, Sampling):
            raise TypeError(f"'sampling' must be an evonas Sampling, but it is {type(sampling).__name__}")
        self.sampling = sampling
        if selection is None:
            selection = TournamentSelection(k=2)
        if not isinstance(selection, TournamentSelection):
            raise TypeError(f"'selection' must be a TournamentSelection, but it is {type(selection).__name__}")
        self.selection = selection
        if variation is not None:
            if crossover is not None or mutation is not None:
                raise ValueError("give 'variation' or 'crossover'/'mutation', not both")
            if not isinstance(variation, MixedVariation):
                raise TypeError(f"'variation' must be a MixedVariation, but it is {type(variation).__name__}")
        else:
            if crossover is not None and not isinstance(crossover, (SBX, UniformCrossover)):
                raise TypeError(f"'crossover' must be SBX or UniformCrossover, but it is {type(crossover).__name__}")
            if mutation is not None and not isinstance(mutation, PM):
                raise TypeError(f"'mutation' must be PM, but it is {type(mutation).__name__}")
            variation = MixedVariation(
                real_crossover=crossover if crossover is not None else SBX(eta=15, prob=0.9),
                real_mutation=mutation if mutation is not None else PM(eta=20),
            )
        self.variation = variation
        if not isinstance(eliminate_duplicates, bool):
            raise TypeError(f"'eliminate_duplicates' must be a bool, but it is {eliminate_duplicates!r}")
        self.eliminate_duplicates = eliminate_duplicates
        self.n_offsprings = self.pop_size if n_offsprings is None else _count(n_offsprings, "n_offsprings", 1)
        self._reset()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(pop_size={self.pop_size}, n_offsprings={self.n_offsprings}, n_gen={self.n_gen})"

    def _reset(self) -> None:
        self.X: np.ndarray | None = None
        self.F: np.ndarray | None = None
        self.G: np.ndarray | None = None
        self.cv: np.ndarray | None = None

    @property
    def _threads(self) -> int | None:
        return self.n_threads or None

    # -- ask ------------------------------------------------------------------

    def _infill(self) -> np.ndarray:
        assert self.space is not None
        if self.X is None:
            X = self.sampling.do(self.space, self.pop_size, seed=self.seed, generation=0, n_threads=self._threads)
            if self.eliminate_duplicates:
                X = X[unique_mask(X, n_threads=self._threads)]
            return X
        batches: list[np.ndarray] = []
        have = 0
        for attempt in range(_MAX_REFILLS + 1):
            children = self._offspring(self.n_gen + attempt * _REFILL_STRIDE)
            if self.eliminate_duplicates:
                against = np.vstack([self.X, *batches]) if batches else self.X
                children = children[unique_mask(children, against=against, n_threads=self._threads)]
            children = children[: self.n_offsprings - have]
            batches.append(children)
            have += children.shape[0]
            if have >= self.n_offsprings or not self.eliminate_duplicates:
                break
        return np.vstack(batches)

    def _offspring(self, key: int) -> np.ndarray:
        """`n_offsprings` children (rounded up to even) from the stream key `key`."""
        assert self.space is not None
        n_matings = (self.n_offsprings + 1) // 2
        parents = self.selection.do(
            n_matings, **self._selection_criteria(), seed=self.seed, generation=key, n_threads=self._threads
        )
        # The population is the algorithm's own output: no second genome check.
        return self.variation._children(self.space, self.X, parents, self.seed, key, self.n_threads)

    # -- tell -----------------------------------------------------------------

    def _advance(self, X: np.ndarray, F: np.ndarray, G: np.ndarray) -> None:
        parents = self.X
        if parents is not None:
            assert self.F is not None and self.G is not None
            F = np.vstack([self.F, F])
            G = np.vstack([self.G, G])
        cv = constraint_violation(F, G)
        keep = np.asarray(self._survive(F, cv))
        if keep.dtype.kind not in "iu":
            raise TypeError(f"{type(self).__name__}._survive must return row indices, but their dtype is {keep.dtype}")
        keep = np.ascontiguousarray(keep, dtype=np.int64)
        # Survivors gathered from parents and children at once: the stack of
        # both genome matrices would be the largest copy of the generation.
        self.X = X[keep] if parents is None else _core.take_rows(parents, X, keep, self.n_threads)
        self.F, self.G, self.cv = F[keep], G[keep], cv[keep]

    # -- for subclasses -------------------------------------------------------

    def _survive(self, F: np.ndarray, cv: np.ndarray) -> np.ndarray:
        """Indices (into parents + children) of the next population; may set
        per-member attributes used by :meth:`_selection_criteria`.

        `cv` is the total violation (+inf for failed evaluations); Deb's
        constrained domination ranks feasible rows first.
        """
        raise NotImplementedError

    def _selection_criteria(self) -> dict[str, np.ndarray | None]:
        """Keyword arguments of :meth:`TournamentSelection.do` for the population."""
        raise NotImplementedError
