"""Crossover and mutation chosen per gene kind, fused into one native call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

import numpy as np

from .. import _core, _device
from .._validation import as_seed, as_threads
from ..space import CATEGORICAL, INTEGER, REAL, Space
from ._common import CROSSOVER_COPY, MUTATION_NONE, as_generation, as_genomes, as_parents, space_arrays
from .crossover import SBX, Crossover, PointCrossover, UniformCrossover
from .mutation import PM, CategoricalMutation, IntegerMutation, Mutation
from ._on_device import CrossoverArgs, MutationArgs, variation_on

__all__ = ["MixedVariation"]

_GeneCrossover = Union[SBX, UniformCrossover, None]


def _check(value: Any, name: str, allowed: tuple[type, ...]) -> None:
    if value is None or isinstance(value, allowed):
        return
    names = " or ".join(t.__name__ for t in allowed)
    hint = ""
    if isinstance(value, PointCrossover):
        hint = " (PointCrossover cuts whole genomes: use it on its own, PointCrossover(...).do)"
    raise TypeError(f"'{name}' must be {names} or None, but it is {type(value).__name__}{hint}")


@dataclass(frozen=True, kw_only=True)
class MixedVariation:
    """Offspring of a mixed space: the right crossover and mutation per gene kind.

    One native pass over the matings recombines each gene with the crossover
    given for its kind and then mutates each child with the mutation for each
    kind; each kind's operator draws its own `prob` (as pymoo's mixed-variable
    mating does). None switches an operator off (genes are inherited /
    left unchanged). A `prob_var` of None means ``min(0.5, 1 / n)`` with n the
    number of genes of that kind.

    Parameters
    ----------
    real_crossover : SBX or UniformCrossover or None, default SBX()
        Real genes; SBX works in log space for log-scaled genes.
    integer_crossover : SBX or UniformCrossover or None, default SBX()
        Integer genes; SBX results are rounded to the nearest integer.
    categorical_crossover : UniformCrossover or None, default UniformCrossover()
    real_mutation : PM or None, default PM()
    integer_mutation : IntegerMutation or PM or None, default IntegerMutation()
        Random reset (or creep); PM results are rounded.
    categorical_mutation : CategoricalMutation or None, default CategoricalMutation()
        Resampling to another choice.

    Examples
    --------
    >>> from evonas.space import Categorical, Integer, Real, Space
    >>> space = Space([Real("lr", 1e-4, 1e-1, log=True), Integer("layers", 1, 8),
    ...                Categorical("act", ["relu", "gelu"])])
    >>> X = space.sample(10, seed=0)
    >>> children = MixedVariation().do(space, X, [[0, 1], [2, 3]], seed=0, generation=1)
    >>> children.shape
    (4, 3)
    """

    real_crossover: _GeneCrossover = SBX()
    integer_crossover: _GeneCrossover = SBX()
    categorical_crossover: UniformCrossover | None = UniformCrossover()
    real_mutation: PM | None = PM()
    integer_mutation: IntegerMutation | PM | None = IntegerMutation()
    categorical_mutation: CategoricalMutation | None = CategoricalMutation()

    def __post_init__(self) -> None:
        _check(self.real_crossover, "real_crossover", (SBX, UniformCrossover))
        _check(self.integer_crossover, "integer_crossover", (SBX, UniformCrossover))
        _check(self.categorical_crossover, "categorical_crossover", (UniformCrossover,))
        _check(self.real_mutation, "real_mutation", (PM,))
        _check(self.integer_mutation, "integer_mutation", (IntegerMutation, PM))
        _check(self.categorical_mutation, "categorical_mutation", (CategoricalMutation,))

    def _crossovers(self) -> tuple[Crossover | None, ...]:
        return (self.real_crossover, self.integer_crossover, self.categorical_crossover)

    def _mutations(self) -> tuple[Mutation | None, ...]:
        return (self.real_mutation, self.integer_mutation, self.categorical_mutation)

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
        """Children of the mating pairs `parents` of the population `X`.

        Parameters
        ----------
        space : Space
        X : array_like, shape (n, len(space))
            The population; every row must be a valid genome of `space`.
        parents : array_like of int, shape (n_matings, 2)
            Row indices of `X`, one pair per mating.
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
            Rows ``2i`` and ``2i + 1`` are the children of mating ``i``. A new
            array; the inputs are not modified.

        Notes
        -----
        O(n_matings * len(space)), in parallel over matings. Equal to
        crossing with these operators and then mutating the children row by
        row with the same `seed` and `generation`.
        """
        threads = as_threads(n_threads)
        backend = _device.resolve(device, X, parents)
        if backend is not None:
            crossover, mutation = self._specs(space)
            return variation_on(
                backend, space, X, parents, crossover, mutation, as_seed(seed), as_generation(generation)
            )
        arrays = space_arrays(space)
        arr = as_genomes(space, X, arrays, threads)
        pairs = as_parents(parents, arr.shape[0])
        return self._children(space, arr, pairs, as_seed(seed), as_generation(generation), threads)

    def _children(
        self, space: Space, X: np.ndarray, parents: np.ndarray, seed: int, generation: int, threads: int
    ) -> np.ndarray:
        """:meth:`do` on checked arguments: `X` a valid C-contiguous float64
        genome matrix, `parents` C-contiguous int64 pairs of its rows (an
        algorithm's own population and selection need no second check)."""
        crossover, mutation = self._specs(space)
        return _core.variation(space_arrays(space), X, parents, *crossover, *mutation, seed, generation, threads)

    def _specs(self, space: Space) -> tuple[CrossoverArgs, MutationArgs]:
        """The native crossover and mutation arguments for `space`."""
        counts = [int(np.count_nonzero(space.kinds == kind)) for kind in (REAL, INTEGER, CATEGORICAL)]
        crossover = [CROSSOVER_COPY if op is None else op._entry(op.prob) for op in self._crossovers()]
        mutation = [
            MUTATION_NONE if op is None else op._entry(op.prob, count) for op, count in zip(self._mutations(), counts)
        ]
        return (1.0, 0, crossover), (1.0, mutation)
