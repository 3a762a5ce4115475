"""DTLZ1-7 (Deb, Thiele, Laumanns and Zitzler 2002), any number of objectives, vectorised.

Definitions as in pymoo 0.6. The last k = n_var - n_obj + 1 variables are the
distance variables x_M (optimal at 0.5 for DTLZ1-5, at 0 for DTLZ6-7); the
first n_obj - 1 place the solution on the front.

`_evaluate` uses only the array API standard (``xp = array_namespace(X)``),
so a torch or CuPy population is evaluated on its device; for numpy input the
results are those of plain numpy code.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
from array_api_compat import array_namespace

from .._validation import as_positive_int
from .base import Problem
from .zdt import _Front2D, _sample_pieces

__all__ = ["DTLZ1", "DTLZ2", "DTLZ3", "DTLZ4", "DTLZ5", "DTLZ6", "DTLZ7"]


def _product_form(xp: Any, c: Any, s: Any) -> Any:
    """The DTLZ objective pattern from per-angle factors c, s of shape (n, M-1).

    f_1 = c_1 ... c_{M-1},  f_i = c_1 ... c_{M-i} s_{M-i+1},  f_M = s_1
    (c = cos, s = sin of the angles on the sphere; c = x, s = 1 - x for DTLZ1).
    """
    columns = [s[:, 0]]  # f_M, then f_{M-1} .. f_1
    P = c[:, 0]  # running product c_1 ... c_j, multiplied in the order of a cumulative product
    for j in range(1, c.shape[1]):
        columns.append(P * s[:, j])
        P = P * c[:, j]
    columns.append(P)
    return xp.stack(columns[::-1], axis=1)


def _sphere(xp: Any, theta: Any) -> Any:
    return _product_form(xp, xp.cos(theta), xp.sin(theta))


def _g_rastrigin(xp: Any, XM: Any) -> Any:
    """DTLZ1/3 distance: multimodal, 11^k - 1 local fronts, 0 at x_M = 0.5."""
    Y = XM - 0.5
    return 100.0 * (XM.shape[1] + xp.sum(Y * Y - xp.cos(20.0 * math.pi * Y), axis=1))


def _g_sphere(xp: Any, XM: Any) -> Any:
    return xp.sum((XM - 0.5) ** 2, axis=1)


def _g_power(xp: Any, XM: Any) -> Any:
    """DTLZ6 distance: 0 at x_M = 0, with a steep bias away from it."""
    return xp.sum(XM**0.1, axis=1)


def _das_dennis(n_obj: int, n_points: int) -> np.ndarray:
    """The largest Das-Dennis simplex lattice with at most `n_points` points.

    Uses at least one partition, so it always holds the n_obj corners.
    """
    h = 1
    while math.comb(h + n_obj, n_obj - 1) <= n_points:
        h += 1
    # Stars and bars: positions of the n_obj - 1 bars among h + n_obj - 1 slots.
    bars = np.array(list(itertools.combinations(range(h + n_obj - 1), n_obj - 1)), dtype=np.int64)
    edges = np.column_stack([np.full(len(bars), -1), bars, np.full(len(bars), h + n_obj - 1)])
    return (np.diff(edges, axis=1) - 1) / h


def _orthant_ball_volume(m: int) -> float:
    return math.pi ** (m / 2) / math.gamma(m / 2 + 1) / 2**m


def _circle(x: np.ndarray) -> np.ndarray:
    return np.sqrt(np.maximum(1.0 - x * x, 0.0))


def _circle_int(x: np.ndarray) -> np.ndarray:
    return 0.5 * (x * _circle(x) + np.arcsin(np.minimum(x, 1.0)))


_QUARTER_CIRCLE = _Front2D(((0.0, 1.0),), _circle, _circle_int)


class _DTLZ(Problem):
    """Common DTLZ set-up: x in [0, 1]^n_var, n_var = n_obj + k - 1."""

    _k: int  # the standard number of distance variables
    array_api = True

    def __init__(self, *, n_obj: int = 3, n_var: int | None = None) -> None:
        n_obj = as_positive_int(n_obj, "n_obj")
        if n_obj < 2:
            raise ValueError(f"'n_obj' must be >= 2, but it is {n_obj}")
        n_var = n_obj + self._k - 1 if n_var is None else as_positive_int(n_var, "n_var")
        if n_var < n_obj:
            raise ValueError(f"'n_var' must be >= n_obj = {n_obj} (at least one distance variable), but it is {n_var}")
        super().__init__(n_var=n_var, n_obj=n_obj, n_ieq_constr=self._n_constraints(n_obj), xl=0.0, xu=1.0)
        self.k = n_var - n_obj + 1

    @staticmethod
    def _n_constraints(n_obj: int) -> int:
        """Inequality constraints (the constrained variants add some)."""
        return 0

    def _split(self, X: Any) -> tuple[Any, Any, Any]:
        """(xp, X_position, X_M): the namespace of `X` and its two parts."""
        return array_namespace(X), X[:, : self.n_obj - 1], X[:, self.n_obj - 1 :]


class _SphereDTLZ(_DTLZ):
    """DTLZ2-4: front on the unit sphere's positive orthant."""

    def pareto_front(self, n_points: int = 100, /) -> np.ndarray:
        """Das-Dennis lattice projected on the unit sphere: at most `n_points` points (at least n_obj)."""
        W = _das_dennis(self.n_obj, as_positive_int(n_points, "n_points"))
        return W / np.linalg.norm(W, axis=1, keepdims=True)

    def optimal_hypervolume(self, ref: Any, /) -> float:
        """Exact: prod(ref) minus the orthant of the unit ball.

        Needs every ``ref >= 1`` (the nadir), except for two objectives,
        where any reference point is handled.
        """
        r = self._ref(ref)
        if self.n_obj == 2:
            return _QUARTER_CIRCLE.hypervolume(r)
        if (r < 1.0).any():
            raise ValueError(
                f"'ref' must be >= 1 in every objective for the closed form, but it is {r.tolist()}; "
                "evonas.hypervolume(problem.pareto_front(n), ref) approximates it"
            )
        return float(np.prod(r) - _orthant_ball_volume(self.n_obj))


