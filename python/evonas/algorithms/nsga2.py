"""NSGA-II (Deb, Pratap, Agarwal and Meyarivan 2002) with an ask/tell interface."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core, _device
from .genetic import GeneticAlgorithm

__all__ = ["NSGA2"]


class NSGA2(GeneticAlgorithm):
    """Non-dominated sorting genetic algorithm II, with Deb's constraint handling.

    Generation 1 evaluates `pop_size` sampled genomes. Each later generation
    picks parents by binary tournament (feasibility, then rank, then larger
    crowding distance), makes `n_offsprings` children with `variation`, and
    keeps the best `pop_size` of parents + children: feasible before
    infeasible (by total violation), then by front, the last front truncated
    by crowding distance. All of it runs natively; survival is one call to
    ``_core.nsga2_survival``.

    Parameters
    ----------
    pop_size, sampling, selection, crossover, mutation, variation, eliminate_duplicates, n_offsprings
        As in :class:`~evonas.algorithms.genetic.GeneticAlgorithm`: defaults
        ``pop_size=100``, random sampling, binary tournament
        (``selection=TournamentSelection(k=3)`` raises the pressure),
        ``SBX(eta=15, prob=0.9)``, ``PM(eta=20)``, duplicates eliminated,
        ``n_offsprings=pop_size``.

    Attributes
    ----------
    X, F, G : numpy.ndarray
        The population: genomes, objectives, constraints (None before the
        first tell).
    cv, rank, crowding : numpy.ndarray
        Total violation, Pareto rank and crowding distance of each member.
    """

    def _reset(self) -> None:
        super()._reset()
        self.rank: np.ndarray | None = None
        self.crowding: np.ndarray | None = None

    def _survive(self, F: np.ndarray, cv: np.ndarray) -> np.ndarray:
        keep, self.rank, self.crowding = _core.nsga2_survival(F, cv, self.pop_size, self.n_threads)
        return keep

    def _selection_criteria(self) -> dict[str, np.ndarray | None]:
        return {"rank": self.rank, "crowding": self.crowding, "cv": self.cv}


def _nsga2_survival_on(backend: _device.Backend, F: Any, cv: Any, n_survive: int) -> tuple[Any, Any, Any]:
    """NSGA-II survival on the CUDA path (or the emulated device), with the
    contract of ``_core.nsga2_survival``: (index int64, rank int32, crowding
    float64) of the min(n_survive, n) survivors, in index order, next to `F`.
    NaN objectives or violations mark a row infeasible (worst); `cv` None means
    no constraints."""
    mat = backend.matrix(F, "F", allow_nan=True)
    cv_ptr = 0 if cv is None else backend.vector(cv, mat, "cv")[1]
    n_out = min(n_survive, mat.rows)
    index, index_ptr = backend.empty(mat, "int64", n_out)
    rank, rank_ptr = backend.empty(mat, "int32", n_out)
    crowding, crowding_ptr = backend.empty(mat, "float64", n_out)
    backend.kernels.nsga2_survival(
        mat.ptr, mat.rows, mat.cols, cv_ptr, n_survive, index_ptr, rank_ptr, crowding_ptr, mat.device, mat.stream
    )
    return index, rank, crowding
