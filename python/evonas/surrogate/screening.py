"""Screening: which candidates of a large pool are worth an expensive evaluation."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .._validation import _numeric_array, as_objectives, as_threads
from ..pareto import crowding_distance, non_dominated_sort

__all__ = ["screen"]


def _predictions(value: Any, name: str, n: int | None) -> np.ndarray:
    arr = _numeric_array(value, name)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] == 0 or (n is not None and arr.shape[0] != n):
        rows = "n_candidates" if n is None else str(n)
        raise ValueError(f"'{name}' must have shape ({rows},) or ({rows}, n_expensive) with n_expensive >= 1, but "
                         f"it has shape {arr.shape}")
    arr = np.asarray(arr, dtype=np.float64)
    if not np.isfinite(arr).all():
        row = int(np.argwhere(~np.isfinite(arr))[0, 0])
        raise ValueError(f"'{name}' must be finite, but row {row} is not")
    return arr


def screen(
    cheap_F: Any,
    mean: Any,
    std: Any,
    k: int,
    /,
    *,
    kappa: float = 1.0,
    n_threads: int | None = None,
) -> np.ndarray:
    """Choose `k` candidates to evaluate, balancing predicted quality and uncertainty.

    Every objective is minimised. The expensive ones enter optimistically, as
    the lower confidence bound ``mean - kappa * std``; the cheap ones as they
    are. Candidates are ranked by non-dominated sorting of these values and
    chosen front by front; the front that does not fit whole is cut by
    crowding distance (larger first: spread along the front), then by total
    uncertainty (larger first), then by index.

    Parameters
    ----------
    cheap_F : array_like, shape (n, m_cheap), or None
        Exactly known objectives (parameters, FLOPs, latency); None if there
        are none. +inf is allowed (worst), NaN is not.
    mean, std : array_like, shape (n,) or (n, m_expensive)
        Predicted mean and standard deviation of the expensive objectives
        (e.g. from `ForestSurrogate.predict`), finite, ``std >= 0``.
    k : int
        Number of candidates to choose, 0 <= k <= n.
    kappa : float, default 1.0
        Weight of the uncertainty, finite and >= 0; 0 trusts the means.
    n_threads : int, optional
        Threads for the sort; None uses every core.

    Returns
    -------
    numpy.ndarray of int64, shape (k,)
        Indices into the pool, best first (by front, then the tie-breaks).

    Notes
    -----
    The sort stops once `k` candidates are ranked, so a pool of 10**6 costs
    about one non-dominated sort of the first few fronts (O(n log n) for two
    or three objectives in total).
    """
    as_threads(n_threads)  # fail before any work
    M = _predictions(mean, "mean", None)
    n = M.shape[0]
    S = _predictions(std, "std", n)
    if S.shape != M.shape:
        raise ValueError(f"'std' must have the shape of 'mean' {M.shape}, but it has shape {S.shape}")
    if (S < 0).any():
        row = int(np.argwhere(S < 0)[0, 0])
        raise ValueError(f"'std' must be >= 0, but row {row} is negative")
    if isinstance(kappa, bool) or not isinstance(kappa, numbers.Real) or not np.isfinite(kappa) or kappa < 0:
        raise ValueError(f"'kappa' must be a finite real number >= 0, but it is {kappa!r}")
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"'k' must be an int, but it is {k!r}")
    if not 0 <= k <= n:
        raise ValueError(f"'k' must lie in [0, {n}] (the pool size), but it is {k}")
    G = M - float(kappa) * S
    if cheap_F is not None:
        C = as_objectives(cheap_F, "cheap_F")
        if C.shape[0] != n:
            raise ValueError(f"'cheap_F' must have one row per candidate ({n}), but it has {C.shape[0]}")
        G = np.hstack([C, G])
    if k == 0:
        return np.empty(0, dtype=np.int64)
    ranks = non_dominated_sort(G, n_stop_if_ranked=k, n_threads=n_threads)
    ranked = np.flatnonzero(ranks >= 0)
    crowd = crowding_distance(G[ranked], ranks=ranks[ranked], n_threads=n_threads)
    spread = S[ranked].sum(axis=1)
    # lexsort: the last key is the primary one.
    order = np.lexsort((ranked, -spread, -crowd, ranks[ranked]))
    return ranked[order[:k]].astype(np.int64)
