"""Distance-based quality indicators: GD, GD+, IGD and IGD+.

Each compares an approximation set `F` with a reference set (usually points
of the true Pareto front) and averages nearest distances, so lower is better:

=========  =================================================  ==============================
indicator  mean over                                          of the distance to the nearest
=========  =================================================  ==============================
GD         points a of `F`                                    reference point z: ||a - z||
GD+        points a of `F`                                    z: ||max(a - z, 0)||
IGD        reference points z                                 point a of `F`: ||a - z||
IGD+       reference points z                                 a: ||max(a - z, 0)||
=========  =================================================  ==============================

GD+ and IGD+ (Ishibuchi et al. 2015) count only the objectives in which a
is worse than z, which makes IGD+ weakly Pareto compliant: a set that
dominates another never scores worse. These are the definitions of pymoo's
`GD`, `GDPlus`, `IGD`, `IGDPlus` and moocore's `igd`, `igd_plus` (power
mean with p = 1).

The nearest points are found with a k-d tree over the searched set, pruned by
bounding boxes, with queries spread over threads: about O((n + r) log n) for
few objectives instead of the O(n r m) of comparing every pair (the tree's
advantage shrinks as m grows), and exact (the same value as the brute force,
on any number of threads). IGD+ searches only the non-dominated points of
`F`, which give the same value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _core, _device
from ._validation import as_objectives, as_threads
from .pareto import nondominated

__all__ = ["gd", "gd_plus", "igd", "igd_plus"]

_EUCLIDEAN, _EXCESS, _DEFICIT = 0, 1, 2


def _sets(F: Any, ref_front: Any, maximize: bool) -> tuple[np.ndarray, np.ndarray]:
    """`F` and `ref_front` checked (non-empty, finite, same width) and oriented for minimisation."""
    if not isinstance(maximize, (bool, np.bool_)):
        raise TypeError(f"'maximize' must be a bool, but it is {maximize!r}")
    sets = []
    for name, value in (("F", F), ("ref_front", ref_front)):
        arr = as_objectives(_device.to_host(value), name)
        if arr.shape[0] == 0:
            raise ValueError(f"'{name}' must hold at least one point, but it has shape {arr.shape}")
        if not np.isfinite(arr).all():
            row = int(np.argwhere(~np.isfinite(arr))[0, 0])
            raise ValueError(f"'{name}' must be finite (distances to infinite points are undefined), but row {row} is not")
        sets.append(-arr if maximize else arr)
    a, z = sets
    if a.shape[1] != z.shape[1]:
        raise ValueError(
            f"'ref_front' must have as many objectives (columns) as 'F' ({a.shape[1]}), but it has {z.shape[1]}"
        )
    return a, z


def _mean_nearest(queries: np.ndarray, sites: np.ndarray, kind: int, n_threads: int | None) -> float:
    return float(np.mean(_core.nearest_distances(queries, sites, kind, as_threads(n_threads))))


def gd(F: Any, /, ref_front: Any, *, maximize: bool = False, n_threads: int | None = None) -> float:
    """Generational distance: mean distance from each point of `F` to the nearest reference point.

    Parameters
    ----------
    F : array_like, shape (n, m), n >= 1
        The approximation set (minimised unless `maximize`); finite.
    ref_front : array_like, shape (r, m), r >= 1
        Reference points, e.g. ``problem.pareto_front()``; finite.
    maximize : bool, default False
        Every objective is maximised (only matters for GD+ and IGD+).
    n_threads : int, optional
        Threads for the queries; None uses every core.

    Returns
    -------
    float
        >= 0; 0 when every point of `F` is a reference point.

    Raises
    ------
    TypeError
        If an array is not numeric.
    ValueError
        If an array is not 2-D, is empty, holds NaN or inf, or the column
        counts differ.
    """
    a, z = _sets(F, ref_front, maximize)
    return _mean_nearest(a, z, _EUCLIDEAN, n_threads)


def gd_plus(F: Any, /, ref_front: Any, *, maximize: bool = False, n_threads: int | None = None) -> float:
    """GD+: mean over the points a of `F` of ``min_z ||max(a - z, 0)||`` over the reference points z.

    0 when every point of `F` weakly dominates some reference point.
    Parameters, returns and errors as in :func:`gd`.
    """
    a, z = _sets(F, ref_front, maximize)
    return _mean_nearest(a, z, _DEFICIT, n_threads)


def igd(F: Any, /, ref_front: Any, *, maximize: bool = False, n_threads: int | None = None) -> float:
    """Inverted generational distance: mean distance from each reference point to the nearest point of `F`.

    Measures convergence and spread at once: a set that misses part of the
    front scores badly however close its points are. Parameters, returns
    and errors as in :func:`gd`.
    """
    a, z = _sets(F, ref_front, maximize)
    return _mean_nearest(z, a, _EUCLIDEAN, n_threads)


def igd_plus(F: Any, /, ref_front: Any, *, maximize: bool = False, n_threads: int | None = None) -> float:
    """IGD+: mean over the reference points z of ``min_a ||max(a - z, 0)||`` over the points a of `F`.

    Weakly Pareto compliant (Ishibuchi et al. 2015): if every reference point
    is weakly dominated by a point of `F`, the value is 0. Parameters,
    returns and errors as in :func:`gd`.
    """
    a, z = _sets(F, ref_front, maximize)
    # A dominated point of F is never nearer (in this distance) than the point
    # dominating it, so only F's non-dominated points are searched: the same value.
    threads = as_threads(n_threads)
    a = np.ascontiguousarray(a[nondominated(a, n_threads=threads or None)])
    return _mean_nearest(z, a, _EXCESS, n_threads)
