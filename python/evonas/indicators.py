"""Hypervolume: exact value, exclusive contributions and a Monte-Carlo estimate.

Objectives are minimised unless stated. Only points that strictly dominate
the reference point in every objective add volume; the others (including
points at +inf) contribute nothing. NaN and non-finite reference points are
rejected, and so is -inf in `F` (its volume would be infinite).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _core, _device
from ._validation import as_objectives, as_positive_int, as_reference_point, as_seed, as_threads

__all__ = ["hypervolume", "hv_contributions", "hypervolume_mc"]


def _prepare(F: Any, ref: Any, maximize: bool = False) -> tuple[np.ndarray, np.ndarray]:
    arr = as_objectives(F)
    ref_arr = as_reference_point(ref, arr.shape[1])
    if maximize:
        arr, ref_arr = -arr, -ref_arr
    if np.isneginf(arr).any():
        row = int(np.argwhere(np.isneginf(arr))[0, 0])
        bad = "+inf (maximising)" if maximize else "-inf"
        raise ValueError(f"'F' must not contain {bad}: the hypervolume would be infinite (row {row})")
    return arr, ref_arr


def hypervolume(F: Any, /, ref: Any, *, maximize: bool = False, n_threads: int | None = None) -> float:
    """Exact hypervolume dominated by the points of `F` and bounded by `ref`.

    Parameters
    ----------
    F : array_like, shape (n, m)
        Objective values (minimised unless `maximize`).
    ref : array_like, shape (m,)
        Reference point, finite.
    maximize : bool, default False
        Treat every objective as maximised (`ref` then bounds from below).
    n_threads : int, optional
        Threads for m >= 5; None uses every core.

    Returns
    -------
    float
        0.0 when `F` is empty or no point strictly dominates `ref`.

    Notes
    -----
    m = 1, 2: a sweep, O(n log n). m = 3: HV3D+ style sweep over a balanced
    tree, O(n log n). m = 4: HV4D+ style, O(n^2). m >= 5: WFG recursion with
    the 3-D/4-D code as base case, independent sub-problems run in parallel.
    """
    arr, ref_arr = _prepare(F, ref, maximize)
    return float(_core.hypervolume(arr, ref_arr, as_threads(n_threads)))


def hv_contributions(F: Any, /, ref: Any, *, maximize: bool = False, n_threads: int | None = None) -> np.ndarray:
    """Exclusive hypervolume contribution of every point.

    The contribution of point i is ``hypervolume(F, ref) - hypervolume(F
    without i, ref)``. Dominated points, points outside the reference box,
    and points that have an identical copy contribute 0.

    Parameters
    ----------
    F : array_like, shape (n, m)
    ref : array_like, shape (m,)
    maximize : bool, default False
    n_threads : int, optional

    Returns
    -------
    numpy.ndarray of float64, shape (n,)

    Notes
    -----
    m = 2 and 3: O(n log n) sweeps. m >= 4: every point's exclusive volume is
    the hypervolume of the region it alone covers, computed by WFG-style
    limiting against the other points, in parallel over points.
    """
    arr, ref_arr = _prepare(F, ref, maximize)
    return _core.hv_contributions(arr, ref_arr, as_threads(n_threads))


def hypervolume_mc(
    F: Any,
    /,
    ref: Any,
    *,
    samples: int = 1_000_000,
    seed: int | None = None,
    maximize: bool = False,
    n_threads: int | None = None,
    device: str = "auto",
) -> tuple[float, float]:
    """Monte-Carlo estimate of the hypervolume, for many objectives.

    Parameters
    ----------
    F : array_like, shape (n, m)
        A host array, or a CUDA array (torch tensor, CuPy array).
    ref : array_like, shape (m,)
    samples : int, default 1_000_000
        Uniform samples drawn in the box between the points' ideal point and
        `ref`.
    seed : int, optional
        The same seed gives the same estimate whatever the thread count
        (samples come from a counter-based Philox generator).
    maximize : bool, default False
    n_threads : int, optional
        Threads of the CPU path.
    device : {"auto", "cpu", "cuda"}, default "auto"
        Where the samples are drawn and tested: "auto" follows `F` (CUDA for
        a CUDA array). On CUDA, `m` is at most 64.

    Returns
    -------
    (value, stderr) : tuple of float
        The estimate and its standard error, ``box * sqrt(p (1 - p) / samples)``
        with p the fraction of dominated samples. (0.0, 0.0) when no point
        dominates `ref`. For a seed, the CPU and the CUDA path count the same
        samples as dominated: their estimates are equal.
    """
    backend = _device.resolve(device, F)
    samples = as_positive_int(samples, "samples")
    seed = as_seed(seed)
    if backend is not None:
        return _hypervolume_mc_on(backend, F, ref, samples, seed, maximize)
    arr, ref_arr = _prepare(_device.to_host(F), ref, maximize)
    value, err = _core.hypervolume_mc(arr, ref_arr, samples, seed, as_threads(n_threads))
    return float(value), float(err)


def _hypervolume_mc_on(
    backend: _device.Backend, F: Any, ref: Any, samples: int, seed: int, maximize: bool
) -> tuple[float, float]:
    """hypervolume_mc on the CUDA path (or the emulated device)."""
    mat = backend.matrix(F, "F", negate=maximize)
    ref_arr = as_reference_point(_device.to_host(ref), mat.cols)
    if maximize:
        ref_arr = -ref_arr
    # -inf would make the box infinite: the host copy the kernel takes checks it.
    value, err = backend.kernels.hypervolume_mc(
        mat.ptr, mat.rows, mat.cols, ref_arr, samples, seed, mat.device, mat.stream
    )
    return float(value), float(err)
