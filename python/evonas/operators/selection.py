"""Parent selection by k-way tournaments, natively."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _core, _device
from .._validation import _numeric_array, as_positive_int, as_ranks, as_seed, as_threads
from ._common import MAX_ROWS, as_generation, as_row_count
from ._on_device import tournament_on

__all__ = ["TournamentSelection"]


def _criterion(values: Any, name: str) -> np.ndarray:
    arr = _numeric_array(values, name)
    if arr.ndim != 1:
        raise ValueError(f"'{name}' must be a 1-D array (one value per individual), but it has shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float64)


@dataclass(frozen=True, kw_only=True)
class TournamentSelection:
    """k-way tournament selection with Deb's constraint handling.

    The competitors are random permutations of the population laid end to
    end, `k` per tournament (tournament selection without replacement, as in
    Deb's NSGA-II code and pymoo): every individual gets one place in each
    permutation, so none misses a generation's tournaments by chance. Each
    tournament picks the best: lower constraint violation first (feasible
    individuals, ``cv <= 0``, beat infeasible ones; among infeasible ones
    less violation wins), then lower Pareto rank with larger crowding
    distance as tie-break (NSGA-II's crowded comparison), or lower
    `fitness`. NaN is worse than any number (+inf included) in every
    criterion. Remaining ties go to the competitor drawn first, itself
    uniformly random.

    Parameters
    ----------
    k : int, default 2
        Competitors per tournament (pymoo's `pressure`); 2 is binary
        tournament.
    """

    k: int = 2

    def __post_init__(self) -> None:
        if isinstance(self.k, bool) or not isinstance(self.k, numbers.Integral):
            raise TypeError(f"'k' must be a positive int, but it is {self.k!r}")
        if not 1 <= self.k <= 1024:
            raise ValueError(f"'k' must be an int in [1, 1024], but it is {self.k}")
        object.__setattr__(self, "k", int(self.k))

    def do(
        self,
        n_select: int,
        /,
        *,
        n_parents: int = 2,
        rank: Any = None,
        crowding: Any = None,
        fitness: Any = None,
        cv: Any = None,
        seed: int | None = None,
        generation: int = 0,
        n_threads: int | None = None,
        device: str = "auto",
    ) -> Any:
        """Select `n_select` groups of `n_parents` individuals.

        Give `rank` (optionally with `crowding`) or `fitness`, and optionally
        `cv`; all have one entry per individual of the population.

        Parameters
        ----------
        n_select : int
            Number of groups (matings), >= 0.
        n_parents : int, default 2
            Individuals per group: 2 gives the ``(n_matings, 2)`` pairs that
            the crossover operators take.
        rank : array_like of int, shape (n,), optional
            Pareto rank (0 = first front), minimised.
        crowding : array_like of float, shape (n,), optional
            Crowding distance, maximised among equal ranks; needs `rank`.
        fitness : array_like of float, shape (n,), optional
            Scalar fitness, minimised; instead of `rank`.
        cv : array_like of float, shape (n,), optional
            Total constraint violation; ``<= 0`` is feasible.
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
        numpy.ndarray of int64, shape (n_select, n_parents)
            Row indices of the winners; tournament ``t = i * n_parents + j``
            fills entry ``[i, j]`` with the best of the entries ``t * k`` to
            ``t * k + k - 1`` of the permutations, permutation ``p`` drawn
            from the stream ``(seed, generation, p)``.

        Notes
        -----
        O(n + n_select * n_parents * k), in parallel.
        """
        count = as_row_count(n_select, "n_select")
        group = as_positive_int(n_parents, "n_parents")
        total = count * group
        if total > MAX_ROWS:
            raise ValueError(f"'n_select' * 'n_parents' must be at most 2**28, but it is {total}")
        if rank is not None and fitness is not None:
            raise ValueError("give 'rank' (with 'crowding') or 'fitness', not both")
        if crowding is not None and rank is None:
            raise ValueError("'crowding' breaks ties between equal ranks: it needs 'rank'")
        if rank is None and fitness is None and cv is None:
            raise TypeError("TournamentSelection.do needs 'rank', 'fitness' or 'cv' to compare individuals")
        inputs = {"rank": rank, "fitness": fitness, "crowding": crowding, "cv": cv}
        backend = _device.resolve(device, *inputs.values())
        # The criteria are checked on the host (one entry per individual).
        given: dict[str, np.ndarray] = {}
        for name, value in inputs.items():
            if value is None:
                continue
            value = _device.to_host(value)
            if name == "rank":
                raw = np.asarray(value)
                given[name] = as_ranks(raw, raw.shape[0] if raw.ndim == 1 else 0, name="rank")
            else:
                given[name] = _criterion(value, name)
        n_pop = next(iter(given.values())).shape[0]
        for name, arr in given.items():
            if arr.shape[0] != n_pop:
                raise ValueError(f"'{name}' must have one entry per individual ({n_pop}), but it has {arr.shape[0]}")
        if n_pop == 0 and total > 0:
            raise ValueError("cannot select from an empty population (the criteria arrays are empty)")
        if total * self.k > MAX_ROWS * n_pop:
            raise ValueError(
                f"'n_select' * 'n_parents' * k must be at most 2**28 * the population size ({n_pop}), "
                f"but it is {total * self.k}"
            )
        if backend is not None:
            like = next((v for v in inputs.values() if _device.on_cuda(v)), None)
            winners = tournament_on(
                backend, n_pop, total, self.k, given, as_seed(seed), as_generation(generation), like
            )
            return winners.reshape(count, group)
        winners = _core.tournament_select(
            n_pop,
            total,
            self.k,
            given.get("rank"),
            given.get("fitness"),
            given.get("crowding"),
            given.get("cv"),
            as_seed(seed),
            as_generation(generation),
            as_threads(n_threads),
        )
        return winners.reshape(count, group)
