"""The ask/tell template shared by the evolutionary algorithms.

An algorithm is set up once on a search space (or a problem), then driven by
alternating calls: :meth:`Algorithm.ask` returns the genomes to evaluate and
:meth:`Algorithm.tell` takes their objective (and constraint) values. All of
the state lives in plain attributes (numpy arrays, ints, frozen operator
dataclasses), so an algorithm pickles between any two calls and resumes
bit-identically: every random draw is keyed by ``(seed, generation, ...)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from array_api_compat import array_namespace, device

from .._validation import as_seed, as_threads
from ..problems.base import Problem
from ..space import Space
from ._placement import Host, OnDevice

__all__ = ["Algorithm", "constraint_violation"]


def constraint_violation(F: Any, G: Any) -> Any:
    """Total violation per row: ``sum(max(G, 0))``; +inf where F or G holds NaN.

    NaN marks a failed evaluation: it is ranked below every measured
    solution, feasible or not. Works on numpy, torch and CuPy arrays alike
    (float64 (n, m) and (n, k)); the result is of the same kind.
    """
    xp = array_namespace(F, G)
    where = device(F)
    if G.shape[1]:
        cv = xp.sum(xp.maximum(G, xp.asarray(0.0, dtype=G.dtype, device=where)), axis=1)
    else:
        cv = xp.zeros(G.shape[0], dtype=F.dtype, device=where)
    bad = xp.any(xp.isnan(F), axis=1) | xp.isnan(cv)
    return xp.where(bad, xp.asarray(xp.inf, dtype=cv.dtype, device=where), cv)


class Algorithm:
    """Base class: ask/tell bookkeeping and argument checks.

    Subclasses implement ``_infill()`` (the genomes of the next batch, given
    the state) and ``_advance(X, F, G)`` (consume an evaluated batch).

    Attributes
    ----------
    space : Space or None
        The search space, once set up.
    n_obj, n_ieq_constr : int or None
        Taken from the problem, or (for a bare space) from the first `tell`.
    n_gen : int
        Batches told so far (the initial population is generation 1).
    n_eval : int
        Genomes evaluated so far.
    seed : int or None
        The seed in use (drawn at `setup` when None was given).
    """

    def __init__(self) -> None:
        self.space: Space | None = None
        self.n_obj: int | None = None
        self.n_ieq_constr: int | None = None
        self.seed: int | None = None
        self.n_threads: int = 0
        self.n_gen = 0
        self.n_eval = 0
        self._pending: Any = None
        self._where: Host | OnDevice = Host()

    # -- set-up ---------------------------------------------------------------

    @property
    def is_setup(self) -> bool:
        """Whether :meth:`setup` has been called."""
        return self.space is not None

    def setup(self, problem: Problem | Space, /, *, seed: int | None = None, n_threads: int | None = None) -> Any:
        """Prepare a fresh run on `problem` (or a bare search space).

        Parameters
        ----------
        problem : Problem or Space
            A problem fixes n_obj and n_ieq_constr; a bare Space takes them
            from the first :meth:`tell`.
        seed : int, optional
            Seed of every random stream; None draws one (kept in ``seed``).
        n_threads : int, optional
            Threads for the native kernels; results do not depend on it.

        Returns
        -------
        self
        """
        if isinstance(problem, Problem):
            self.space = problem.space
            self.n_obj, self.n_ieq_constr = int(problem.n_obj), int(problem.n_ieq_constr)
        elif isinstance(problem, Space):
            self.space = problem
            self.n_obj = self.n_ieq_constr = None
        else:
            raise TypeError(f"'problem' must be an evonas Problem or Space, but it is {type(problem).__name__}")
        self.seed = as_seed(seed)
        self.n_threads = as_threads(n_threads)
        self.n_gen = 0
        self.n_eval = 0
        self._pending = None
        self._reset()
        return self

    # -- ask / tell -----------------------------------------------------------

    def ask(self) -> Any:
        """The genomes to evaluate next, float64 of shape (n, len(space)).

        A copy: changing it does not affect the algorithm. Asking again
        before :meth:`tell` returns the same batch. A numpy array, or a
        device array for an algorithm placed on a device (``device=``).

        Raises
        ------
        RuntimeError
            If the algorithm has not been set up.
        """
        if not self.is_setup:
            raise RuntimeError(f"{type(self).__name__}.ask() needs setup(problem_or_space, seed=...) first")
        if self._pending is None:
            self._pending = self._infill()
        return self._where.copy(self._pending)

    def select_pending(self, rows: Any, /) -> Any:
        """Narrow the pending batch to `rows` before :meth:`tell` (screening).

        For a caller that asked for a large pool and evaluates only some of
        it: afterwards :meth:`ask` returns (and :meth:`tell` expects values
        for) just the chosen genomes, in the order given. The narrowed batch
        is part of the state, so it pickles like any other.

        Parameters
        ----------
        rows : array_like of int, shape (k,)
            Distinct indices into the current pending batch, 0 <= row < n, k >= 1.

        Returns
        -------
        numpy.ndarray
            A copy of the narrowed batch (what :meth:`ask` now returns).

        Raises
        ------
        RuntimeError
            If nothing was asked since the last tell.
        TypeError
            If `rows` does not hold integers.
        ValueError
            If `rows` is not 1-D, is empty, repeats a row or is out of range.
        """
        if self._pending is None:
            raise RuntimeError(f"{type(self).__name__}.select_pending() needs a pending ask(): call ask() first")
        idx = np.asarray(rows)
        if idx.ndim != 1 or idx.shape[0] == 0:
            raise ValueError(f"'rows' must be a non-empty 1-D array of row indices, but it has shape {idx.shape}")
        if idx.dtype.kind not in "iu":
            raise TypeError(f"'rows' must hold integer row indices, but its dtype is {idx.dtype}")
        n = self._pending.shape[0]
        if idx.min() < 0 or idx.max() >= n:
            bad = int(idx[(idx < 0) | (idx >= n)][0])
            raise ValueError(f"'rows' must lie in [0, {n}) (the pending batch), but it holds {bad}")
        if np.unique(idx).shape[0] != idx.shape[0]:
            raise ValueError("'rows' must not repeat a row index")
        self._pending = self._where.take(self._pending, idx.astype(np.int64))
        return self._where.copy(self._pending)

    def tell(self, F: Any, G: Any = None, /) -> None:
        """Report the objective values `F` (and constraints `G`) of the last :meth:`ask`.

        Parameters
        ----------
        F : array_like, shape (n, n_obj)
            Objectives to minimise, one row per asked genome, in order. NaN
            marks a failed evaluation (ranked worst). Host or device arrays
            (numpy, torch, CuPy): they are copied to where the population
            lives.
        G : array_like, shape (n, n_ieq_constr), optional
            Inequality constraints, feasible iff all <= 0. Required when the
            problem declares constraints.

        Raises
        ------
        RuntimeError
            If nothing was asked since the last tell.
        ValueError
            If `F` or `G` has the wrong shape.
        """
        if self._pending is None:
            raise RuntimeError(f"{type(self).__name__}.tell() called without a pending ask(): call ask() first")
        X = self._pending
        n = X.shape[0]
        F_arr = self._where.values(F, "F")
        if F_arr.ndim != 2 or F_arr.shape[0] != n or F_arr.shape[1] == 0:
            want = f"({n}, {self.n_obj})" if self.n_obj is not None else f"({n}, n_obj)"
            raise ValueError(
                f"'F' must have shape {want} (one row per asked genome), but it has shape {tuple(F_arr.shape)}"
            )
        if self.n_obj is not None and F_arr.shape[1] != self.n_obj:
            raise ValueError(f"'F' must have {self.n_obj} columns (objectives), but it has {F_arr.shape[1]}")
        if G is None:
            if self.n_ieq_constr:
                raise ValueError(f"'G' is required: the problem declares n_ieq_constr={self.n_ieq_constr}")
            G_arr = self._where.empty(n, 0)
        else:
            G_arr = self._where.values(G, "G")
            if G_arr.ndim == 1 and G_arr.shape[0] == n:
                G_arr = G_arr[:, None]
            k = self.n_ieq_constr
            if G_arr.ndim != 2 or G_arr.shape[0] != n or (k is not None and G_arr.shape[1] != k):
                want = f"({n}, {k})" if k is not None else f"({n}, n_ieq_constr)"
                raise ValueError(
                    f"'G' must have shape {want} (one row per asked genome), but it has shape {tuple(G_arr.shape)}"
                )
        self.n_obj = int(F_arr.shape[1])
        self.n_ieq_constr = int(G_arr.shape[1])
        self._advance(X, F_arr, G_arr)
        self._pending = None
        self.n_gen += 1
        self.n_eval += n

    # -- for subclasses -------------------------------------------------------

    def _reset(self) -> None:
        """Clear the population state (called by :meth:`setup`)."""

    def _infill(self) -> Any:
        raise NotImplementedError

    def _advance(self, X: Any, F: Any, G: Any) -> None:
        raise NotImplementedError