class DTLZ1(_DTLZ):
    """DTLZ1: linear front sum(f) = 0.5, multimodal distance function.

    Parameters
    ----------
    n_obj : int, default 3
    n_var : int, optional
        Default n_obj + 4 (k = 5).
    """

    _k = 5

    def _evaluate(self, X: Any, out: dict[str, Any]) -> None:
        xp, Xp, XM = self._split(X)
        out["F"] = 0.5 * (1.0 + _g_rastrigin(xp, XM))[:, None] * _product_form(xp, Xp, 1.0 - Xp)

    def pareto_front(self, n_points: int = 100, /) -> np.ndarray:
        """Das-Dennis lattice on the simplex sum(f) = 0.5: at most `n_points` points (at least n_obj)."""
        return 0.5 * _das_dennis(self.n_obj, as_positive_int(n_points, "n_points"))

    def optimal_hypervolume(self, ref: Any, /) -> float:
        """Exact for any `ref`: the box [0, ref] minus the simplex sum(f) < 0.5 it contains."""
        r = self._ref(ref)
        if (r <= 0).any():
            return 0.0
        # Volume of {0 <= f <= r, sum(f) <= s} by inclusion-exclusion over the
        # coordinates whose bound cuts the simplex (the others never contribute).
        s, m = 0.5, self.n_obj
        cut = r[r < s]
        if cut.size > 20:
            raise ValueError(f"'ref' has {cut.size} coordinates below 0.5; the exact formula needs 2**{cut.size} terms")
        subsets = (np.arange(2**cut.size)[:, None] >> np.arange(cut.size)) & 1
        signs = np.where(subsets.sum(axis=1) % 2, -1.0, 1.0)
        inside = np.dot(signs, np.maximum(s - subsets @ cut, 0.0) ** m) / math.factorial(m)
        return float(np.prod(r) - inside)


class DTLZ2(_SphereDTLZ):
    """DTLZ2: spherical front sum(f^2) = 1.

    Parameters
    ----------
    n_obj : int, default 3
    n_var : int, optional
        Default n_obj + 9 (k = 10).
    """

    _k = 10

    def _evaluate(self, X: Any, out: dict[str, Any]) -> None:
        xp, Xp, XM = self._split(X)
        out["F"] = (1.0 + _g_sphere(xp, XM))[:, None] * _sphere(xp, 0.5 * math.pi * Xp)


