"""Mutation: every row of a population perturbed independently, natively.

A row mutates with probability `prob`; then each gene the operator acts on
mutates with probability `prob_var` (None: ``min(0.5, 1 / n_genes)`` where
n_genes counts the genes the operator acts on, pymoo's default). Results
stay within the bounds, and integer and categorical genes stay integral.

Randomness: row ``i`` of generation ``g`` draws from its own Philox stream
keyed by ``(seed, g, i)``, so the result does not depend on `n_threads`, and
``MixedVariation`` gives the same children as its crossover followed by
these mutations with the same seed and generation.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from .. import _core, _device
from .._validation import as_seed, as_threads
from ..space import CATEGORICAL, INTEGER, REAL, Space
from ._common import (
    CREEP,
    MUTATION_NONE,
    POLYNOMIAL,
    RESET,
    as_eta,
    as_generation,
    as_genomes,
    as_probability,
    space_arrays,
)

from ._on_device import mutate_on

__all__ = ["Mutation", "PM", "IntegerMutation", "CategoricalMutation"]

MutationEntry = tuple[int, float, float, float, float]


def _optional_probability(value: Any, name: str) -> float | None:
    return None if value is None else as_probability(value, name)


class Mutation:
    """Base class of the mutation operators."""

    #: Gene kinds the operator mutates when used on its own.
    _kinds: ClassVar[tuple[int, ...]] = ()
    prob: float
    prob_var: float | None

    def _entry(self, prob: float, n_genes: int) -> MutationEntry:
        """(method, prob, prob_var, eta, step) for the `n_genes` genes of one kind."""
        raise NotImplementedError

    def _prob_var(self, n_genes: int) -> float:
        if self.prob_var is not None:
            return self.prob_var
        return min(0.5, 1.0 / n_genes) if n_genes else 0.0

    def do(
        self,
        space: Space,
        X: Any,
        /,
        *,
        seed: int | None = None,
        generation: int = 0,
        n_threads: int | None = None,
        device: str = "auto",
    ) -> Any:
        """Mutate every row of `X`.

        Parameters
        ----------
        space : Space
            The genes: kinds, bounds, log scales.
        X : array_like, shape (n, len(space))
            The population; every row must be a valid genome of `space`.
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
        numpy.ndarray of float64, shape (n, len(space))
            A new array; `X` is not modified.

        Notes
        -----
        O(n * len(space)) time, in parallel over rows; the mutated genes of a
        row are found by geometric skips, so a row costs O(1 + expected
        number of mutations) random draws, not one per gene.
        """
        arrays = space_arrays(space)
        threads = as_threads(n_threads)
        backend = _device.resolve(device, X)
        n_acted = int(np.isin(space.kinds, self._kinds).sum())
        by_kind = [
            self._entry(1.0, n_acted) if kind in self._kinds else MUTATION_NONE for kind in (REAL, INTEGER, CATEGORICAL)
        ]
        if backend is not None:
            return mutate_on(backend, space, X, (self.prob, by_kind), as_seed(seed), as_generation(generation))
        arr = as_genomes(space, X, arrays, threads)
        return _core.mutate(arrays, arr, self.prob, by_kind, as_seed(seed), as_generation(generation), threads)


@dataclass(frozen=True, kw_only=True)
class PM(Mutation):
    """Polynomial mutation (Deb), bounded as in NSGA-II's code and pymoo.

    The perturbation has a polynomial distribution with index `eta` and
    shrinks near a bound so that the result stays inside it. On its own PM
    mutates real genes (in log space for log-scaled genes) and integer genes
    (rounded to the nearest integer).

    Parameters
    ----------
    eta : float, default 20
        Distribution index (> 0): larger values give smaller perturbations.
    prob : float, default 1.0
        Probability that a row mutates at all (pymoo's `prob`).
    prob_var : float, optional
        Probability that a gene mutates; None: ``min(0.5, 1 / n_genes)``.
    """

    _kinds: ClassVar[tuple[int, ...]] = (REAL, INTEGER)
    eta: float = 20.0
    prob: float = 1.0
    prob_var: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "eta", as_eta(self.eta))
        object.__setattr__(self, "prob", as_probability(self.prob, "prob"))
        object.__setattr__(self, "prob_var", _optional_probability(self.prob_var, "prob_var"))

    def _entry(self, prob: float, n_genes: int) -> MutationEntry:
        return (POLYNOMIAL, prob, self._prob_var(n_genes), self.eta, 1.0)


@dataclass(frozen=True, kw_only=True)
class IntegerMutation(Mutation):
    """Mutation of integer genes: random reset or bounded creep.

    A mutated gene always changes. "reset" draws a new value uniformly from
    all other values in the bounds; "creep" draws uniformly from the other
    values within ``step`` of the current one (and within the bounds, so
    values never pile up at a bound).

    Parameters
    ----------
    method : {"reset", "creep"}, default "reset"
    step : int, default 1
        Largest change of a creep (>= 1); ignored by "reset".
    prob : float, default 1.0
        Probability that a row mutates at all.
    prob_var : float, optional
        Probability that a gene mutates; None: ``min(0.5, 1 / n_integer_genes)``.
    """

    _kinds: ClassVar[tuple[int, ...]] = (INTEGER,)
    method: Literal["reset", "creep"] = "reset"
    step: int = 1
    prob: float = 1.0
    prob_var: float | None = None

    def __post_init__(self) -> None:
        if self.method not in ("reset", "creep"):
            raise ValueError(f"'method' must be 'reset' or 'creep', but it is {self.method!r}")
        step = self.step
        if isinstance(step, bool) or not isinstance(step, numbers.Integral):
            raise TypeError(f"'step' must be a positive int, but it is {step!r}")
        if not 1 <= step <= 2**53:
            raise ValueError(f"'step' must be a positive int, but it is {step}")
        object.__setattr__(self, "step", int(step))
        object.__setattr__(self, "prob", as_probability(self.prob, "prob"))
        object.__setattr__(self, "prob_var", _optional_probability(self.prob_var, "prob_var"))

    def _entry(self, prob: float, n_genes: int) -> MutationEntry:
        method = RESET if self.method == "reset" else CREEP
        return (method, prob, self._prob_var(n_genes), 1.0, float(self.step))


@dataclass(frozen=True, kw_only=True)
class CategoricalMutation(Mutation):
    """Mutation of categorical genes: resample the choice.

    A mutated gene takes a uniformly drawn *other* choice (with two choices
    it flips).

    Parameters
    ----------
    prob : float, default 1.0
        Probability that a row mutates at all.
    prob_var : float, optional
        Probability that a gene mutates; None: ``min(0.5, 1 / n_categorical_genes)``.
    """

    _kinds: ClassVar[tuple[int, ...]] = (CATEGORICAL,)
    prob: float = 1.0
    prob_var: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "prob", as_probability(self.prob, "prob"))
        object.__setattr__(self, "prob_var", _optional_probability(self.prob_var, "prob_var"))

    def _entry(self, prob: float, n_genes: int) -> MutationEntry:
        return (RESET, prob, self._prob_var(n_genes), 1.0, 1.0)
