"""`minimize`: run an ask/tell algorithm on a problem until a termination criterion."""

from __future__ import annotations

import copy
import math
import numbers
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _checkpoint, _device
from .algorithms.base import Algorithm, constraint_violation
from ._validation import as_reference_point
from .indicators import hypervolume
from .pareto import nondominated
from .problems.base import Problem

__all__ = ["minimize", "Result", "Record"]

_CRITERIA = ("n_gen", "n_eval", "time", "hv_stagnation")
#: Without `hv_ref`, the history's hypervolume is skipped above this many
#: objectives (cost of exact hypervolume on every generation).
_HV_MAX_OBJ = 3
#: Default relative tolerance of ("hv_stagnation", window).
_STAGNATION_TOL = 1e-4


@dataclass(frozen=True)
class Record:
    """One generation of a run's history.

    hv is the hypervolume of the feasible non-dominated points: with
    ``minimize(..., hv_ref=r)`` measured in the raw objective space against
    `r`; otherwise normalised by the ideal and nadir of the problem's known
    Pareto front with reference point 1.1 in every objective (up to three
    objectives). None when neither applies.
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
    X, F, G : numpy.ndarray or device array
        The feasible non-dominated members of the final population (duplicates
        included). If no member is feasible: the one with the least violation.
        Device arrays when the algorithm runs on a device (``device="cuda"``).
    pop_X, pop_F, pop_G : numpy.ndarray or device array
        The whole final population.
    history : list of Record
        One entry per generation run by this call (by the whole run when
        resumed from a checkpoint).
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


@dataclass(frozen=True)
class _Criterion:
    name: str
    limit: float
    tol: float = 0.0


def _termination(termination: Any) -> list[_Criterion]:
    items = [termination] if isinstance(termination, tuple) else termination
    if not isinstance(items, list) or not items:
        raise TypeError(
            f"'termination' must be a tuple such as ('n_gen', 100) or a list of them, but it is {termination!r}"
        )
    out = []
    for item in items:
        stagnation = isinstance(item, tuple) and item[:1] == ("hv_stagnation",)
        if not (isinstance(item, tuple) and item[:1] and item[0] in _CRITERIA and (len(item) == 2 or stagnation and len(item) == 3)):
            raise ValueError(
                f"'termination' entries must be (name, limit) with name in {_CRITERIA} "
                f"(or ('hv_stagnation', window, tol)), but one is {item!r}"
            )
        name, limit = item[0], item[1]
        if isinstance(limit, bool) or not isinstance(limit, numbers.Real) or not limit >= 0 or math.isnan(limit):
            raise ValueError(f"the '{name}' termination limit must be a number >= 0, but it is {limit!r}")
        if name != "time" and not isinstance(limit, numbers.Integral):
            raise TypeError(f"the '{name}' termination limit must be an int, but it is {limit!r}")
        tol = _STAGNATION_TOL
        if stagnation:
            if limit < 1:
                raise ValueError(f"the 'hv_stagnation' window must be an int >= 1 (generations), but it is {limit!r}")
            if len(item) == 3:
                tol = item[2]
                if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0 <= tol < math.inf:
                    raise ValueError(f"the 'hv_stagnation' tolerance must be a finite number >= 0, but it is {tol!r}")
        out.append(_Criterion(name, float(limit), float(tol)))
    return out


def _stagnated(criterion: _Criterion, history: list[Record]) -> bool:
    """True when the front's hypervolume grew by at most `tol` (relative) over
    the last `window` generations of this call.

    A volume of 0 (nothing dominates the reference point yet) is not
    stagnation: the search has not reached the measured region.
    """
    window = int(criterion.limit)
    if len(history) <= window:
        return False
    then, now = history[-1 - window].hv, history[-1].hv
    assert then is not None and now is not None
    return then > 0 and now - then <= criterion.tol * then


def _done(criteria: list[_Criterion], algorithm: Algorithm, elapsed: float, history: list[Record]) -> bool:
    values = {"n_gen": algorithm.n_gen, "n_eval": algorithm.n_eval, "time": elapsed}
    for criterion in criteria:
        if criterion.name == "hv_stagnation":
            if _stagnated(criterion, history):
                return True
        elif values[criterion.name] >= criterion.limit:
            return True
    return False


class _FrontHypervolume:
    """Hypervolume of a generation's feasible front: against the user's
    reference point, or normalised by the problem's known front."""

    def __init__(self, problem: Problem, ref: Any) -> None:
        self.ideal: np.ndarray | None = None
        self.ref: np.ndarray | None = None
        if ref is not None:
            self.ref = as_reference_point(ref, problem.n_obj, name="hv_ref")
            return
        if problem.n_obj > _HV_MAX_OBJ:
            return
        try:
            front = problem.pareto_front()
        except NotImplementedError:
            return
        self.ideal = front.min(axis=0)
        self.scale = np.maximum(front.max(axis=0) - self.ideal, 1e-12)

    @property
    def available(self) -> bool:
        return self.ref is not None or self.ideal is not None

    def __call__(self, F: np.ndarray) -> float:
        if F.shape[0] == 0:
            return 0.0
        if self.ref is not None:
            return hypervolume(F, self.ref)
        assert self.ideal is not None
        Z = (F - self.ideal) / self.scale
        return hypervolume(Z, np.full(F.shape[1], 1.1))


