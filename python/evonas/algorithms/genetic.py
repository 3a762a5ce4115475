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

from .. import _device
from ..operators import (
    PM,
    SBX,
    FloatRandomSampling,
    MixedVariation,
    Sampling,
    TournamentSelection,
    UniformCrossover,
)
from ..operators._common import MAX_ROWS
from ._placement import Host, placement
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
        Mutation of the real genes; default ``PM(eta=20, prob=0.9)``, pymoo's
        ``PM(eta=20)``: a child mutates with probability 0.9, then each real
        gene with ``1 / n_genes`` (0.9 instead of 1 lifts NSGA-II's DTLZ2
        hypervolume by 0.0015 on 250 seeds, neutral on ZDT and DTLZ1).
    variation : MixedVariation, optional
        Full control of crossover and mutation per gene kind; excludes
        `crossover` and `mutation`.
    eliminate_duplicates : bool, default True
        Drop children equal to each other or to a member of the population,
        drawing more children (up to 10 times) to fill the batch.
    n_offsprings : int, optional
        Children per generation; default `pop_size`. For screening, breed a
        larger pool and evaluate part of it (:meth:`select_pending`).
    device : {"cpu", "cuda", "auto"}, default "cpu"
        Where the population lives and every generation runs. "cuda" keeps
        it on the current CUDA device as torch tensors (CuPy arrays where
        torch is not installed): :meth:`ask` returns device arrays, :meth:`tell`
        takes host or device arrays, and no population data goes to the host
        within a generation. The results equal the CPU run's, bit for bit.
        "auto" is "cuda" when ``evonas.cuda.is_available()``, else "cpu".
        RuntimeError when "cuda" is asked for on a CPU-only build or machine.
        NSGA2 and NSGA3 survive on the device; SMS-EMOA on a host copy of
        the objectives (see there). A subclass declares that its
        :meth:`_survive` takes device arrays with ``_survives_on_device = True``.

    Attributes
    ----------
    X, F, G, cv : numpy.ndarray or device array
        The population: genomes, objectives, constraints and total violation
        (None before the first tell).
    device : str
        The `device` argument.
    """

    #: Whether :meth:`_survive` takes (and returns) arrays of a device placement.
    _survives_on_device = False

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
        device: str = "cpu",
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
                real_mutation=mutation if mutation is not None else PM(eta=20, prob=0.9),
            )
        self.variation = variation
        if not isinstance(eliminate_duplicates, bool):
            raise TypeError(f"'eliminate_duplicates' must be a bool, but it is {eliminate_duplicates!r}")
        self.eliminate_duplicates = eliminate_duplicates
        self.n_offsprings = self.pop_size if n_offsprings is None else _count(n_offsprings, "n_offsprings", 1)
        if isinstance(device, _device.Backend):  # the emulated device, in tests
            self.device = device.name
        elif isinstance(device, str) and device in _device.DEVICES:
            self.device = device
        else:
            raise ValueError(f"'device' must be one of {_device.DEVICES}, but it is {device!r}")
        self._where = placement(device)
        if not isinstance(self._where, Host) and not self._survives_on_device:
            raise ValueError(
                f"{type(self).__name__} keeps its population on the CPU: its _survive does not take device arrays "
                f"(set _survives_on_device = True once it does), so device={device!r} is not available"
            )
        self._reset()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(pop_size={self.pop_size}, n_offsprings={self.n_offsprings}, n_gen={self.n_gen})"

    def _reset(self) -> None:
        self.X: Any = None
        self.F: Any = None
        self.G: Any = None
        self.cv: Any = None

    # -- ask ------------------------------------------------------------------

    def _infill(self) -> Any:
        assert self.space is not None
        where, threads = self._where, self.n_threads
        if self.X is None:
            X = where.sample(self.sampling, self.space, self.pop_size, self.seed, 0, threads)
            if self.eliminate_duplicates:
                X = X[where.unique(X, None, threads)]
            return X
        batches: list[Any] = []
        have = 0
        for attempt in range(_MAX_REFILLS + 1):
            children = self._offspring(self.n_gen + attempt * _REFILL_STRIDE)
            if self.eliminate_duplicates:
                against = where.stack([self.X, *batches])
                children = children[where.unique(children, against, threads)]
            children = children[: self.n_offsprings - have]
            batches.append(children)
            have += int(children.shape[0])
            if have >= self.n_offsprings or not self.eliminate_duplicates:
                break
        return where.stack(batches)

    def _offspring(self, key: int) -> Any:
        """`n_offsprings` children (rounded up to even) from the stream key `key`."""
        assert self.space is not None
        n_matings = (self.n_offsprings + 1) // 2
        where = self._where
        parents = where.parents(self.selection, n_matings, self._selection_criteria(), self.seed, key, self.n_threads)
        # The population is the algorithm's own output: no second genome check.
        return where.children(self.variation, self.space, self.X, parents, self.seed, key, self.n_threads)

    # -- tell -----------------------------------------------------------------

    def _advance(self, X: Any, F: Any, G: Any) -> None:
        where = self._where
        parents = self.X
        if parents is not None:
            F = where.stack([self.F, F])
            G = where.stack([self.G, G])
        cv = constraint_violation(F, G)
        keep = self._survive(F, cv)
        if _device.dtype_kind(keep) not in "iu":
            raise TypeError(f"{type(self).__name__}._survive must return row indices, but their dtype is {keep.dtype}")
        # Survivors gathered from parents and children at once: the stack of
        # both genome matrices would be the largest copy of the generation.
        self.X = X[keep] if parents is None else where.gather(parents, X, keep, self.n_threads)
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