class DTLZ3(_SphereDTLZ):
    """DTLZ3: DTLZ2's front with DTLZ1's multimodal distance function.

    Parameters
    ----------
    n_obj : int, default 3
    n_var : int, optional
        Default n_obj + 9 (k = 10).
    """

    _k = 10

    def _evaluate(self, X: Any, out: dict[str, Any]) -> None:
        xp, Xp, XM = self._split(X)
        out["F"] = (1.0 + _g_rastrigin(xp, XM))[:, None] * _sphere(xp, 0.5 * math.pi * Xp)


class DTLZ4(_SphereDTLZ):
    """DTLZ4: DTLZ2 with angles x^alpha, which biases solutions towards the edges.

    Parameters
    ----------
    n_obj : int, default 3
    n_var : int, optional
        Default n_obj + 9 (k = 10).
    alpha : float, default 100
    """

    _k = 10

    def __init__(self, *, n_obj: int = 3, n_var: int | None = None, alpha: float = 100.0) -> None:
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
            raise TypeError(f"'alpha' must be a positive number, but it is {alpha!r}")
        if not 0 < alpha < math.inf:
            raise ValueError(f"'alpha' must be a positive number, but it is {alpha!r}")
        super().__init__(n_obj=n_obj, n_var=n_var)
        self.alpha = float(alpha)

    def _evaluate(self, X: Any, out: dict[str, Any]) -> None:
        xp, Xp, XM = self._split(X)
        out["F"] = (1.0 + _g_sphere(xp, XM))[:, None] * _sphere(xp, 0.5 * math.pi * Xp**self.alpha)


class _DegenerateDTLZ(_DTLZ):
    """DTLZ5/6: angles beyond the first pulled to pi/4 as g -> 0, a 1-D front."""

    _g: Callable[[Any, Any], Any]  # distance function (xp, x_M)

    def _evaluate(self, X: Any, out: dict[str, Any]) -> None:
        xp, Xp, XM = self._split(X)
        g = self._g(xp, XM)[:, None]
        pulled = math.pi / (4.0 * (1.0 + g)) * (1.0 + 2.0 * g * Xp[:, 1:])
        theta = xp.concat([0.5 * math.pi * Xp[:, :1], pulled], axis=1)
        out["F"] = (1.0 + g) * _sphere(xp, theta)

    def pareto_front(self, n_points: int = 100, /) -> np.ndarray:
        """`n_points` points on the curve g = 0 (first angle evenly spaced).

        For n_obj <= 3 this curve is the whole front. For n_obj >= 4 the
        true front also has non-degenerate parts (Ishibuchi et al. 2016);
        these points are Pareto optimal but do not cover it.
        """
        n = as_positive_int(n_points, "n_points")
        theta = np.full((n, self.n_obj - 1), 0.25 * np.pi)
        theta[:, 0] = np.linspace(0.0, 0.5 * np.pi, n)
        return _sphere(np, theta)

    def optimal_hypervolume(self, ref: Any, /) -> float:
        """Exact for any `ref` with 2 or 3 objectives (closed form); not known beyond."""
        r = self._ref(ref)
        if self.n_obj == 2:
            return _QUARTER_CIRCLE.hypervolume(r)
        if self.n_obj > 3:
            raise NotImplementedError(f"the optimal hypervolume of {type(self).__name__} is known only for n_obj <= 3")
        if (r <= 0).any():
            return 0.0
        # Front: f1 = f2 = c cos(t), f3 = sin(t). Slicing at f3 = sin(phi), the
        # dominated area is (r1 - c cos phi)(r2 - c cos phi) where both are > 0.
        c = math.sqrt(0.5)
        r1, r2, r3 = (float(v) for v in r)
        lo = max(math.acos(min(1.0, r1 / c)), math.acos(min(1.0, r2 / c)))
        hi = math.asin(min(r3, 1.0))

        def antiderivative(p: float) -> float:  # of (r1 - c cos p)(r2 - c cos p) cos p
            sp = math.sin(p)
            return r1 * r2 * sp - c * (r1 + r2) * (p / 2 + math.sin(2 * p) / 4) + c * c * (sp - sp**3 / 3)

        body = antiderivative(hi) - antiderivative(lo) if hi > lo else 0.0
        return float(body + max(r3 - 1.0, 0.0) * r1 * r2)


class DTLZ5(_DegenerateDTLZ):
    """DTLZ5: degenerate curve front, distance g = sum((x_M - 0.5)^2).

    Parameters
    ----------
    n_obj : int, default 3
    n_var : int, optional
        Default n_obj + 9 (k = 10).
    """

    _k = 10

    _g = staticmethod(_g_sphere)


