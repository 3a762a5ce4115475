"""Argument checks shared by every public function: one place, clear messages.

The native core trusts what it receives; everything it is given passes
through here first and is converted once (to C-contiguous float64).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = ["as_objectives", "as_reference_point", "as_ranks", "as_threads", "as_positive_int", "as_seed"]

_NUMERIC_KINDS = "fiu"  # float, signed and unsigned integer


def _numeric_array(value: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged nested lists and the like
        raise TypeError(f"'{name}' must be a numeric array, but it could not be read as one: {exc}") from None
    if arr.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(f"'{name}' must hold real numbers (a float or integer dtype), but its dtype is {arr.dtype}")
    return arr


def as_objectives(F: Any, name: str = "F", *, allow_neg_inf: bool = True) -> np.ndarray:
    """Return `F` as a C-contiguous float64 (n, m) matrix, checking it.

    Raises
    ------
    TypeError
        If `F` is not numeric.
    ValueError
        If `F` is not 2-D, has no columns, or holds NaN (or -inf when
        `allow_neg_inf` is false).
    """
    arr = _numeric_array(F, name)
    if arr.ndim != 2:
        raise ValueError(
            f"'{name}' must be a 2-D array of shape (n_points, n_objectives), but it has {arr.ndim} dimension(s)"
        )
    if arr.shape[1] == 0:
        raise ValueError(f"'{name}' must have at least one objective (column), but it has shape {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if np.isnan(arr).any():
        row = int(np.argwhere(np.isnan(arr))[0, 0])
        raise ValueError(f"'{name}' must not contain NaN, but row {row} does")
    if not allow_neg_inf and np.isneginf(arr).any():
        row = int(np.argwhere(np.isneginf(arr))[0, 0])
        raise ValueError(f"'{name}' must not contain -inf here (the hypervolume would be infinite), but row {row} does")
    return arr


def as_reference_point(ref: Any, n_objectives: int, name: str = "ref") -> np.ndarray:
    """Return `ref` as a float64 vector of length `n_objectives`, all finite."""
    if ref is None:
        raise TypeError(f"'{name}' is required: a reference point with one value per objective")
    arr = _numeric_array(ref, name)
    if arr.ndim != 1:
        raise ValueError(f"'{name}' must be a 1-D array, but it has {arr.ndim} dimension(s)")
    if arr.shape[0] != n_objectives:
        raise ValueError(f"'{name}' must have length {n_objectives} (one per objective), but it has length {arr.shape[0]}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"'{name}' must be finite, but it is {arr.tolist()}")
    return arr


def as_ranks(ranks: Any, n_points: int, name: str = "ranks") -> np.ndarray:
    """Return `ranks` as a C-contiguous int32 vector of n non-negative front indices."""
    arr = np.asarray(ranks)
    if arr.size == 0 and arr.dtype.kind == "f":  # `[]` reads as float64
        arr = arr.astype(np.int32)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"'{name}' must be an integer array, but its dtype is {arr.dtype}")
    if arr.ndim != 1 or arr.shape[0] != n_points:
        raise ValueError(f"'{name}' must be a 1-D array of length {n_points} (one per point), but it has shape {arr.shape}")
    if arr.size and arr.min() < 0:
        raise ValueError(f"'{name}' must hold front indices >= 0, but it holds {int(arr.min())}")
    if arr.size and arr.max() > np.iinfo(np.int32).max:
        raise ValueError(f"'{name}' must hold front indices below 2**31, but it holds {int(arr.max())}")
    return np.ascontiguousarray(arr, dtype=np.int32)


def as_threads(n_threads: Any, name: str = "n_threads") -> int:
    """None (all cores) or a positive int; returns 0 for "all cores"."""
    if n_threads is None:
        return 0
    if isinstance(n_threads, bool) or not isinstance(n_threads, numbers.Integral):
        raise TypeError(f"'{name}' must be None or a positive int, but it is {n_threads!r}")
    if n_threads < 1:
        raise ValueError(f"'{name}' must be None or a positive int, but it is {n_threads}")
    return int(n_threads)


def as_int_at_least(value: Any, name: str, minimum: int) -> int:
    """`value` as an int >= `minimum` (bools refused)."""
    what = "a positive int" if minimum == 1 else f"an int >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"'{name}' must be {what}, but it is {value!r}")
    if value < minimum:
        raise ValueError(f"'{name}' must be {what}, but it is {value}")
    return int(value)


def as_positive_int(value: Any, name: str) -> int:
    return as_int_at_least(value, name, 1)


def as_seed(seed: Any, name: str = "seed") -> int:
    """None (fresh entropy) or an int in [0, 2**64); returns a uint64 value."""
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"'{name}' must be None or a non-negative int, but it is {seed!r}")
    if not 0 <= seed < 2**64:
        raise ValueError(f"'{name}' must be in [0, 2**64), but it is {seed}")
    return int(seed)
