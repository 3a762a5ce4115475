"""Pareto ranking: non-dominated sorting, the first front, crowding distance.

All functions minimise every objective. `F` is any real-valued array of shape
(n_points, n_objectives) with any dtype and strides; it is converted once and
never modified. NaN is rejected; +inf and -inf are ordered like any other
number (a point at +inf is worse than every finite value in that objective).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _core, _device
from ._validation import as_objectives, as_ranks, as_threads

__all__ = ["non_dominated_sort", "nondominated", "crowding_distance"]


def non_dominated_sort(
    F: Any, /, *, n_stop_if_ranked: int | None = None, n_threads: int | None = None, device: str = "auto"
) -> Any:
    """Pareto rank of every point (0 = non-dominated, 1 = the next front, ...).

    Parameters
    ----------
    F : array_like, shape (n, m)
        Objective values to minimise.
    n_stop_if_ranked : int, optional
        Stop once the fronts ranked so far hold at least this many points;
        the remaining points get rank -1. NSGA-II survival needs only the
        fronts that fill the next population. None ranks every point.
    n_threads : int, optional
        Threads of the CPU path; None uses every core.
    device : {"auto", "cpu", "cuda"}, default "auto"
        Where to sort: "auto" follows `F` (CUDA for a CUDA array).

    Returns
    -------
    numpy.ndarray of int32, shape (n,), or an array on `F`'s CUDA device
        Equal points share a rank. Empty `F` gives an empty array. The CPU
        and the CUDA path give identical ranks.

    Notes
    -----
    m = 1 sorts; m = 2 is an O(n log n) sweep; m = 3 is a sweep that keeps a
    2-D staircase per front, O(n log n log F) for F fronts; m >= 4 uses divide
    and conquer (Jensen, Fortin et al., Buzdalov and Shalyto),
    O(n log^(m-1) n), with a brute-force base case for small sub-problems.
    Memory is O(n m): no n x n dominance matrix is ever built.

    On CUDA the fronts are peeled one by one. With two objectives a round is
    a prefix minimum, O(n) per front; with three, a divide and conquer over
    the lexicographic order, O(n log^2 n) per front (or the scan below when
    the last front was small). With more, each remaining point scans the
    earlier ones in lexicographic order for a dominator (stopping at the
    first, and reusing it while it remains), so a front's points cost a full
    scan each: up to O(n^2 m) work when most points share few fronts.
    """
    threads = as_threads(n_threads)
    backend = _device.resolve(device, F)
    if backend is not None:
        return _non_dominated_sort_on(backend, F, n_stop_if_ranked)
    arr = as_objectives(_device.to_host(F))
    return _core.non_dominated_sort(arr, _n_stop(n_stop_if_ranked, arr.shape[0]), threads)


def _n_stop(n_stop_if_ranked: Any, n: int) -> int:
    if n_stop_if_ranked is None:
        return n
    if isinstance(n_stop_if_ranked, bool) or not isinstance(n_stop_if_ranked, (int, np.integer)):
        raise TypeError(f"'n_stop_if_ranked' must be None or a non-negative int, but it is {n_stop_if_ranked!r}")
    if n_stop_if_ranked < 0:
        raise ValueError(f"'n_stop_if_ranked' must be None or a non-negative int, but it is {n_stop_if_ranked}")
    return min(int(n_stop_if_ranked), n)


def _non_dominated_sort_on(backend: _device.Backend, F: Any, n_stop_if_ranked: Any, strategy: int = 0) -> Any:
    """non_dominated_sort on the CUDA path (or the emulated device); `strategy`
    (tests) forces how three-objective rounds run: 0 auto, 1 scan, 2 divide."""
    mat = backend.matrix(F, "F")
    n_stop = _n_stop(n_stop_if_ranked, mat.rows)
    out, out_ptr = backend.empty(mat, "int32")
    backend.kernels.non_dominated_sort(
        mat.ptr, mat.rows, mat.cols, n_stop, out_ptr, mat.device, mat.stream, strategy
    )
    return out


def nondominated(F: Any, /, *, n_threads: int | None = None, device: str = "auto") -> Any:
    """Boolean mask of the non-dominated points (the first Pareto front).

    Faster than a full sort when only the first front is wanted: points
    dominated by one of a few good points are dropped first, then a sweep
    (m = 2), one staircase (m = 3) or divide and conquer that discards a point
    as soon as it is found dominated (m >= 4). Copies of a non-dominated point
    are all non-dominated.

    Parameters
    ----------
    F : array_like, shape (n, m)
        Objective values to minimise.
    n_threads : int, optional
        Threads of the CPU path; None uses every core.
    device : {"auto", "cpu", "cuda"}, default "auto"
        Where to compute: "auto" follows `F` (CUDA for a CUDA array, where
        the first front is the first round of `non_dominated_sort`).

    Returns
    -------
    numpy.ndarray of bool, shape (n,), or an array on `F`'s CUDA device
    """
    threads = as_threads(n_threads)
    backend = _device.resolve(device, F)
    if backend is not None:
        return _non_dominated_sort_on(backend, F, 1) == 0
    arr = as_objectives(_device.to_host(F))
    return _core.nondominated(arr, threads).view(np.bool_)


def crowding_distance(
    F: Any, /, *, ranks: Any = None, n_threads: int | None = None, device: str = "auto"
) -> Any:
    """NSGA-II crowding distance of every point, computed front by front.

    Parameters
    ----------
    F : array_like, shape (n, m)
        Objective values to minimise.
    ranks : array_like of int, shape (n,), optional
        Front of every point (e.g. from :func:`non_dominated_sort`); computed
        when omitted. Points are only compared with points of their own front.
    n_threads : int, optional
        Threads of the CPU path; None uses every core.
    device : {"auto", "cpu", "cuda"}, default "auto"
        Where to compute: "auto" follows `F` (CUDA for a CUDA array).

    Returns
    -------
    numpy.ndarray of float64, shape (n,), or an array on `F`'s CUDA device
        For each objective, the extreme points of a front get +inf and the
        others the gap between their neighbours divided by the front's range;
        the distance is the sum over objectives. Fronts of one or two distinct
        points are all +inf. Among identical points of a front only the first
        (lowest index) gets a distance, computed as if the copies were absent;
        the copies get 0, so that selection prefers distinct points.
        An objective whose range in the front is infinite adds +inf to its
        extreme points and 0 to the others; one that is constant over the
        front adds +inf to its first and last point (by index) and 0 to the
        others. The CPU and the CUDA path give identical results.
    """
    threads = as_threads(n_threads)
    backend = _device.resolve(device, F, ranks)
    if backend is not None:
        if ranks is None:
            ranks = _non_dominated_sort_on(backend, F, None)
        return _crowding_distance_on(backend, F, ranks)
    arr = as_objectives(_device.to_host(F))
    ranks = _device.to_host(ranks)
    if ranks is None:
        rank_arr = _core.non_dominated_sort(arr, arr.shape[0], threads)
    else:
        rank_arr = as_ranks(ranks, arr.shape[0])
    return _core.crowding_distance(arr, rank_arr, threads)


def _crowding_distance_on(backend: _device.Backend, F: Any, ranks: Any) -> Any:
    """crowding_distance on the CUDA path (or the emulated device)."""
    mat = backend.matrix(F, "F")
    _, rank_ptr = backend.ranks(ranks, mat)
    out, out_ptr = backend.empty(mat)
    backend.kernels.crowding_distance(mat.ptr, mat.rows, mat.cols, rank_ptr, out_ptr, mat.device, mat.stream)
    return out
