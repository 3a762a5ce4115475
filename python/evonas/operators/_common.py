"""Argument checks shared by the operator classes (one place, clear messages)."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .. import _core
from .._validation import _numeric_array
from ..space import Space

__all__ = [
    "MAX_ROWS",
    "SpaceArrays",
    "as_eta",
    "as_generation",
    "as_genomes",
    "as_parents",
    "as_probability",
    "as_row_count",
    "space_arrays",
]

#: Largest number of rows, matings or tournaments per call: the native random
#: streams address individuals with 28 bits.
MAX_ROWS = 2**28

SpaceArrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def space_arrays(space: Any, name: str = "space") -> SpaceArrays:
    """The (kinds, lower, upper, log) arrays the native operators take."""
    if not isinstance(space, Space):
        raise TypeError(f"'{name}' must be an evonas.space.Space, but it is {type(space).__name__}")
    return space.kinds, space.lower, space.upper, space.log.view(np.uint8)


def as_genomes(space: Space, X: Any, arrays: SpaceArrays, threads: int, name: str = "X") -> np.ndarray:
    """`X` as a C-contiguous float64 genome matrix of `space` (a copy only if needed).

    The value check (bounds, integrality, NaN) runs natively in one parallel
    pass; only a failing matrix goes through `Space.validate` for its message.
    """
    arr = _numeric_array(X, name)
    if arr.ndim != 2 or arr.shape[1] != len(space):
        raise ValueError(
            f"'{name}' must have shape (n, {len(space)}) (one column per gene), but it has shape {arr.shape}"
        )
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if _core.first_invalid_gene(arrays, arr, threads) >= 0:
        space.validate(arr, name)  # raises, naming the gene and the first bad cell
        raise AssertionError("unreachable: Space.validate accepted an invalid genome")  # pragma: no cover
    return arr


def as_parents(parents: Any, n_rows: int, name: str = "parents") -> np.ndarray:
    """Mating pairs as a C-contiguous int64 (n_matings, 2) array of row indices."""
    arr = np.asarray(parents)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"'{name}' must be an integer array of row indices, but its dtype is {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"'{name}' must have shape (n_matings, 2), but it has shape {arr.shape}")
    if 2 * arr.shape[0] > MAX_ROWS:
        raise ValueError(f"'{name}' may hold at most {MAX_ROWS // 2} matings per call, but it holds {arr.shape[0]}")
    if arr.size and (arr.min() < 0 or arr.max() >= n_rows):
        bad = int(arr.min()) if arr.min() < 0 else int(arr.max())
        raise ValueError(f"'{name}' must hold row indices in [0, {n_rows}), but it holds {bad}")
    return np.ascontiguousarray(arr, dtype=np.int64)


def as_row_count(n: Any, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"'{name}' must be a non-negative int, but it is {n!r}")
    if not 0 <= n <= MAX_ROWS:
        raise ValueError(f"'{name}' must be in [0, 2**28], but it is {n}")
    return int(n)


def as_generation(generation: Any) -> int:
    if isinstance(generation, bool) or not isinstance(generation, numbers.Integral):
        raise TypeError(f"'generation' must be a non-negative int, but it is {generation!r}")
    if not 0 <= generation < 2**64:
        raise ValueError(f"'generation' must be in [0, 2**64), but it is {generation}")
    return int(generation)


def _real(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"'{name}' must be a real number, but it is {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"'{name}' must be finite, but it is {value!r}")
    return value


def as_probability(value: Any, name: str) -> float:
    p = _real(value, name)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"'{name}' must be a probability in [0, 1], but it is {p!r}")
    return p


def as_eta(value: Any, name: str = "eta") -> float:
    eta = _real(value, name)
    if eta <= 0.0:
        raise ValueError(f"'{name}' must be > 0, but it is {eta!r}")
    return eta


# Method codes of the native CrossoverSpec / MutationSpec (operators.hpp).
COPY, SBX_METHOD, UNIFORM_METHOD = 0, 1, 2
NO_MUTATION, POLYNOMIAL, RESET, CREEP = 0, 1, 2, 3

#: (method, prob, prob_var, eta) per gene kind: leave the genes as inherited.
CROSSOVER_COPY = (COPY, 1.0, 0.0, 1.0)
#: (method, prob, prob_var, eta, step) per gene kind: no mutation.
MUTATION_NONE = (NO_MUTATION, 1.0, 0.0, 1.0, 1.0)
