"""Problems from a function of one genome, compiled with numba and run over the population in parallel.

Many objective functions are easiest to write for one candidate at a time,
with loops that numpy cannot vectorise. :func:`from_function` turns such a
function into a :class:`Problem` whose evaluation calls it for every row of
the population: compiled by numba (``numba.njit``) and spread over all cores
(``prange``) when numba can compile it, or row by row in Python otherwise.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .._validation import as_int_at_least, as_positive_int
from .base import Problem

__all__ = ["from_function"]


class _FunctionProblem(Problem):
    """The problem :func:`from_function` returns."""

    def __init__(
        self, func: Callable[[np.ndarray], Any], n_obj: int, n_ieq_constr: int, xl: Any, xu: Any, jit: Any
    ) -> None:
        lower = np.atleast_1d(np.asarray(xl, dtype=np.float64))
        super().__init__(n_var=lower.shape[0], n_obj=n_obj, n_ieq_constr=n_ieq_constr, xl=xl, xu=xu)
        self.func = func
        self.jit = jit
        self._compiled: tuple[Any, Any] | None = None  # (row function, parallel driver), on first use
        self._python = jit is False
        self._width_checked = False

    def __repr__(self) -> str:
        name = getattr(self.func, "__name__", type(self.func).__name__)
        return f"from_function({name}, n_var={self.n_var}, n_obj={self.n_obj}, n_ieq_constr={self.n_ieq_constr})"

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_compiled"] = None  # compiled code does not pickle; it is rebuilt on first use
        return state

    def _evaluate(self, X: Any, out: dict[str, Any]) -> None:
        X = np.ascontiguousarray(X, dtype=np.float64)
        values = np.empty((X.shape[0], self.n_obj + self.n_ieq_constr))
        if X.shape[0]:
            row = self._row_function()  # compiles on first use (or falls back to Python)
            if self._python:
                for i in range(X.shape[0]):
                    values[i] = self._checked(row(X[i]))
            else:
                if not self._width_checked:  # the compiled loop cannot check it; once is enough
                    self._checked(row(X[0].copy()))
                    self._width_checked = True
                self._run_compiled(X, values)
        out["F"] = values[:, : self.n_obj]
        if self.n_ieq_constr:
            out["G"] = values[:, self.n_obj :]

    def _checked(self, result: Any) -> np.ndarray:
        """One genome's result as a float64 vector of the declared width (ValueError otherwise)."""
        got = np.asarray(result, dtype=np.float64)
        width = self.n_obj + self.n_ieq_constr
        if got.shape != (width,):
            raise ValueError(
                f"the function must return {width} values for one genome (n_obj = {self.n_obj} objectives, then "
                f"n_ieq_constr = {self.n_ieq_constr} constraints), but it returned shape {got.shape}"
            )
        return got

    def _row_function(self) -> Callable[[np.ndarray], Any]:
        if self._python:
            return self.func
        if self._compiled is None:
            self._compiled = self._compile()
            if self._compiled is None:  # "auto" without numba, or a function numba cannot compile
                self._python = True
                return self.func
        return self._compiled[0]

    def _compile(self) -> tuple[Any, Any] | None:
        try:
            import numba
        except ImportError:
            if self.jit is True:
                raise ImportError("from_function(..., jit=True) needs numba: pip install numba") from None
            return None
        row = numba.njit(self.func)
        try:
            row.compile((numba.types.float64[::1],))  # for the rows of a C-contiguous float64 matrix
        except numba.core.errors.NumbaError as exc:
            if self.jit is True:
                raise TypeError(f"numba could not compile the function: {str(exc).splitlines()[0]}") from None
            warnings.warn(
                f"numba could not compile {self!r}, so it runs row by row in Python (pass jit=False to say so, "
                f"or make it numba-compatible): {str(exc).splitlines()[0]}",
                RuntimeWarning,
                stacklevel=5,
            )
            return None
        return row, _parallel_driver(numba, row)

    def _run_compiled(self, X: np.ndarray, values: np.ndarray) -> None:
        assert self._compiled is not None
        row, driver = self._compiled
        ok = np.zeros(X.shape[0], dtype=np.bool_)
        driver(X, values, ok)
        if not ok.all():
            # Exceptions cannot leave numba's parallel loop (they would be lost, or
            # surface without their message): the loop marks the rows that raised,
            # and the first of them is run again here to raise its own error.
            i = int(np.argmin(ok))
            try:
                row(X[i])
            except Exception as exc:
                raise RuntimeError(f"the function raised {type(exc).__name__} on row {i} of X: {exc}") from exc
            raise RuntimeError(f"the function failed on row {i} of X inside the compiled loop, but not when run alone")


def _parallel_driver(numba: Any, row: Any) -> Any:
    @numba.njit
    def guarded(x: np.ndarray, out: np.ndarray) -> bool:  # pragma: no cover - compiled
        try:
            result = row(x)
            for j in range(out.shape[0]):
                out[j] = result[j]
            return True
        except Exception:
            return False

    @numba.njit(parallel=True)
    def driver(X: np.ndarray, values: np.ndarray, ok: np.ndarray) -> None:  # pragma: no cover - compiled
        for i in numba.prange(X.shape[0]):
            ok[i] = guarded(X[i], values[i])

    return driver


def from_function(
    func: Callable[[np.ndarray], Any],
    /,
    *,
    n_obj: int,
    xl: Any,
    xu: Any,
    n_ieq_constr: int = 0,
    jit: bool | str = "auto",
) -> Problem:
    """A :class:`Problem` from a function of one genome.

    Parameters
    ----------
    func : callable
        ``func(x)`` with `x` a float64 vector of length n_var; returns the
        n_obj objectives (minimised) followed by the n_ieq_constr constraint
        values (``<= 0`` is feasible), as an array or a tuple of floats.
        It must not modify `x`.
    n_obj : int >= 1
    xl, xu : array_like, shape (n_var,)
        Bounds of the variables; their length gives n_var.
    n_ieq_constr : int >= 0, default 0
    jit : {"auto", True, False}, default "auto"
        True: compile `func` with ``numba.njit`` and evaluate the rows of a
        population in parallel on all cores (ImportError without numba,
        TypeError if numba cannot compile it). "auto": the same when numba is
        installed and can compile `func`, otherwise (with a RuntimeWarning
        when compilation fails) row by row in Python. False: row by row in
        Python. Compiling takes about a second, on the first evaluation.

    Returns
    -------
    Problem
        Evaluates numpy populations (other arrays are copied to the host).
        An exception raised by `func` propagates; from compiled code as a
        RuntimeError that names the row, the original chained to it.

    Examples
    --------
    >>> import numpy as np
    >>> def zdt1(x):
    ...     g = 1.0 + 9.0 * np.sum(x[1:]) / (len(x) - 1)
    ...     return np.array([x[0], g * (1.0 - np.sqrt(x[0] / g))])
    >>> problem = from_function(zdt1, n_obj=2, xl=np.zeros(30), xu=np.ones(30), jit=False)
    >>> problem.evaluate(np.zeros((1, 30)))[0]
    array([[0., 1.]])
    """
    if not callable(func):
        raise TypeError(f"'func' must be callable (one genome -> objectives), but it is {func!r}")
    if not (isinstance(jit, bool) or (isinstance(jit, str) and jit == "auto")):
        raise ValueError(f"'jit' must be 'auto', True or False, but it is {jit!r}")
    n_obj = as_positive_int(n_obj, "n_obj")
    n_ieq_constr = as_int_at_least(n_ieq_constr, "n_ieq_constr", 0)
    return _FunctionProblem(func, n_obj, n_ieq_constr, xl, xu, jit)
