"""Reference directions for NSGA-III: the Das-Dennis simplex lattice."""

from __future__ import annotations

import numpy as np

from .._validation import as_int_at_least

__all__ = ["das_dennis", "MAX_REF_DIRS"]

#: Largest lattice :func:`das_dennis` builds; NSGA-III needs a population at
#: least this large, so anything bigger is a mistake in the arguments.
MAX_REF_DIRS = 10**7


def _lattice_size(n_obj: int, n_partitions: int) -> int:
    """C(n_partitions + n_obj - 1, n_obj - 1), or MAX_REF_DIRS + 1 once it is larger.

    Multiplied out term by term (every partial product is a binomial
    coefficient) so that absurd arguments stop early instead of building a
    huge integer.
    """
    k = min(n_partitions, n_obj - 1)
    n = n_partitions + n_obj - 1
    size = 1
    for i in range(1, k + 1):
        size = size * (n - k + i) // i
        if size > MAX_REF_DIRS:
            return MAX_REF_DIRS + 1
    return size


def _lattice(n_obj: int, n_partitions: int) -> np.ndarray:
    """All compositions of `n_partitions` into `n_obj` non-negative parts, / n_partitions.

    Built one coordinate at a time: every partial row is repeated once per
    value its next coordinate can take (0 .. what is left), so the rows come
    out in lexicographic order of their coordinates, as in pymoo.
    """
    if n_partitions == 0 or n_obj == 1:
        return np.full((1, n_obj), 1.0 / n_obj)
    rows = np.arange(n_partitions + 1, dtype=np.int64)[:, None]
    left = n_partitions - rows[:, 0]
    for _ in range(n_obj - 2):
        reps = left + 1
        parent = np.repeat(np.arange(rows.shape[0]), reps)
        value = np.arange(parent.size) - np.repeat(np.cumsum(reps) - reps, reps)
        rows = np.column_stack([rows[parent], value])
        left = left[parent] - value
    return np.column_stack([rows, left]) / n_partitions


def das_dennis(n_obj: int, n_partitions: int, /, *, inner_partitions: int | None = None) -> np.ndarray:
    """Das and Dennis's (1998) uniform reference directions on the unit simplex.

    Every point whose coordinates are multiples of ``1 / n_partitions`` and
    sum to 1: ``C(n_partitions + n_obj - 1, n_obj - 1)`` rows, e.g. 91 for
    three objectives and 12 partitions.

    Parameters
    ----------
    n_obj : int
        Number of objectives (columns), >= 1.
    n_partitions : int
        Divisions of each axis, >= 0 (0 gives the centroid alone).
    inner_partitions : int, optional
        Add Deb and Jain's (2014) inner layer for many objectives: a second
        lattice with this many partitions, shrunk halfway towards the
        centroid (``w / 2 + 1 / (2 n_obj)``), appended after the outer one.
        It puts directions inside the simplex when `n_partitions` must stay
        below `n_obj` to keep the count small.

    Returns
    -------
    numpy.ndarray of float64, shape (n_directions, n_obj)
        Non-negative rows summing to 1, in lexicographic order of their
        coordinates (pymoo's order); outer layer first.

    Raises
    ------
    TypeError, ValueError
        On a non-integer or out-of-range argument, or when the lattice would
        hold more than ``MAX_REF_DIRS`` (10**7) directions.

    Examples
    --------
    >>> das_dennis(3, 2)
    array([[0. , 0. , 1. ],
           [0. , 0.5, 0.5],
           [0. , 1. , 0. ],
           [0.5, 0. , 0.5],
           [0.5, 0.5, 0. ],
           [1. , 0. , 0. ]])
    """
    m = as_int_at_least(n_obj, "n_obj", 1)
    outer = as_int_at_least(n_partitions, "n_partitions", 0)
    layers = [outer]
    if inner_partitions is not None:
        layers.append(as_int_at_least(inner_partitions, "inner_partitions", 0))
    total = sum(_lattice_size(m, h) for h in layers)
    if total > MAX_REF_DIRS:
        raise ValueError(
            f"das_dennis({m}, {outer}"
            + (f", inner_partitions={inner_partitions}" if inner_partitions is not None else "")
            + f") would make more than {MAX_REF_DIRS} reference directions: use fewer partitions"
            " (for many objectives, a small n_partitions with inner_partitions)"
        )
    W = _lattice(m, outer)
    if inner_partitions is not None:
        W = np.vstack([W, 0.5 * _lattice(m, layers[1]) + 0.5 / m])
    return W
