"""Initial populations drawn natively: uniform random and Latin hypercube."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import _core, _device
from .._validation import as_seed, as_threads
from ..space import Space
from ._common import as_generation, as_row_count, space_arrays
from ._on_device import sample_on

__all__ = ["Sampling", "FloatRandomSampling", "LatinHypercubeSampling", "LHS"]


class Sampling:
    """Base class of the samplers: ``do(space, n)`` returns n genomes."""

    _native: Callable[..., np.ndarray]
    _device_kernel: str  # its name among the device kernels

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def do(
        self,
        space: Space,
        n: int,
        /,
        *,
        seed: int | None = None,
        generation: int = 0,
        n_threads: int | None = None,
        device: str = "auto",
    ) -> Any:
        """Draw `n` genomes of `space`.

        Parameters
        ----------
        space : Space
        n : int
            Number of genomes, 0 <= n <= 2**28.
        seed : int, optional
            Seed of the random streams; None draws fresh entropy.
        generation : int, default 0
            Part of the random-stream key (samples of another generation are
            independent of these).
        n_threads : int, optional
            Threads to use; None uses every core.
        device : {"auto", "cpu", "cuda"}, default "auto"
            Where to run: "cuda" returns a torch CUDA tensor (CuPy array
            without torch), equal to the CPU path's; `n_threads` is then ignored.

        Returns
        -------
        numpy.ndarray of float64, shape (n, len(space))
            Valid genomes: within the bounds, discrete genes integral.
        """
        arrays = space_arrays(space)
        count = as_row_count(n, "n")
        seed_, generation_, threads = as_seed(seed), as_generation(generation), as_threads(n_threads)
        backend = _device.resolve(device)
        if backend is not None:
            return sample_on(backend, self._device_kernel, arrays, len(space), count, seed_, generation_)
        return type(self)._native(arrays, count, seed_, generation_, threads)


class FloatRandomSampling(Sampling):
    """Independent uniform genes (the name follows pymoo; every gene kind works).

    Real genes are uniform on [low, high] (log-uniform for log-scaled genes);
    integer genes and categorical choices are uniform over their values.
    O(n * n_var), in parallel over rows; row i draws from the stream
    ``(seed, generation, i)``.
    """

    _native = staticmethod(_core.sample_random)  # type: ignore[assignment]
    _device_kernel = "sample_random"


class LatinHypercubeSampling(Sampling):
    """Latin hypercube sampling: every gene is stratified.

    For each gene the n rows fall in n distinct equal-probability strata (in
    log space for log-scaled genes), each at a uniform position within its
    stratum; a discrete gene with c <= n values thus gets each value about n/c
    times. O(n * n_var): one shuffle per gene (genes in parallel) and 4 bytes
    of temporary memory per cell.
    """

    _native = staticmethod(_core.sample_lhs)  # type: ignore[assignment]
    _device_kernel = "sample_lhs"


#: pymoo's name for :class:`LatinHypercubeSampling`.
LHS = LatinHypercubeSampling