def _feasible_front(algorithm: Any) -> np.ndarray:
    """Objectives of the feasible non-dominated members (empty if none is
    feasible), on the host: the only population data a device run copies
    back per generation, and only when the history has a hypervolume."""
    F = algorithm.F[constraint_violation(algorithm.F, algorithm.G) <= 0]
    front = F[nondominated(F, device=algorithm._where.device)]
    return np.asarray(_device.to_host(front))


def _best(algorithm: Any) -> tuple[Any, Any, Any]:
    X, F, G = algorithm.X, algorithm.F, algorithm.G
    cv = constraint_violation(F, G)
    feasible = cv <= 0
    if not bool(feasible.any()):
        i = int(cv.argmin())  # first least violation; NaN rows carry +inf
        return X[i : i + 1], F[i : i + 1], G[i : i + 1]
    X, F, G = X[feasible], F[feasible], G[feasible]
    mask = nondominated(F, device=algorithm._where.device)
    return X[mask], F[mask], G[mask]


def minimize(
    problem: Problem,
    algorithm: Algorithm,
    termination: Any,
    /,
    *,
    seed: int | None = None,
    hv_ref: Any = None,
    callback: Callable[[Algorithm], Any] | None = None,
    verbose: bool = False,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = 1,
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
        this call ran s seconds; ``("hv_stagnation", w)`` or
        ``("hv_stagnation", w, tol)``: once the history's hypervolume grew by
        at most `tol` (relative, default 1e-4) over the last `w` generations
        of this call, once it is above 0 (needs `hv_ref` or a problem with a known front, up to
        three objectives). A list stops at the first criterion met.
    seed : int, optional
        Seed of every random stream: the same seed gives the same result.
    hv_ref : array_like of shape (n_obj,), optional
        Reference point of the history's hypervolume, in the raw objective
        space (any number of objectives; exact hypervolume every generation,
        so costly for large fronts with many objectives). Without it the
        history uses the problem's known front to normalise (up to three
        objectives) or records None.
    callback : callable, optional
        Called as ``callback(algorithm)`` after every generation.
    verbose : bool, default False
        Print one line per generation.
    checkpoint : path, optional
        A file that keeps the run: after every `checkpoint_every`
        generations, and at the end, the algorithm's state, the history and
        the time spent are written to it (atomically: a crash leaves the
        previous state). If the file exists when `minimize` starts, the run
        resumes from it instead of starting afresh: `algorithm` must then be
        fresh and of the saved class, the problem must have the saved class
        and sizes, and `seed` must be None or the saved one. A resumed run
        gives the result of an uninterrupted one, bit for bit (the
        ``"time"`` criterion and `Record.time` count the time of every call).
        A run interrupted during a generation repeats that generation's
        evaluations. The file is a pickle: resume only files you wrote.
    checkpoint_every : int, default 1
        Generations between checkpoints (pickling a large population every
        generation costs time).

    Returns
    -------
    Result

    Raises
    ------
    ValueError
        Among others, when the checkpoint belongs to another problem,
        algorithm class or seed, or is not a checkpoint.
    """
    if not isinstance(problem, Problem):
        raise TypeError(f"'problem' must be an evonas Problem, but it is {type(problem).__name__}")
    if not isinstance(algorithm, Algorithm):
        raise TypeError(f"'algorithm' must be an evonas Algorithm, but it is {type(algorithm).__name__}")
    criteria = _termination(termination)
    hv = _FrontHypervolume(problem, hv_ref)
    if not hv.available and any(c.name == "hv_stagnation" for c in criteria):
        raise ValueError(
            "the 'hv_stagnation' termination needs a hypervolume every generation: give hv_ref= "
            "(a reference point) or use a problem with a known Pareto front (up to 3 objectives)"
        )
    if callback is not None and not callable(callback):
        raise TypeError(f"'callback' must be callable, but it is {callback!r}")
    path = _checkpoint.as_path(checkpoint)
    if isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, numbers.Integral) or checkpoint_every < 1:
        raise ValueError(f"'checkpoint_every' must be an int >= 1 (generations), but it is {checkpoint_every!r}")
    history: list[Record] = []
    spent = 0.0
    if path is not None and path.exists():
        if algorithm.is_setup:
            raise ValueError(
                f"'checkpoint' file {str(path)!r} exists, so the run resumes from it: pass a fresh algorithm "
                "(not one already set up) or another checkpoint path"
            )
        algorithm, history, spent = _checkpoint.load(path, problem, algorithm, seed)
    elif algorithm.is_setup:
        if seed is not None:
            raise ValueError("'seed' must be None when continuing an algorithm that is already set up")
    else:
        algorithm = copy.deepcopy(algorithm).setup(problem, seed=seed)
    start = time.perf_counter() - spent
    call_start = time.perf_counter()
    while not _done(criteria, algorithm, time.perf_counter() - start, history):
        X = algorithm.ask()
        F, G = problem.evaluate(X)
        algorithm.tell(F, G)
        record = Record(
            n_gen=algorithm.n_gen,
            n_eval=algorithm.n_eval,
            hv=hv(_feasible_front(algorithm)) if hv.available else None,
            time=time.perf_counter() - start,
        )
        history.append(record)
        if verbose:
            hv_text = "" if record.hv is None else f"  hv {record.hv:.6g}"
            print(f"gen {record.n_gen:5d}  evals {record.n_eval:8d}{hv_text}  {record.time:8.2f} s")
        if callback is not None:
            callback(algorithm)
        if path is not None and algorithm.n_gen % checkpoint_every == 0:
            _checkpoint.save(path, problem, algorithm, history, time.perf_counter() - start)
    if path is not None and not (history and algorithm.n_gen % checkpoint_every == 0):
        # The end of the run, unless its last generation was just saved.
        _checkpoint.save(path, problem, algorithm, history, time.perf_counter() - start)
    pop: Any = algorithm
    if getattr(pop, "X", None) is None:
        raise RuntimeError("the termination criterion was met before the first generation: nothing was evaluated")
    X_best, F_best, G_best = _best(pop)
    return Result(
        X=X_best,
        F=F_best,
        G=G_best,
        pop_X=pop._where.copy(pop.X),
        pop_F=pop._where.copy(pop.F),
        pop_G=pop._where.copy(pop.G),
        algorithm=algorithm,
        n_gen=algorithm.n_gen,
        n_eval=algorithm.n_eval,
        exec_time=time.perf_counter() - call_start,
        history=history,
    )
