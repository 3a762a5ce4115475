"""`Problem`: the interface every optimisation problem implements (pymoo's vocabulary)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .._validation import _numeric_array, as_positive_int, as_reference_point
from ..space import Space

__all__ = ["Problem"]


class Problem:
    """A vectorised multi-objective problem: minimise F(x) subject to G(x) <= 0.

    Subclasses implement ``_evaluate(self, X, out)``, which receives the
    whole population at once and sets ``out["F"]`` (and ``out["G"]`` when
    constrained).

    Parameters
    ----------
    n_var : int, optional
        Number of decision variables; may be left out when `space` is given.
    n_obj : int
        Number of objectives, all minimised.
    n_ieq_constr : int, default 0
        Number of inequality constraints; a solution is feasible iff every
        ``G <= 0``.
    xl, xu : float or array_like of shape (n_var,), optional
        Bounds of an all-real space (scalars apply to every variable).
    space : Space, optional
        The genome space, for integer or categorical variables. Give either
        `space` or both `xl` and `xu`.

    Examples
    --------
    >>> class Sphere2(Problem):
    ...     def __init__(self):
    ...         super().__init__(n_var=3, n_obj=2, xl=-1.0, xu=1.0)
    ...     def _evaluate(self, X, out):
    ...         out["F"] = np.column_stack([(X ** 2).sum(1), ((X - 1) ** 2).sum(1)])
    >>> F, G = Sphere2().evaluate(np.zeros((4, 3)))
    >>> F.shape, G.shape
    ((4, 2), (4, 0))
    """

    def __init__(
        self,
        *,
        n_var: int | None = None,
        n_obj: int,
        n_ieq_constr: int = 0,
        xl: Any = None,
        xu: Any = None,
        space: Space | None = None,
    ) -> None:
        self.n_obj = as_positive_int(n_obj, "n_obj")
        if isinstance(n_ieq_constr, bool) or not isinstance(n_ieq_constr, numbers.Integral):
            raise TypeError(f"'n_ieq_constr' must be a non-negative int, but it is {n_ieq_constr!r}")
        if n_ieq_constr < 0:
            raise ValueError(f"'n_ieq_constr' must be a non-negative int, but it is {n_ieq_constr}")
        self.n_ieq_constr = int(n_ieq_constr)
        if space is not None:
            if xl is not None or xu is not None:
                raise ValueError("give either 'space' or the bounds 'xl' and 'xu', not both")
            if not isinstance(space, Space):
                raise TypeError(f"'space' must be an evonas.Space, but it is {type(space).__name__}")
            if n_var is not None and as_positive_int(n_var, "n_var") != len(space):
                raise ValueError(f"'n_var' must equal len(space) = {len(space)}, but it is {n_var}")
            self.space = space
        else:
            if xl is None or xu is None:
                raise ValueError("a problem needs a search space: give 'space', or both bounds 'xl' and 'xu'")
            if n_var is None:
                raise TypeError("'n_var' is required when the bounds 'xl' and 'xu' are given")
            n = as_positive_int(n_var, "n_var")
            self.space = Space.from_bounds(_bound(xl, n, "xl"), _bound(xu, n, "xu"))
        self.n_var = len(self.space)

    @property
    def xl(self) -> np.ndarray:
        """Lower bounds of the variables (read-only float64, shape (n_var,))."""
        return self.space.lower

    @property
    def xu(self) -> np.ndarray:
        """Upper bounds of the variables (read-only float64, shape (n_var,))."""
        return self.space.upper

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_var={self.n_var}, n_obj={self.n_obj})"

    def evaluate(self, X: Any, /) -> tuple[np.ndarray, np.ndarray]:
        """Evaluate a population.

        Parameters
        ----------
        X : array_like, shape (n, n_var)
            One row per solution. Not modified; `_evaluate` gets a copy.

        Returns
        -------
        F : numpy.ndarray of float64, shape (n, n_obj)
            Objective values. NaN is passed through: it marks a failed
            evaluation, which the engine ranks worst.
        G : numpy.ndarray of float64, shape (n, n_ieq_constr)
            Constraint values (feasible iff all <= 0); shape (n, 0) when the
            problem is unconstrained.

        Raises
        ------
        ValueError
            If `X` has the wrong shape, or `_evaluate` sets an output of the
            wrong shape or leaves ``out["F"]`` unset.
        """
        arr = _numeric_array(X, "X")
        if arr.ndim != 2 or arr.shape[1] != self.n_var:
            hint = " (use X[None, :] for a single solution)" if arr.ndim == 1 else ""
            raise ValueError(f"'X' must have shape (n, {self.n_var}), but it has shape {arr.shape}{hint}")
        n = arr.shape[0]
        if n == 0:  # spare user code the empty-population edge case
            return np.empty((0, self.n_obj)), np.empty((0, self.n_ieq_constr))
        out: dict[str, Any] = {}
        self._evaluate(np.array(arr, dtype=np.float64, order="C"), out)
        if "F" not in out:
            raise ValueError(f"{type(self).__name__}._evaluate must set out['F'], but it did not")
        F = self._output(out["F"], "F", (n, self.n_obj))
        if self.n_ieq_constr == 0:
            if out.get("G") is not None:
                raise ValueError(
                    f"{type(self).__name__}._evaluate set out['G'], but the problem declares n_ieq_constr=0"
                )
            return F, np.empty((n, 0))
        if "G" not in out:
            raise ValueError(
                f"{type(self).__name__}._evaluate must set out['G'] (n_ieq_constr={self.n_ieq_constr}), but it did not"
            )
        return F, self._output(out["G"], "G", (n, self.n_ieq_constr))

    def _evaluate(self, X: np.ndarray, out: dict[str, Any]) -> None:
        """Set ``out["F"]`` (n, n_obj) and, if constrained, ``out["G"]`` (n, n_ieq_constr) for `X` (n, n_var)."""
        raise NotImplementedError(f"{type(self).__name__} must implement _evaluate(self, X, out)")

    def pareto_front(self, n_points: int = 100, /) -> np.ndarray:
        """Points on the true Pareto front, float64 of shape (k, n_obj).

        Raises NotImplementedError when the front is not known.
        """
        raise NotImplementedError(f"the Pareto front of {type(self).__name__} is not known")

    def optimal_hypervolume(self, ref: Any, /) -> float:
        """Hypervolume of the whole true Pareto front with respect to `ref`.

        Raises NotImplementedError when it has no closed form here.
        """
        raise NotImplementedError(f"the optimal hypervolume of {type(self).__name__} is not known")

    def _ref(self, ref: Any) -> np.ndarray:
        return as_reference_point(ref, self.n_obj)

    def _output(self, value: Any, key: str, shape: tuple[int, int]) -> np.ndarray:
        where = f"{type(self).__name__}._evaluate: out['{key}']"
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{where} must be a float array, but it could not be read as one: {exc}") from None
        if arr.shape != shape:
            columns = "n_obj" if key == "F" else "n_ieq_constr"
            raise ValueError(f"{where} must have shape {shape} (n, {columns}), but it has shape {arr.shape}")
        return np.ascontiguousarray(arr)


def _bound(value: Any, n: int, name: str) -> np.ndarray:
    arr = _numeric_array(value, name)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(
            f"'{name}' must be a scalar or have shape ({n},) (one per variable), but it has shape {arr.shape}"
        )
    return arr.astype(np.float64)
