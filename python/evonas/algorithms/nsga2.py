"""NSGA-II (Deb, Pratap, Agarwal and Meyarivan 2002) with an ask/tell interface."""

from __future__ import annotations

from typing import Any

from .. import _device
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
    ``_core.nsga2_survival``. With ``device="cuda"`` the whole generation
    runs on the GPU and the population stays there (same results).

    Parameters
    ----------
    pop_size, sampling, selection, crossover, mutation, variation, eliminate_duplicates, n_offsprings, device
        As in :class:`~evonas.algorithms.genetic.GeneticAlgorithm`: defaults
        ``pop_size=100``, random sampling, binary tournament
        (``selection=TournamentSelection(k=3)`` raises the pressure),
        ``SBX(eta=15, prob=0.9)``, ``PM(eta=20, prob=0.9)``, duplicates eliminated,
        ``n_offsprings=pop_size``, ``device="cpu"``.

    Attributes
    ----------
    X, F, G : numpy.ndarray or device array
        The population: genomes, objectives, constraints (None before the
        first tell).
    cv, rank, crowding : numpy.ndarray or device array
        Total violation, Pareto rank and crowding distance of each member.
    """

    _survives_on_device = True

    def _reset(self) -> None:
        super()._reset()
        self.rank: Any = None
        self.crowding: Any = None

    def _survive(self, F: Any, cv: Any) -> Any:
        keep, self.rank, self.crowding = self._where.nsga2_survival(F, cv, self.pop_size, self.n_threads)
        return keep

    def _selection_criteria(self) -> dict[str, Any]:
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
