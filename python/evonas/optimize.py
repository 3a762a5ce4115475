"""`minimize`: run an ask/tell algorithm on a problem until a termination criterion."""

from __future__ import annotations

import copy
import math
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .algorithms.base import Algorithm, constraint_violation
from .indicators import hypervolume
from .pareto import nondominated
from .problems.base import Problem

__all__ = ["minimize", "Result", "Record"]

_CRITERIA = ("n_gen", "n_eval", "time")
#: The history's hypervolume is skipped above this many objectives (cost).
_HV_MAX_OBJ = 3


@dataclass(frozen=True)
class Record:
    """One generation of a run's history.

    hv is the hypervolume of the feasible non-dominated points normalised by
    the ideal and nadir of the problem's known Pareto front, with reference
    point 1.1 in every objective; None when the front is not known (or for
    more than three objectives).
    """

    n_gen: int
    n_eval: int
    hv: float | None
    time: float


@dataclass
class Result:
    """The outcome of :func:`minimize`.

    Attributes
    ----------
    X, F, G : numpy.ndarray
        The feasible non-dominated members of the final population (duplicates
        included). If no member is feasible: the one with the least violation.
    pop_X, pop_F, pop_G : numpy.ndarray
        The whole final population.
    history : list of Record
        One entry per generation run by this call.
    algorithm : Algorithm
        The algorithm in its final state: pickle it, or pass it to
        :func:`minimize` again to continue the run.
    n_gen, n_eval : int
        Generations and evaluations, in total.
    exec_time : float
        Seconds spent in this call.
    """

    X: np.ndarray
    F: np.ndarray
    G: np.ndarray
    pop_X: np.ndarray
    pop_F: np.ndarray
    pop_G: np.ndarray
    algorithm: Algorithm
    n_gen: int
    n_eval: int
    exec_time: float
    history: list[Record] = field(default_factory=list)


def _termination(termination: Any) -> list[tuple[str, float]]:
    items = [termination] if isinstance(termination, tuple) else termination
    if not isinstance(items, list) or not items:
        raise TypeError(
            f"'termination' must be a tuple such as ('n_gen', 100) or a list of them, but it is {termination!r}"
        )
    out = []
    for item in items:
        if not (isinstance(item, tuple) and len(item) == 2 and item[0] in _CRITERIA):
            raise ValueError(f"'termination' entries must be (name, limit) with name in {_CRITERIA}, but one is {item!r}")
        name, limit = item
        if isinstance(limit, bool) or not isinstance(limit, numbers.Real) or not limit >= 0 or math.isnan(limit):
            raise ValueError(f"the '{name}' termination limit must be a number >= 0, but it is {limit!r}")
        if name != "time" and not isinstance(limit, numbers.Integral):
            raise TypeError(f"the '{name}' termination limit must be an int, but it is {limit!r}")
        out.append((name, float(limit)))
    return out


def _done(criteria: list[tuple[str, float]], algorithm: Algorithm, elapsed: float) -> bool:
    values = {"n_gen": algorithm.n_gen, "n_eval": algorithm.n_eval, "time": elapsed}
    return any(values[name] >= limit for name, limit in criteria)


class _Normaliser:
    """Hypervolume of a normalised front, when the problem's front is known."""

    def __init__(self, problem: Problem) -> None:
        self.ideal: np.ndarray | None = None
        if problem.n_obj > _HV_MAX_OBJ:
            return
        try:
            front = problem.pareto_front()
        except NotImplementedError:
            return
        self.ideal = front.min(axis=0)
        self.scale = np.maximum(front.max(axis=0) - self.ideal, 1e-12)

    def __call__(self, F: np.ndarray) -> float | None:
        if self.ideal is None:
            return None
        if F.shape[0] == 0:
            return 0.0
        Z = (F - self.ideal) / self.scale
        return hypervolume(Z, np.full(F.shape[1], 1.1))


def _best(algorithm: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X, F, G = algorithm.X, algorithm.F, algorithm.G
    cv = constraint_violation(F, G)
    feasible = cv <= 0
    if not feasible.any():
        i = int(np.argmin(cv))  # first least violation; NaN rows carry +inf
        return X[i : i + 1], F[i : i + 1], G[i : i + 1]
    X, F, G = X[feasible], F[feasible], G[feasible]
    mask = nondominated(F).astype(bool)
    return X[mask], F[mask], G[mask]


def minimize(
    problem: Problem,
    algorithm: Algorithm,
    termination: Any,
    /,
    *,
    seed: int | None = None,
    callback: Callable[[Algorithm], Any] | None = None,
    verbose: bool = False,
) -> Result:
    """Minimise `problem` with `algorithm` until `termination`.

    Parameters
    ----------
    problem : Problem
    algorithm : Algorithm
        Not modified when fresh: a copy is set up with `seed` and run. An
        algorithm already set up (e.g. ``result.algorithm``, or one
        unpickled) is continued in place instead; `seed` must then be None.
    termination : tuple or list of tuple
        ``("n_gen", k)``: stop once k generations ran in total (the initial
        population is generation 1); ``("n_eval", k)``: once k evaluations
        were made (the last generation may overshoot); ``("time", s)``: once
        this call ran s seconds. A list stops at the first criterion met.
    seed : int, optional
        Seed of every random stream: the same seed gives the same result.
    callback : callable, optional
        Called as ``callback(algorithm)`` after every generation.
    verbose : bool, default False
        Print one line per generation.

    Returns
    -------
    Result
    """
    if not isinstance(problem, Problem):
        raise TypeError(f"'problem' must be an evonas Problem, but it is {type(problem).__name__}")
    if not isinstance(algorithm, Algorithm):
        raise TypeError(f"'algorithm' must be an evonas Algorithm, but it is {type(algorithm).__name__}")
    criteria = _termination(termination)
    if callback is not None and not callable(callback):
        raise TypeError(f"'callback' must be callable, but it is {callback!r}")
    if algorithm.is_setup:
        if seed is not None:
            raise ValueError("'seed' must be None when continuing an algorithm that is already set up")
    else:
        algorithm = copy.deepcopy(algorithm).setup(problem, seed=seed)
    hv = _Normaliser(problem)
    start = time.perf_counter()
    history: list[Record] = []
    while not _done(criteria, algorithm, time.perf_counter() - start):
        X = algorithm.ask()
        F, G = problem.evaluate(X)
        algorithm.tell(F, G)
        feasible_front = _best(algorithm)[1] if hv.ideal is not None else None
        record = Record(
            n_gen=algorithm.n_gen,
            n_eval=algorithm.n_eval,
            hv=hv(feasible_front) if feasible_front is not None else None,
            time=time.perf_counter() - start,
        )
        history.append(record)
        if verbose:
            hv_text = "" if record.hv is None else f"  hv {record.hv:.6g}"
            print(f"gen {record.n_gen:5d}  evals {record.n_eval:8d}{hv_text}  {record.time:8.2f} s")
        if callback is not None:
            callback(algorithm)
    pop: Any = algorithm
    if getattr(pop, "X", None) is None:
        raise RuntimeError("the termination criterion was met before the first generation: nothing was evaluated")
    X_best, F_best, G_best = _best(pop)
    return Result(
        X=X_best,
        F=F_best,
        G=G_best,
        pop_X=pop.X.copy(),
        pop_F=pop.F.copy(),
        pop_G=pop.G.copy(),
        algorithm=algorithm,
        n_gen=algorithm.n_gen,
        n_eval=algorithm.n_eval,
        exec_time=time.perf_counter() - start,
        history=history,
    )
