"""NSGA-II (Deb, Pratap, Agarwal and Meyarivan 2002) with an ask/tell interface."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core, _device
from .genetic import GeneticAlgorithm

__all__ = ["NSGA2"]

#: The ways to cut the front that overflows the population (see NSGA2).
TRUNCATIONS = ("auto", "crowding", "pruning", "neighbours")


class NSGA2(GeneticAlgorithm):
    """Non-dominated sorting genetic algorithm II, with Deb's constraint handling.

    Generation 1 evaluates `pop_size` sampled genomes. Each later generation
    picks parents by binary tournament (feasibility, then rank, then larger
    crowding distance), makes `n_offsprings` children with `variation`, and
    keeps the best `pop_size` of parents + children: feasible before
    infeasible (by total violation), then by front, the last front truncated
    as `truncation` says. All of it runs natively; survival is one call to
    ``_core.nsga2_survival``. With ``device="cuda"`` the generation runs on
    the GPU and the population stays there (same results); survival runs on
    the GPU with ``truncation="crowding"`` and on a host copy of the
    objectives otherwise (removal one point at a time is a chain of small
    dependent steps).

    Parameters
    ----------
    truncation : {"auto", "crowding", "pruning", "neighbours"}
        How the front that overflows the population is cut. "crowding":
        Deb et al.'s crowding distance, computed once, larger kept.
        "pruning": the point with the smallest crowding distance is removed
        and the distances recomputed, one point at a time (Kukkonen and Deb
        2006), which leaves no gaps where the one cut removes neighbours
        together. "neighbours": the same removal by the product of the
        distances to the m nearest points of the front (objectives scaled to
        [0, 1]; Kukkonen and Deb's measure for 3+ objectives, where crowding
        distance says little about spacing). "auto" (default): "pruning" for
        1-2 objectives, "neighbours" for more; on ZDT1-6 and DTLZ1-2 at 25,000
        evaluations either beats one-cut crowding (bench/RESULTS.md).
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
        Total violation, Pareto rank and crowding measure of each member (the
        truncation's measure among the members of its front; "crowding" gives
        the distance in the whole front, as Deb et al.).
    """

    _survives_on_device = True
    #: What an NSGA2 pickled before `truncation` existed ran with: it resumes unchanged.
    truncation = "crowding"

    def __init__(self, pop_size: int = 100, *, truncation: str = "auto", **options: Any) -> None:
        if not isinstance(truncation, str) or truncation not in TRUNCATIONS:
            raise ValueError(f"'truncation' must be one of {TRUNCATIONS}, but it is {truncation!r}")
        self.truncation = truncation
        super().__init__(pop_size, **options)

    def _reset(self) -> None:
        super()._reset()
        self.rank: Any = None
        self.crowding: Any = None

    def _survive(self, F: Any, cv: Any) -> Any:
        how = self.truncation
        if how == "auto":
            how = "pruning" if F.shape[1] <= 2 else "neighbours"
        if how == "crowding":
            keep, self.rank, self.crowding = self._where.nsga2_survival(F, cv, self.pop_size, self.n_threads)
            return keep
        # One removal at a time is a chain of small dependent steps: on a
        # device placement it runs on a host copy of F and cv.
        host = np.asarray(_device.to_host(F)), np.asarray(_device.to_host(cv))
        keep, rank, crowding = _core.nsga2_survival(*host, self.pop_size, how, self.n_threads)
        put = self._where.from_host
        self.rank, self.crowding = put(rank), put(crowding)
        return put(keep)

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
