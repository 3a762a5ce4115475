"""Hypervolume: exact value, exclusive contributions and a Monte-Carlo estimate.

Objectives are minimised unless stated. Only points that strictly dominate
the reference point in every objective add volume; the others (including
points at +inf) contribute nothing. NaN and non-finite reference points are
rejected, and so is -inf in `F` (its volume would be infinite).

`hypervolume_mc`, and `hypervolume` and `hv_contributions` for two
objectives, also run on CUDA (``device=``), with the same results.
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
        raise _infinite_volume(arr, maximize)
    return arr, ref_arr


def _infinite_volume(arr: np.ndarray, maximize: bool) -> ValueError:
    """The error for -inf in the (oriented) host array `arr`."""
    row = int(np.argwhere(np.isneginf(arr))[0, 0])
    bad = "+inf (maximising)" if maximize else "-inf"
    return ValueError(f"'F' must not contain {bad}: the hypervolume would be infinite (row {row})")


def _prepare_on(backend: _device.Backend, F: Any, ref: Any, maximize: bool) -> tuple[_device.Matrix, np.ndarray]:
    """As `_prepare`, with `F` checked and oriented in `backend`'s memory and `ref` on the host."""
    mat = backend.matrix(F, "F", negate=maximize)
    ref_arr = as_reference_point(_device.to_host(ref), mat.cols)
    if maximize:
        ref_arr = -ref_arr
    # numpy, torch and CuPy arrays all compare and reduce alike.
    if bool((mat.owner == -np.inf).any()):
        raise _infinite_volume(np.asarray(_device.to_host(mat.owner)), maximize)
    return mat, ref_arr


def hypervolume(
    F: Any, /, ref: Any, *, maximize: bool = False, n_threads: int | None = None, device: str = "auto"
) -> float:
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
    device : {"auto", "cpu", "cuda"}, default "auto"
        Where to compute: "auto" follows `F` (CUDA for a CUDA array). Only
        m = 2 runs on CUDA; other m copy `F` to the host for the CPU path.

    Returns
    -------
    float
        0.0 when `F` is empty or no point strictly dominates `ref`.

    Notes
    -----
    m = 1, 2: a sweep, O(n log n). m = 3: HV3D+ style sweep over a balanced
    tree, O(n log n). m = 4: HV4D+ style, O(n^2). m >= 5: WFG recursion with
    the 3-D/4-D code as base case, independent sub-problems run in parallel.

    On CUDA (m = 2) the points are sorted and their staircase found by
    prefix minima on the device; the staircase's strips are added on the
    host in the CPU path's order, so both paths give the same value, bit for
    bit.
    """
    threads = as_threads(n_threads)
    backend = _device.resolve(device, F)
    if backend is None:
        arr, ref_arr = _prepare(_device.to_host(F), ref, maximize)
        return float(_core.hypervolume(arr, ref_arr, threads))
    mat, ref_arr = _prepare_on(backend, F, ref, maximize)
    if mat.cols != 2:
        return float(_core.hypervolume(np.asarray(_device.to_host(mat.owner)), ref_arr, threads))
    return float(backend.kernels.hypervolume_2d(mat.ptr, mat.rows, ref_arr, mat.device, mat.stream))


def hv_contributions(
    F: Any, /, ref: Any, *, maximize: bool = False, n_threads: int | None = None, device: str = "auto"
) -> Any:
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
    device : {"auto", "cpu", "cuda"}, default "auto"
        Where to compute: "auto" follows `F` (CUDA for a CUDA array). Only
        m = 2 runs on CUDA; other m copy `F` to the host for the CPU path
        and copy the result back.

    Returns
    -------
    numpy.ndarray of float64, shape (n,), or an array on `F`'s CUDA device
        The CPU and the CUDA path give identical contributions.

    Notes
    -----
    m = 2 and 3: O(n log n) sweeps. m >= 4: every point's exclusive volume is
    the hypervolume of the region it alone covers, computed by WFG-style
    limiting against the other points, in parallel over points.

    On CUDA (m = 2) the points are sorted and their staircase found by
    prefix minima on the device; then one thread per staircase step adds the
    columns of the box it alone covers, in the CPU path's order (a step whose
    box holds many points that no other step covers takes that many serial
    additions).
    """
    threads = as_threads(n_threads)
    backend = _device.resolve(device, F)
    if backend is None:
        arr, ref_arr = _prepare(_device.to_host(F), ref, maximize)
        return _core.hv_contributions(arr, ref_arr, threads)
    mat, ref_arr = _prepare_on(backend, F, ref, maximize)
    if mat.cols != 2:
        host = _core.hv_contributions(np.asarray(_device.to_host(mat.owner)), ref_arr, threads)
        return backend.put(host, "float64", like=mat.owner).owner
    out, out_ptr = backend.empty(mat)
    backend.kernels.hv_contributions_2d(mat.ptr, mat.rows, ref_arr, out_ptr, mat.device, mat.stream)
    return out


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
    mat, ref_arr = _prepare_on(backend, F, ref, maximize)
    value, err = backend.kernels.hypervolume_mc(
        mat.ptr, mat.rows, mat.cols, ref_arr, samples, seed, mat.device, mat.stream
    )
    return float(value), float(err)
