"""Where a genetic algorithm keeps its population: host memory, worked by the
C++ core, or a device backend (the CUDA path, or the emulated device in
tests), worked by its kernels and the array library's own operations.

Both placements give the same generation bit for bit: the device kernels
equal the CPU ones, and the rest is gathering rows. On a device nothing of
the population goes to the host within a generation; the sizes the host
needs (how many children survived duplicate elimination) are the only
values read back.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from typing import Any

import numpy as np
from array_api_compat import array_namespace

from .. import _core, _device
from .._validation import _numeric_array
from ..operators import MixedVariation, Sampling, TournamentSelection, unique_mask
from ..operators._common import space_arrays
from ..operators._on_device import children_on, tournament_on
from ..operators.duplicates import _unique_mask_on
from ..space import Space

__all__ = ["Host", "OnDevice", "placement"]


class Host:
    """numpy arrays and the C++ core (`n_threads` threads)."""

    #: The `device` argument of the public kernels that work this memory.
    device: str | _device.Backend = "cpu"
    backend: _device.Backend | None = None

    def values(self, x: Any, name: str) -> np.ndarray:
        """A float64 C-contiguous copy of the real array `x`, wherever it lives (TypeError otherwise)."""
        return np.array(_numeric_array(_device.to_host(x), name), dtype=np.float64, order="C")

    def empty(self, rows: int, cols: int) -> np.ndarray:
        return np.empty((rows, cols))

    def copy(self, x: np.ndarray) -> np.ndarray:
        return x.copy()

    def stack(self, parts: list[np.ndarray]) -> np.ndarray:
        return parts[0] if len(parts) == 1 else np.vstack(parts)

    def take(self, x: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Rows `rows` (host int64) of `x`, as a new array."""
        return np.ascontiguousarray(x[rows])

    def gather(self, first: np.ndarray, second: np.ndarray, keep: np.ndarray, threads: int) -> np.ndarray:
        """Rows `keep` of ``first`` stacked over ``second``, without the stack."""
        return _core.take_rows(first, second, np.ascontiguousarray(keep, dtype=np.int64), threads)

    def sample(self, sampling: Sampling, space: Space, n: int, seed: int, key: int, threads: int) -> np.ndarray:
        return sampling.do(space, n, seed=seed, generation=key, n_threads=threads or None, device="cpu")

    def unique(self, X: np.ndarray, against: np.ndarray | None, threads: int) -> np.ndarray:
        return unique_mask(X, against=against, n_threads=threads or None)

    def parents(
        self, selection: TournamentSelection, n_matings: int, criteria: dict[str, Any], seed: int, key: int, threads: int
    ) -> np.ndarray:
        return selection.do(n_matings, **criteria, seed=seed, generation=key, n_threads=threads or None, device="cpu")

    def children(
        self, variation: MixedVariation, space: Space, X: np.ndarray, parents: np.ndarray, seed: int, key: int,
        threads: int,
    ) -> np.ndarray:
        return variation._children(space, X, parents, seed, key, threads)

    def nsga2_survival(self, F: np.ndarray, cv: np.ndarray, n_survive: int, threads: int) -> tuple[Any, Any, Any]:
        return _core.nsga2_survival(F, cv, n_survive, "crowding", threads)

    def from_host(self, x: np.ndarray) -> np.ndarray:
        """A host result where the population lives (here: itself)."""
        return x


class OnDevice:
    """Arrays in a device backend's memory (torch or CuPy on CUDA; numpy or
    torch CPU tensors on the emulated device)."""

    def __init__(self, backend: _device.Backend) -> None:
        if not backend.library:  # one array type for the whole state, whatever the user passes in
            library = "torch" if importlib.util.find_spec("torch") is not None else "cupy"
            backend = dataclasses.replace(backend, library=library)
        self.backend = backend
        self.device: str | _device.Backend = backend

    def values(self, x: Any, name: str) -> Any:
        """A float64 C-contiguous copy of the real array `x` in the backend's memory."""
        kind = _device.dtype_kind(x)
        if kind not in "fiu":
            raise TypeError(f"'{name}' must hold real numbers (a float or integer dtype), but its dtype kind is {kind!r}")
        # put() may pass `x` through, or a view of it: the state needs its own copy.
        return self.copy(self.backend.put(x, "float64").owner)

    def empty(self, rows: int, cols: int) -> Any:
        return self.backend.alloc((rows, cols), "float64").owner

    def copy(self, x: Any) -> Any:
        return array_namespace(x).asarray(x, copy=True)

    def stack(self, parts: list[Any]) -> Any:
        return parts[0] if len(parts) == 1 else array_namespace(parts[0]).concat(parts, axis=0)

    def take(self, x: Any, rows: np.ndarray) -> Any:
        return x[self.backend.put(rows, "int64", x).owner]

    def gather(self, first: Any, second: Any, keep: Any, threads: int) -> Any:
        return self.stack([first, second])[keep]

    def sample(self, sampling: Sampling, space: Space, n: int, seed: int, key: int, threads: int) -> Any:
        return sampling.do(space, n, seed=seed, generation=key, device=self.backend)

    def unique(self, X: Any, against: Any, threads: int) -> Any:
        return _unique_mask_on(self.backend, X, against)

    def parents(
        self, selection: TournamentSelection, n_matings: int, criteria: dict[str, Any], seed: int, key: int, threads: int
    ) -> Any:
        given = {name: values for name, values in criteria.items() if values is not None}
        n_pop = int(next(iter(given.values())).shape[0])
        winners = tournament_on(self.backend, n_pop, 2 * n_matings, selection.k, given, seed, key)
        return winners.reshape(n_matings, 2)

    def children(
        self, variation: MixedVariation, space: Space, X: Any, parents: Any, seed: int, key: int, threads: int
    ) -> Any:
        crossover, mutation = variation._specs(space)
        mat = self.backend.put(X, "float64")
        return children_on(self.backend, space_arrays(space), mat, parents, crossover, mutation, seed, key)

    def from_host(self, x: np.ndarray) -> Any:
        """A host result copied to where the population lives."""
        return self.backend.put(x, str(x.dtype)).owner

    def nsga2_survival(self, F: Any, cv: Any, n_survive: int, threads: int) -> tuple[Any, Any, Any]:
        from .nsga2 import _nsga2_survival_on

        return _nsga2_survival_on(self.backend, F, cv, n_survive)


def placement(device: Any) -> Host | OnDevice:
    """The placement for an algorithm's `device` argument.

    "cpu" keeps the population on the host; "cuda" on the current CUDA
    device (RuntimeError where there is none); "auto" on CUDA when
    ``evonas.cuda.is_available()``, else on the host. A `Backend` (the
    emulated device, in tests) is taken as given.
    """
    if isinstance(device, _device.Backend):
        return OnDevice(device)
    if isinstance(device, str) and device == "auto":
        from .. import cuda

        device = "cuda" if cuda.is_available() else "cpu"
    backend = _device.resolve(device)
    return Host() if backend is None else OnDevice(backend)