class DTLZ6(_DegenerateDTLZ):
    """DTLZ6: DTLZ5's front with the harder distance g = sum(x_M^0.1), optimal at x_M = 0.

    Parameters
    ----------
    n_obj : int, default 3
    n_var : int, optional
        Default n_obj + 9 (k = 10).
    """

    _k = 10

    _g = staticmethod(_g_power)


def _psi(t: np.ndarray) -> np.ndarray:
    return t * (1.0 + np.sin(3.0 * np.pi * t))


def _neg_psi(t: np.ndarray) -> np.ndarray:
    return -_psi(t)


def _neg_psi_int(t: np.ndarray) -> np.ndarray:
    w = 3.0 * np.pi
    return -(0.5 * t * t + np.sin(w * t) / w**2 - t * np.cos(w * t) / w)


# On the front (g = 1) f_M = 2 n_obj - sum(psi(f_i)), separable in f_1..f_{M-1}:
# the front is the product of the 1-D fronts of (t, -psi(t)), two pieces each
# (computed to 30 digits with mpmath).
_DTLZ7_PIECES = ((0.0, 0.25141183608891712), (0.63162653070006120, 0.85940085664472392))
_DTLZ7_ENVELOPE = _Front2D(_DTLZ7_PIECES, _neg_psi, _neg_psi_int)
# With two objectives the front is the curve f2 = 4 - psi(f1).
_DTLZ7_FRONT_2D = _Front2D(_DTLZ7_PIECES, lambda t: 4.0 - _psi(t), lambda t: 4.0 * t + _neg_psi_int(t))


class DTLZ7(_DTLZ):
    """DTLZ7: disconnected front, 2^(n_obj-1) regions; optimal at x_M = 0.

    Parameters
    ----------
    n_obj : int, default 3
    n_var : int, optional
        Default n_obj + 19 (k = 20).
    """

    _k = 20

    def _evaluate(self, X: Any, out: dict[str, Any]) -> None:
        xp, Xp, XM = self._split(X)
        g = 1.0 + 9.0 / self.k * xp.sum(XM, axis=1)
        h = self.n_obj - xp.sum(Xp / (1.0 + g)[:, None] * (1.0 + xp.sin(3.0 * math.pi * Xp)), axis=1)
        out["F"] = xp.concat([Xp, ((1.0 + g) * h)[:, None]], axis=1)

    def pareto_front(self, n_points: int = 100, /) -> np.ndarray:
        """A product grid over the Pareto pieces of each f_i: at most `n_points` points (at least 2^(n_obj-1))."""
        n = as_positive_int(n_points, "n_points")
        d = self.n_obj - 1
        per_axis = max(2, int(round(n ** (1.0 / d))))
        while per_axis > 2 and per_axis**d > n:
            per_axis -= 1
        t = _sample_pieces(_DTLZ7_PIECES, per_axis)
        grid = np.stack(np.meshgrid(*([t] * d), indexing="ij"), axis=-1).reshape(-1, d)
        return np.column_stack([grid, 2.0 * self.n_obj - _psi(grid).sum(axis=1)])

    def optimal_hypervolume(self, ref: Any, /) -> float:
        """Exact (closed form). Any `ref` for two objectives; ``ref[-1] >= 2 n_obj`` (the nadir) beyond."""
        r = self._ref(ref)
        m = self.n_obj
        if m == 2:
            return _DTLZ7_FRONT_2D.hypervolume(r)
        if r[-1] < 2.0 * m:
            raise ValueError(
                f"'ref'[-1] must be >= {2 * m} (the front's largest f_{m}) for the closed form, but it is {r[-1]}; "
                "evonas.hypervolume(problem.pareto_front(n), ref) approximates it"
            )
        head = r[:-1]
        if (head <= 0).any():
            return 0.0
        # Volume of {0 <= y_i <= r_i, 2m - sum(Psi(y_i)) <= y_M <= r_M}, Psi the
        # running max of psi: separable because the lower bound never passes r_M.
        integrals = np.array([-_DTLZ7_ENVELOPE.integral(0.0, float(ri)) for ri in head])
        box = float(np.prod(head))
        return float(box * (r[-1] - 2.0 * m) + np.sum(box / head * integrals))
