"""Constrained DTLZ problems (Jain and Deb 2014; C1-DTLZ3 and C3-DTLZ1 as in pymoo).

Each adds inequality constraints ``G <= 0`` to a DTLZ problem's objectives:

- Type 1 (C1-DTLZ1, C1-DTLZ3): the Pareto front is the unconstrained one, but
  infeasible regions stand between it and most of the search space.
- Type 2 (C2-DTLZ2): only some regions of the unconstrained front are feasible.
- Type 3 (C3-DTLZ1, C3-DTLZ4): one constraint per objective; the front lies on
  the constraint surfaces, away from the unconstrained one.

Same variables, objectives and default `n_var` as the underlying DTLZ
problem; written against the array API like it (torch and CuPy populations
evaluate where they live).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validation import as_positive_int
from .dtlz import DTLZ1, DTLZ2, DTLZ3, DTLZ4

__all__ = ["C1DTLZ1", "C1DTLZ3", "C2DTLZ2", "C3DTLZ1", "C3DTLZ4"]


class C1DTLZ1(DTLZ1):
    """DTLZ1 subject to ``f_M / 0.6 + sum_{i<M} f_i / 0.5 <= 1``: the front is DTLZ1's.

    Parameters
    ----------
    n_obj : int, default 3
    n_var : int, optional
        Default n_obj + 4.
    """

    _n_constraints = staticmethod(lambda n_obj: 1)

    def _evaluate(self, X: Any, out: dict[str, Any]) -> None:
        super()._evaluate(X, out)
        F = out["F"]
        xp = self._split(X)[0]
        out["G"] = (F[:, -1] / 0.6 + xp.sum(F[:, :-1], axis=1) / 0.5 - 1.0)[:, None]


class C1DTLZ3(DTLZ3):
    """DTLZ3 with an infeasible shell: feasible where ``|f|^2 <= 16`` or ``|f|^2 >= r^2``.

    The front is DTLZ3's (the unit sphere); the shell between radii 4 and `r`
    blocks the way from most starting points.

    Parameters
    ----------
    n_obj : int, default 3
    n_var : int, optional
        Default n_obj + 9.
    r : float, optional
        Outer radius; default 9 for fewer than 5 objectives, 12.5 up to 12, 15 above.
    """

    _n_constraints = staticmethod(lambda n_obj: 1)

    def __init__(self, *, n_obj: int = 3, n_var: int | None = None, r: float | None = None) -> None:
        super().__init__(n_obj=n_obj, n_var=n_var)
        if r is None:
            r = 9.0 if self.n_obj < 5 else 12.5 if self.n_obj <= 12 else 15.0
        self.r = _positive(r, "r")

    def _evaluate(self, X: Any, out: dict[str, Any]) -> None:
        super()._evaluate(X, out)
        F = out["F"]
        radius = self._split(X)[0].sum(F * F, axis=1)
        out["G"] = (-(radius - 16.0) * (radius - self.r**2))[:, None]


class C2DTLZ2(DTLZ2):
    """DTLZ2 where only parts of the front are feasible: near each axis end and the centre.

    Feasible where, for some i, ``(f_i - 1)^2 + sum_{j != i} f_j^2 <= r^2``, or
    ``sum_i (f_i - 1/sqrt(M))^2 <= r^2``.

    Parameters
    ----------
    n_obj : int, default 3
    n_var : int, optional
        Default n_obj + 9.
    r : float, optional
        Default 0.2 for 2 objectives, 0.4 for 3, 0.5 for more.
    """

    _n_constraints = staticmethod(lambda n_obj: 1)

    def __init__(self, *, n_obj: int = 3, n_var: int | None = None, r: float | None = None) -> None:
        super().__init__(n_obj=n_obj, n_var=n_var)
        if r is None:
            r = 0.2 if self.n_obj == 2 else 0.4 if self.n_obj == 3 else 0.5
        self.r = _positive(r, "r")

    def _evaluate(self, X: Any, out: dict[str, Any]) -> None:
        super()._evaluate(X, out)
        out["G"] = self._violation(out["F"], self._split(X)[0])[:, None]

    def _violation(self, F: Any, xp: Any) -> Any:
        square = xp.sum(F * F, axis=1)
        near_axis = xp.min(square[:, None] - 2.0 * F + 1.0, axis=1)  # (f_i - 1)^2 + the other squares
        centre = xp.sum((F - 1.0 / math.sqrt(self.n_obj)) ** 2, axis=1)
        return xp.minimum(near_axis, centre) - self.r**2

    def pareto_front(self, n_points: int = 100, /) -> np.ndarray:
        """The feasible points of DTLZ2's front sample (at most `n_points`)."""
        front = super().pareto_front(n_points)
        return front[self._violation(front, np) <= 0]

    def optimal_hypervolume(self, ref: Any, /) -> float:
        """Not known in closed form (the feasible patches of the sphere)."""
        raise NotImplementedError("the optimal hypervolume of C2DTLZ2 has no closed form here")


class C3DTLZ1(DTLZ1):
    """DTLZ1 subject to ``f_i / 0.5 + sum_{j != i} f_j >= 1`` for every objective i (front not given).

    Parameters
    ----------
    n_obj : int, default 3
    n_var : int, optional
        Default n_obj + 4.
    """

    _n_constraints = staticmethod(lambda n_obj: n_obj)

    def _evaluate(self, X: Any, out: dict[str, Any]) -> None:
        super()._evaluate(X, out)
        F = out["F"]
        total = self._split(X)[0].sum(F, axis=1)[:, None]
        out["G"] = 1.0 - F / 0.5 - (total - F)

    def pareto_front(self, n_points: int = 100, /) -> np.ndarray:
        """Not given (pymoo has none either)."""
        raise NotImplementedError("the Pareto front of C3DTLZ1 is not given here")

    def optimal_hypervolume(self, ref: Any, /) -> float:
        """Not known."""
        raise NotImplementedError("the optimal hypervolume of C3DTLZ1 is not known")


class C3DTLZ4(DTLZ4):
    """DTLZ4 subject to ``f_i^2 / 4 + sum_{j != i} f_j^2 >= 1`` for every objective i.

    The front lies outside the unit sphere, on the constraint surfaces.

    Parameters
    ----------
    n_obj : int, default 3
    n_var : int, optional
        Default n_obj + 9.
    alpha : float, default 100
    """

    _n_constraints = staticmethod(lambda n_obj: n_obj)

    def _evaluate(self, X: Any, out: dict[str, Any]) -> None:
        super()._evaluate(X, out)
        F = out["F"]
        square = F * F
        out["G"] = 1.0 - square / 4.0 - (self._split(X)[0].sum(square, axis=1)[:, None] - square)

    def pareto_front(self, n_points: int = 100, /) -> np.ndarray:
        """DTLZ2's front sample pushed out along each ray onto the last constraint it meets."""
        front = super().pareto_front(as_positive_int(n_points, "n_points"))
        return front / np.sqrt(1.0 - 0.75 * np.max(front**2, axis=1, keepdims=True))

    def optimal_hypervolume(self, ref: Any, /) -> float:
        """Not known in closed form."""
        raise NotImplementedError("the optimal hypervolume of C3DTLZ4 has no closed form here")


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"'{name}' must be a positive number, but it is {value!r}")
    if not 0 < value < math.inf:
        raise ValueError(f"'{name}' must be a positive number, but it is {value!r}")
    return float(value)
