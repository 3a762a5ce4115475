"""ZDT1-4 and ZDT6 (Zitzler, Deb and Thiele 2000), two objectives, vectorised.

Definitions and bounds as in pymoo 0.6. ZDT5 (binary strings) is left out.
The 2-D front machinery here (`_Front2D`) is shared with DTLZ7.

`_evaluate` uses only the array API standard (``xp = array_namespace(X)``),
so a torch or CuPy population is evaluated on its device; for numpy input the
results are those of plain numpy code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import math

import numpy as np
from array_api_compat import array_namespace, is_numpy_array

from .._validation import as_positive_int
from .base import Problem

__all__ = ["ZDT1", "ZDT2", "ZDT3", "ZDT4", "ZDT6"]


def _row_sum(xp: Any, A: Any) -> Any:
    """Row sums of the 2-D array `A`; numpy's einsum is several times faster than .sum(axis=1)."""
    return np.einsum("ij->i", A) if is_numpy_array(A) else xp.sum(A, axis=1)

_Fn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class _Front2D:
    """A 2-D front f2 = h(f1) for f1 on disjoint `pieces`, h decreasing on each.

    Across a gap between pieces the dominated region's boundary (the
    envelope E) stays at h(end of the previous piece); past the last piece
    it stays at h(end). E is continuous and non-increasing, which gives the
    hypervolume as a 1-D integral of the antiderivative `H` of h.
    """

    pieces: tuple[tuple[float, float], ...]
    h: _Fn
    H: _Fn

    def sample(self, n: int) -> np.ndarray:
        """`n` points spread evenly along f1 over the pieces."""
        x = _sample_pieces(self.pieces, n)
        return np.column_stack([x, self.h(x)])

    def envelope(self, x: float) -> float:
        for a, b in self.pieces:
            if x <= b:
                return float(self.h(np.float64(max(x, a))))
        return float(self.h(np.float64(self.pieces[-1][1])))

    def integral(self, lo: float, hi: float) -> float:
        """Integral of the envelope E over [lo, hi], with lo >= the front's first f1."""
        total = 0.0
        ends = [a for a, _ in self.pieces[1:]] + [np.inf]
        for (a, b), next_a in zip(self.pieces, ends):
            p_lo, p_hi = max(lo, a), min(hi, b)
            if p_hi > p_lo:
                total += float(self.H(np.float64(p_hi)) - self.H(np.float64(p_lo)))
            g_lo, g_hi = max(lo, b), min(hi, next_a)
            if g_hi > g_lo:
                total += float(self.h(np.float64(b))) * (g_hi - g_lo)
        return total

    def hypervolume(self, ref: np.ndarray) -> float:
        """Exact hypervolume of the front bounded by `ref` (minimisation)."""
        r1, r2 = float(ref[0]), float(ref[1])
        a0 = self.pieces[0][0]
        if r1 <= a0 or self.envelope(np.inf) >= r2:
            return 0.0
        # x0: where E first drops to r2; E is monotone, so bisect on it.
        lo, hi = a0, self.pieces[-1][1]
        if self.envelope(lo) <= r2:
            hi = lo
        for _ in range(200):
            if hi - lo <= 1e-15 * max(1.0, abs(hi)):
                break
            mid = 0.5 * (lo + hi)
            lo, hi = (lo, mid) if self.envelope(mid) <= r2 else (mid, hi)
        x0 = hi
        return max(0.0, r2 * (r1 - x0) - self.integral(x0, r1)) if r1 > x0 else 0.0


def _sample_pieces(pieces: tuple[tuple[float, float], ...], n: int) -> np.ndarray:
    """`n` values spread evenly over the union of intervals `pieces`.

    A value on a junction goes to the end of the earlier piece: the start of
    a later piece is only the limit of the front, dominated by that end.
    """
    starts = np.array([a for a, _ in pieces])
    lengths = np.array([b - a for a, b in pieces])
    ends = np.cumsum(lengths)
    t = np.linspace(0.0, ends[-1], n)
    k = np.minimum(np.searchsorted(ends, t, side="left"), len(pieces) - 1)
    return starts[k] + t - (ends[k] - lengths[k])


class _ZDT(Problem):
    """Common ZDT set-up: two objectives, x in [0, 1]^n_var by default."""

    _front: _Front2D
    array_api = True

    def __init__(self, *, n_var: int) -> None:
        n_var = as_positive_int(n_var, "n_var")
        if n_var < 2:
            raise ValueError(f"'n_var' must be >= 2 for {type(self).__name__}, but it is {n_var}")
        super().__init__(n_var=n_var, n_obj=2, **self._bounds(n_var))

    def _bounds(self, n_var: int) -> dict[str, Any]:
        return {"xl": 0.0, "xu": 1.0}

    def _g(self, xp: Any, X: Any) -> Any:
        return 1.0 + 9.0 / (self.n_var - 1) * _row_sum(xp, X[:, 1:])

    def _evaluate(self, X: Any, out: dict[str, Any]) -> None:
        xp = array_namespace(X)
        f1 = self._f1(xp, X[:, 0])
        out["F"] = xp.stack([f1, self._f2(xp, f1, self._g(xp, X))], axis=1)

    def _f1(self, xp: Any, x0: Any) -> Any:
        return x0

    def _f2(self, xp: Any, f1: Any, g: Any) -> Any:
        """The second objective from the first and the distance g (vectorised, any namespace)."""
        raise NotImplementedError

    def pareto_front(self, n_points: int = 100, /) -> np.ndarray:
        """`n_points` points of the analytic front, evenly spaced in f1 (f2 = h(f1))."""
        return self._front.sample(as_positive_int(n_points, "n_points"))

    def optimal_hypervolume(self, ref: Any, /) -> float:
        """Exact hypervolume of the whole front for any reference point (closed form)."""
        return self._front.hypervolume(self._ref(ref))


