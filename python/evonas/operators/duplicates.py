"""Duplicate genomes, found by hashing rows natively: O(n), never O(n^2)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core, _device
from .._validation import _numeric_array, as_threads

__all__ = ["unique_mask", "eliminate_duplicates"]


def _rows(X: Any, name: str) -> np.ndarray:
    arr = _numeric_array(X, name)
    if arr.ndim != 2:
        raise ValueError(f"'{name}' must be a 2-D array (one row per genome), but it has {arr.ndim} dimension(s)")
    return np.ascontiguousarray(arr, dtype=np.float64)


def unique_mask(X: Any, /, *, against: Any = None, n_threads: int | None = None) -> np.ndarray:
    """Mask of the rows of `X` to keep: first occurrences not found in `against`.

    Parameters
    ----------
    X : array_like, shape (n, m)
        Genomes (any real dtype; compared as float64).
    against : array_like, shape (k, m), optional
        Rows that already exist, e.g. the parent population: rows of `X`
        equal to one of them are dropped too.
    n_threads : int, optional
        Threads to use; None uses every core.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
        True for a row equal to no earlier row of `X` and to no row of
        `against`.

    Notes
    -----
    Rows compare exactly (``==`` on every value): ``-0.0`` equals ``0.0``, and
    a row holding NaN equals nothing, so it is always kept. Rows are hashed
    into partitioned open-addressing tables: O((n + k) m) expected time, in
    parallel, and the result does not depend on `n_threads`.
    """
    arr = _rows(X, "X")
    other = None
    if against is not None:
        other = _rows(against, "against")
        if other.shape[1] != arr.shape[1]:
            raise ValueError(
                f"'against' must have {arr.shape[1]} columns (like 'X'), but it has shape {other.shape}"
            )
    return _core.unique_rows(arr, other, as_threads(n_threads)).view(np.bool_)


def eliminate_duplicates(X: Any, /, *, against: Any = None, n_threads: int | None = None) -> np.ndarray:
    """The rows of `X` without duplicates and without rows found in `against`.

    Keeps the first occurrence of each row, in the original order; see
    :func:`unique_mask` for how rows compare.

    Returns
    -------
    numpy.ndarray of float64, shape (n_kept, m)
        A new array.
    """
    arr = _rows(X, "X")
    return arr[unique_mask(arr, against=against, n_threads=n_threads)]


def _unique_mask_on(backend: _device.Backend, X: Any, against: Any = None) -> Any:
    """unique_mask on the CUDA path (or the emulated device): a bool array next to `X`."""
    mat = backend.matrix(X, "X", allow_nan=True)
    other = None if against is None else backend.matrix(against, "against", allow_nan=True)
    if other is not None and other.cols != mat.cols:
        raise ValueError(f"'against' must have {mat.cols} columns (like 'X'), but it has {other.cols}")
    mask, mask_ptr = backend.empty(mat, "uint8")
    backend.kernels.unique_rows(
        mat.ptr, mat.rows, mat.cols, 0 if other is None else other.ptr, 0 if other is None else other.rows,
        mask_ptr, mat.device, mat.stream,
    )
    return mask != 0
