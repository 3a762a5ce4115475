"""The population operators on a device backend (the CUDA path, or the
emulated device in tests): the same checks and the same results as the CPU
path, with genomes in the backend's memory.

Each ``*_on(backend, ...)`` takes a `evonas._device.Backend`; the operator
classes call them when ``device`` resolves to CUDA. Genome matrices are
checked on the device (one reduction); the small index and criteria vectors
are checked on the host, as the CPU path checks them, then moved over.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import _device
from ..space import Space
from ._common import SpaceArrays, as_parents, space_arrays


def genomes_on(backend: _device.Backend, space: Space, X: Any, arrays: SpaceArrays, name: str = "X") -> _device.Matrix:
    """`X` as a checked C-contiguous float64 genome matrix in the backend's memory.

    Raises TypeError for a non-numeric array and ValueError for a wrong shape
    or an invalid gene (NaN, out of bounds, fractional discrete value), with
    the CPU path's messages.
    """
    kind = _device.dtype_kind(X)
    if kind not in "fiu":
        raise TypeError(f"'{name}' must hold real numbers (a float or integer dtype), but its dtype kind is {kind!r}")
    shape = tuple(X.shape) if hasattr(X, "shape") else np.shape(X)
    if len(shape) != 2 or shape[1] != len(space):
        raise ValueError(
            f"'{name}' must have shape (n, {len(space)}) (one column per gene), but it has shape {tuple(shape)}"
        )
    mat = backend.put(X, "float64")
    dev = backend.kernels
    if dev.first_invalid_gene(arrays, mat.ptr, mat.rows, mat.device, mat.stream) >= 0:
        space.validate(_device.to_host(mat.owner), name)  # raises, naming the gene and the cell
        raise AssertionError("unreachable: Space.validate accepted an invalid genome")  # pragma: no cover
    return mat


def sample_on(
    backend: _device.Backend, method: str, arrays: SpaceArrays, n_var: int, n: int, seed: int, generation: int
) -> Any:
    """`n` genomes drawn by `method` ("sample_random" or "sample_lhs"), checked arguments."""
    out = backend.alloc((n, n_var), "float64")
    getattr(backend.kernels, method)(arrays, n, seed, generation, out.ptr, out.device, out.stream)
    return out.owner


#: The element type of each tournament criterion in the kernels.
_CRITERIA_DTYPES = {"rank": "int32", "fitness": "float64", "crowding": "float64", "cv": "float64"}


def tournament_on(
    backend: _device.Backend,
    n_pop: int,
    total: int,
    k: int,
    given: dict[str, Any],
    seed: int,
    generation: int,
    like: Any = None,
) -> Any:
    """Winners of `total` tournaments over the checked criteria `given` (host
    or device arrays, one entry per individual), as int64 in the backend's
    memory, next to the device array `like` (None: the current device)."""
    moved = {name: backend.put(values, _CRITERIA_DTYPES[name], like) for name, values in given.items()}
    winners = backend.alloc((total, 1), "int64", like)
    ptrs = [moved[name].ptr if name in moved else 0 for name in ("rank", "fitness", "crowding", "cv")]
    backend.kernels.tournament_select(
        n_pop, total, k, *ptrs, seed, generation, winners.ptr, winners.device, winners.stream
    )
    return winners.owner.reshape(total)


#: (prob, n_points, per-kind entries) and (prob, per-kind entries), as the
#: native variation and mutate take them.
CrossoverArgs = tuple[float, int, Sequence[tuple[int, float, float, float]]]
MutationArgs = tuple[float, Sequence[tuple[int, float, float, float, float]]]


def variation_on(
    backend: _device.Backend,
    space: Space,
    X: Any,
    parents: Any,
    crossover: CrossoverArgs,
    mutation: MutationArgs,
    seed: int,
    generation: int,
) -> Any:
    """Children of the mating pairs `parents` of `X` (both checked here)."""
    arrays = space_arrays(space)
    mat = genomes_on(backend, space, X, arrays)
    pairs = as_parents(_device.to_host(parents), mat.rows)
    return children_on(backend, arrays, mat, pairs, crossover, mutation, seed, generation)


def children_on(
    backend: _device.Backend,
    arrays: SpaceArrays,
    X: _device.Matrix,
    parents: Any,
    crossover: CrossoverArgs,
    mutation: MutationArgs,
    seed: int,
    generation: int,
) -> Any:
    """`variation_on` on checked arguments: valid genomes `X`, and `parents`
    (host or device) int64 pairs of its rows. An algorithm's own population
    and selection need no second check, and no trip to the host."""
    on_device = backend.put(parents, "int64", X.owner)
    n_matings = on_device.rows
    out = backend.alloc((2 * n_matings, X.cols), "float64", X.owner)
    backend.kernels.variation(
        arrays, X.ptr, X.rows, on_device.ptr, n_matings, *crossover, *mutation, seed, generation,
        out.ptr, out.device, out.stream,
    )
    return out.owner


def mutate_on(
    backend: _device.Backend, space: Space, X: Any, mutation: MutationArgs, seed: int, generation: int
) -> Any:
    """Every row of `X` (checked here) mutated."""
    arrays = space_arrays(space)
    mat = genomes_on(backend, space, X, arrays)
    out = backend.alloc((mat.rows, mat.cols), "float64", mat.owner)
    backend.kernels.mutate(arrays, mat.ptr, mat.rows, *mutation, seed, generation, out.ptr, out.device, out.stream)
    return out.owner