def _convex(x: np.ndarray) -> np.ndarray:
    return 1.0 - np.sqrt(x)


def _convex_int(x: np.ndarray) -> np.ndarray:
    return x - 2.0 / 3.0 * x**1.5


def _concave(x: np.ndarray) -> np.ndarray:
    return 1.0 - x * x


def _concave_int(x: np.ndarray) -> np.ndarray:
    return x - x**3 / 3.0


_W3 = 10.0 * np.pi


def _zdt3(x: np.ndarray) -> np.ndarray:
    return 1.0 - np.sqrt(x) - x * np.sin(_W3 * x)


def _zdt3_int(x: np.ndarray) -> np.ndarray:
    # integral of x sin(wx) is sin(wx)/w^2 - x cos(wx)/w
    return _convex_int(x) - (np.sin(_W3 * x) / _W3**2 - x * np.cos(_W3 * x) / _W3)


# Pareto pieces of ZDT3: the new running minima of h along f1; right ends are
# local minima of h, left ends where h falls back to the previous minimum
# (computed to 30 digits with mpmath).
_ZDT3_PIECES = (
    (0.0, 0.083001534926911633),
    (0.18222872802939978, 0.25776236338783022),
    (0.40931367480865684, 0.45388210408883017),
    (0.61839679443926579, 0.65251170380466252),
    (0.82333179832663274, 0.85183286543641390),
)

# Smallest f1 of ZDT6: f1 = 1 - exp(-4x) sin^6(6 pi x) is least where tan(6 pi x) = 9 pi.
_X6 = np.arctan(9.0 * np.pi) / (6.0 * np.pi)
_ZDT6_F1_MIN = float(1.0 - np.exp(-4.0 * _X6) * np.sin(6.0 * np.pi * _X6) ** 6)


class ZDT1(_ZDT):
    """ZDT1: convex front f2 = 1 - sqrt(f1), f1 in [0, 1]; optimum x[1:] = 0.

    Parameters
    ----------
    n_var : int, default 30
    """

    _front = _Front2D(((0.0, 1.0),), _convex, _convex_int)

    def __init__(self, *, n_var: int = 30) -> None:
        super().__init__(n_var=n_var)

    def _f2(self, xp: Any, f1: Any, g: Any) -> Any:
        return g * (1.0 - xp.sqrt(f1 / g))


class ZDT2(_ZDT):
    """ZDT2: concave front f2 = 1 - f1^2, f1 in [0, 1]; optimum x[1:] = 0.

    Parameters
    ----------
    n_var : int, default 30
    """

    _front = _Front2D(((0.0, 1.0),), _concave, _concave_int)

    def __init__(self, *, n_var: int = 30) -> None:
        super().__init__(n_var=n_var)

    def _f2(self, xp: Any, f1: Any, g: Any) -> Any:
        return g * (1.0 - (f1 / g) ** 2)


class ZDT3(_ZDT):
    """ZDT3: front in five disconnected pieces, f2 = 1 - sqrt(f1) - f1 sin(10 pi f1).

    Parameters
    ----------
    n_var : int, default 30
    """

    _front = _Front2D(_ZDT3_PIECES, _zdt3, _zdt3_int)

    def __init__(self, *, n_var: int = 30) -> None:
        super().__init__(n_var=n_var)

    def _f2(self, xp: Any, f1: Any, g: Any) -> Any:
        r = f1 / g
        return g * (1.0 - xp.sqrt(r) - r * xp.sin(_W3 * f1))


class ZDT4(_ZDT):
    """ZDT4: multimodal (21^9 local fronts), x0 in [0, 1], others in [-5, 5].

    The front is ZDT1's, reached with x[1:] = 0.

    Parameters
    ----------
    n_var : int, default 10
    """

    _front = ZDT1._front

    def __init__(self, *, n_var: int = 10) -> None:
        super().__init__(n_var=n_var)

    def _bounds(self, n_var: int) -> dict[str, Any]:
        xl, xu = np.full(n_var, -5.0), np.full(n_var, 5.0)
        xl[0], xu[0] = 0.0, 1.0
        return {"xl": xl, "xu": xu}

    def _g(self, xp: Any, X: Any) -> Any:
        Y = X[:, 1:]
        return 1.0 + 10.0 * (self.n_var - 1) + xp.sum(Y * Y - 10.0 * xp.cos(4.0 * math.pi * Y), axis=1)

    _f2 = ZDT1._f2


class ZDT6(_ZDT):
    """ZDT6: non-uniform, biased; front f2 = 1 - f1^2 for f1 in [0.2808, 1].

    Parameters
    ----------
    n_var : int, default 10
    """

    _front = _Front2D(((_ZDT6_F1_MIN, 1.0),), _concave, _concave_int)

    def __init__(self, *, n_var: int = 10) -> None:
        super().__init__(n_var=n_var)

    def _g(self, xp: Any, X: Any) -> Any:
        return 1.0 + 9.0 * (_row_sum(xp, X[:, 1:]) / (self.n_var - 1)) ** 0.25

    def _f1(self, xp: Any, x0: Any) -> Any:
        return 1.0 - xp.exp(-4.0 * x0) * xp.sin(6.0 * math.pi * x0) ** 6

    _f2 = ZDT2._f2
