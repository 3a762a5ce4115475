"""Whether the CUDA path can be used in this process."""

from __future__ import annotations

from . import _core

__all__ = ["is_available", "is_compiled", "device_count"]


def is_compiled() -> bool:
    """True when this build of evonas includes the CUDA kernels."""
    return bool(_core.cuda_compiled())


def device_count() -> int:
    """Number of CUDA devices visible to evonas (0 on a CPU-only build)."""
    return int(_core.cuda_device_count())


def is_available() -> bool:
    """True when the CUDA kernels are compiled in and a CUDA device is present."""
    return is_compiled() and device_count() > 0
