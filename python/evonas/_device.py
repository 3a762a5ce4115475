"""Where a computation runs, and device arrays at the boundary.

A public function with a ``device`` argument resolves it with `resolve`:
``"cpu"`` runs the C++ core on host arrays, ``"cuda"`` runs the CUDA path
(``evonas._core.cuda``) on device memory, and ``"auto"`` follows the input:
CUDA when it lives on a CUDA device. Device arrays are torch CUDA tensors,
CuPy arrays, or anything else CuPy can wrap (``__cuda_array_interface__``);
one that is already C-contiguous float64 reaches the kernels without a copy.

The kernels take raw device addresses (`Matrix`). The emulated device
(``evonas._device_emu``, built for tests only) runs the very same kernel
sources on the host, with numpy arrays standing in for device memory, so
that machines without a GPU test the kernels and the conversions here.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from . import _core
from ._validation import _numeric_array, as_objectives, as_ranks

__all__ = ["DEVICES", "Backend", "Matrix", "dtype_kind", "on_cuda", "resolve", "to_host", "emulated"]

DEVICES = ("auto", "cpu", "cuda")

_DLPACK_CUDA = (2, 13)  # kDLCUDA, kDLCUDAManaged


def on_cuda(x: Any) -> bool:
    """True when `x` is an array in CUDA device memory."""
    dlpack_device = getattr(x, "__dlpack_device__", None)
    if callable(dlpack_device):
        try:
            return int(dlpack_device()[0]) in _DLPACK_CUDA
        except (TypeError, ValueError, RuntimeError, IndexError):
            return False
    return hasattr(x, "__cuda_array_interface__")


def _is_torch(x: Any) -> bool:
    return type(x).__module__.split(".")[0] == "torch"


def dtype_kind(x: Any) -> str:
    """The numpy dtype kind ("f", "i", "u", "b", "c", ...) of a host or device array."""
    if _is_torch(x):
        if x.is_complex():
            return "c"
        if x.dtype.is_floating_point:
            return "f"
        return "b" if str(x.dtype) == "torch.bool" else "i"
    if on_cuda(x):
        return str(np.dtype(x.dtype).kind)
    return str(np.asarray(x).dtype.kind)


def _cupy() -> ModuleType:
    try:
        return importlib.import_module("cupy")
    except ImportError:
        raise RuntimeError(
            "this array is on a CUDA device but is not a torch tensor; evonas reads such arrays "
            "through CuPy, which is not installed (pip install cupy-cuda12x)"
        ) from None


def to_host(x: Any) -> Any:
    """A numpy array of a device array (a copy) or of a torch CPU tensor (a
    view); any other input unchanged."""
    if _is_torch(x):
        return x.detach().cpu().numpy()
    if not on_cuda(x):
        return x
    return _cupy().asnumpy(x)


@dataclass(frozen=True)
class Matrix:
    """A C-contiguous float64 matrix in a backend's memory, as a kernel takes it."""

    owner: Any  # the array holding the memory; keeps it alive while a kernel reads it
    ptr: int
    rows: int
    cols: int
    device: int
    stream: int


def _check_matrix(shape: tuple[int, ...], name: str, allow_nan: bool = False) -> None:
    if len(shape) != 2:
        raise ValueError(f"'{name}' must be a 2-D array (one row per point), but it has {len(shape)} dimension(s)")
    if shape[1] == 0 and not allow_nan:
        raise ValueError(f"'{name}' must have at least one objective (column), but it has shape {tuple(shape)}")


def _check_vector(shape: tuple[int, ...], n: int, name: str) -> None:
    if len(shape) != 1 or shape[0] != n:
        raise ValueError(f"'{name}' must be a 1-D array of length {n} (one per point), but it has shape {tuple(shape)}")


def _check_ranks(shape: tuple[int, ...], n: int, lowest: int, highest: int, name: str) -> None:
    if len(shape) != 1 or shape[0] != n:
        raise ValueError(f"'{name}' must be a 1-D array of length {n} (one per point), but it has shape {tuple(shape)}")
    if n and lowest < 0:
        raise ValueError(f"'{name}' must hold front indices >= 0, but it holds {lowest}")
    if n and highest > np.iinfo(np.int32).max:
        raise ValueError(f"'{name}' must hold front indices below 2**31, but it holds {highest}")


def _nan_row(name: str, row: int) -> ValueError:
    return ValueError(f"'{name}' must not contain NaN, but row {row} does")


class _NumpyArrays:
    """Host memory standing in for a device (the emulated backend)."""

    def matrix(self, x: Any, name: str, allow_nan: bool) -> np.ndarray:
        if not allow_nan:
            return as_objectives(x, name)
        arr = _numeric_array(x, name)
        _check_matrix(arr.shape, name, allow_nan)
        return np.ascontiguousarray(arr, dtype=np.float64)

    def vector(self, x: Any, n: int, name: str, like: np.ndarray) -> np.ndarray:
        arr = _numeric_array(to_host(x), name)
        _check_vector(arr.shape, n, name)
        return np.ascontiguousarray(arr, dtype=np.float64)

    def ranks(self, x: Any, n: int, name: str, like: np.ndarray) -> np.ndarray:
        return as_ranks(to_host(x), n, name)

    def empty(self, n: int, like: np.ndarray, dtype: str) -> np.ndarray:
        return np.empty(n, dtype=dtype)

    def address(self, a: np.ndarray) -> tuple[int, int, int]:
        return a.ctypes.data, 0, 0

    def put(self, x: Any, dtype: str, like: Any) -> np.ndarray:
        return np.ascontiguousarray(to_host(x), dtype=dtype)

    def alloc(self, shape: tuple[int, ...], dtype: str, like: Any) -> np.ndarray:
        return np.empty(shape, dtype=dtype)


class _TorchArrays:
    """torch tensors in `home` memory: "cuda" (the current CUDA device), or
    "cpu" standing in for it on the emulated device. Inputs elsewhere are
    moved there; other CUDA arrays are wrapped through DLPack, zero-copy."""

    def __init__(self, home: str = "cuda") -> None:
        import torch

        self.torch = torch
        self.home = home

    def _tensor(self, x: Any, like: Any = None) -> Any:
        device = like.device if like is not None else self.home
        if _is_torch(x):
            t = x.detach()
            return t if t.device.type == self.home else t.to(device)
        if on_cuda(x):
            return self.torch.from_dlpack(x).to(device)
        return self.torch.as_tensor(np.asarray(x), device=device)

    def _real(self, x: Any, name: str, like: Any = None) -> Any:
        t = self._tensor(x, like)
        if t.dtype == self.torch.bool or t.is_complex():
            raise TypeError(f"'{name}' must hold real numbers (a float or integer dtype), but its dtype is {t.dtype}")
        return t

    def matrix(self, x: Any, name: str, allow_nan: bool) -> Any:
        torch = self.torch
        t = self._real(x, name)
        _check_matrix(tuple(t.shape), name, allow_nan)
        t = t.to(torch.float64).contiguous()
        if not allow_nan and bool(torch.isnan(t).any()):
            raise _nan_row(name, int(torch.nonzero(torch.isnan(t))[0, 0]))
        return t

    def vector(self, x: Any, n: int, name: str, like: Any) -> Any:
        t = self._real(x, name, like)
        _check_vector(tuple(t.shape), n, name)
        return t.to(device=like.device, dtype=self.torch.float64).contiguous()

    def ranks(self, x: Any, n: int, name: str, like: Any) -> Any:
        torch = self.torch
        t = self._tensor(x, like)
        if t.dtype == torch.bool or t.is_floating_point() or t.is_complex():
            raise TypeError(f"'{name}' must be an integer array, but its dtype is {t.dtype}")
        lo, hi = (int(t.min()), int(t.max())) if t.numel() else (0, 0)
        _check_ranks(tuple(t.shape), n, lo, hi, name)
        return t.to(device=like.device, dtype=torch.int32).contiguous()

    def empty(self, n: int, like: Any, dtype: str) -> Any:
        return self.torch.empty(n, dtype=getattr(self.torch, dtype), device=like.device)

    def address(self, a: Any) -> tuple[int, int, int]:
        if a.device.type != "cuda":
            return a.data_ptr(), 0, 0
        return a.data_ptr(), a.device.index or 0, self.torch.cuda.current_stream(a.device).cuda_stream

    def put(self, x: Any, dtype: str, like: Any) -> Any:
        return self._tensor(x, like).to(getattr(self.torch, dtype)).contiguous()

    def alloc(self, shape: tuple[int, ...], dtype: str, like: Any) -> Any:
        device = like.device if like is not None else self.home
        return self.torch.empty(shape, dtype=getattr(self.torch, dtype), device=device)


class _CupyArrays:
    """CuPy arrays, and anything CuPy wraps through __cuda_array_interface__."""

    def __init__(self) -> None:
        self.cp = _cupy()

    def _real(self, x: Any, name: str) -> Any:
        a = self.cp.asarray(x)
        if a.dtype.kind not in "fiu":
            raise TypeError(f"'{name}' must hold real numbers (a float or integer dtype), but its dtype is {a.dtype}")
        return a

    def matrix(self, x: Any, name: str, allow_nan: bool) -> Any:
        cp = self.cp
        a = self._real(x, name)
        _check_matrix(a.shape, name, allow_nan)
        a = cp.ascontiguousarray(a, dtype=cp.float64)
        if not allow_nan and bool(cp.isnan(a).any()):
            raise _nan_row(name, int(cp.argwhere(cp.isnan(a))[0, 0]))
        return a

    def vector(self, x: Any, n: int, name: str, like: Any) -> Any:
        with like.device:
            a = self._real(x, name)
        _check_vector(a.shape, n, name)
        return self.cp.ascontiguousarray(a, dtype=self.cp.float64)

    def ranks(self, x: Any, n: int, name: str, like: Any) -> Any:
        cp = self.cp
        with like.device:
            a = cp.asarray(x)
        if a.dtype.kind not in "iu":
            raise TypeError(f"'{name}' must be an integer array, but its dtype is {a.dtype}")
        lo, hi = (int(a.min()), int(a.max())) if a.size else (0, 0)
        _check_ranks(a.shape, n, lo, hi, name)
        return cp.ascontiguousarray(a, dtype=cp.int32)

    def empty(self, n: int, like: Any, dtype: str) -> Any:
        with like.device:
            return self.cp.empty(n, dtype=dtype)

    def address(self, a: Any) -> tuple[int, int, int]:
        return int(a.data.ptr), int(a.device.id), int(self.cp.cuda.get_current_stream().ptr)

    def put(self, x: Any, dtype: str, like: Any) -> Any:
        with like.device if like is not None else self.cp.cuda.Device():
            return self.cp.ascontiguousarray(self.cp.asarray(x), dtype=dtype)

    def alloc(self, shape: tuple[int, ...], dtype: str, like: Any) -> Any:
        with like.device if like is not None else self.cp.cuda.Device():
            return self.cp.empty(shape, dtype=dtype)


@dataclass(frozen=True)
class Backend:
    """The kernels of the CUDA path and the memory they read.

    ``name`` is ``"cuda"`` (``evonas._core.cuda``, device memory) or
    ``"emulated"`` (``evonas._device_emu``, host memory standing in for it).
    ``library`` picks the array type of results: ``"torch"``, ``"cupy"``,
    ``"numpy"`` (the emulated device's default) or ``""``: follow the input,
    torch in, torch out; CuPy in, CuPy out (a host input to the cuda backend
    goes through torch when it is installed, else CuPy). The emulated device
    with ``library="torch"`` keeps torch CPU tensors, which tests the torch
    plumbing without a GPU. A backend pickles by name (the kernels are found
    again on unpickling).
    """

    name: str
    kernels: ModuleType
    library: str = ""

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return _named_backend, (self.name, self.library)

    def _arrays(self, x: Any) -> Any:
        library = self.library
        if not library:
            torch_ok = _is_torch(x) or (not on_cuda(x) and importlib.util.find_spec("torch") is not None)
            library = "torch" if torch_ok else "cupy"
        if library == "numpy":
            return _NumpyArrays()
        if library == "torch":
            return _TorchArrays("cpu" if self.name == "emulated" else "cuda")
        return _CupyArrays()

    def matrix(self, x: Any, name: str, *, negate: bool = False, allow_nan: bool = False) -> Matrix:
        """`x` as a checked C-contiguous float64 (n, m) matrix in this backend's memory.

        Raises TypeError for a non-numeric array and ValueError for a wrong
        shape or, unless `allow_nan` (genomes, survival inputs), NaN or no
        column, as the CPU path does; `negate` flips the signs (for
        maximised objectives).
        """
        arrays = self._arrays(x)
        a = arrays.matrix(x, name, allow_nan)
        if negate:
            a = -a
        ptr, device, stream = arrays.address(a)
        return Matrix(a, ptr, int(a.shape[0]), int(a.shape[1]), device, stream)

    def ranks(self, x: Any, like: Matrix, name: str = "ranks") -> tuple[Any, int]:
        """Front indices, one per row of `like`, as int32 next to it: (array, address)."""
        arrays = self._arrays(like.owner)
        a = arrays.ranks(x, like.rows, name, like.owner)
        return a, arrays.address(a)[0]

    def vector(self, x: Any, like: Matrix, name: str) -> tuple[Any, int]:
        """Reals (NaN allowed), one per row of `like`, as float64 next to it: (array, address)."""
        arrays = self._arrays(like.owner)
        a = arrays.vector(x, like.rows, name, like.owner)
        return a, arrays.address(a)[0]

    def empty(self, like: Matrix, dtype: str = "float64", n: int | None = None) -> tuple[Any, int]:
        """An uninitialised vector of `dtype` ("float64", "int32" or "int64")
        next to `like`, of `n` entries (default: one per row of `like`):
        (array, address)."""
        arrays = self._arrays(like.owner)
        a = arrays.empty(like.rows if n is None else n, like.owner, dtype)
        return a, arrays.address(a)[0]

    def put(self, x: Any, dtype: str, like: Any = None) -> Matrix:
        """`x` as a C-contiguous array of `dtype` in this backend's memory,
        next to the array `like` (None: the current device). No value
        checks: the caller validates first. A 1-D result has ``cols`` 1."""
        arrays = self._arrays(like if like is not None else x)
        a = arrays.put(x, dtype, like)
        ptr, device, stream = arrays.address(a)
        shape = tuple(a.shape) + (1, 1)
        return Matrix(a, ptr, int(shape[0]), int(shape[1]), device, stream)

    def alloc(self, shape: tuple[int, int], dtype: str, like: Any = None) -> Matrix:
        """An uninitialised (rows, cols) array of `dtype` next to `like` (as `put`)."""
        arrays = self._arrays(like)
        a = arrays.alloc(shape, dtype, like)
        ptr, device, stream = arrays.address(a)
        return Matrix(a, ptr, int(shape[0]), int(shape[1]), device, stream)


def _cuda_backend(why: str) -> Backend:
    if not _core.cuda_compiled():
        raise RuntimeError(
            f"{why}, but this build of evonas has no CUDA kernels: it was compiled without the CUDA "
            "toolkit. Reinstall on a machine with nvcc (EVONAS_CUDA=ON pip install .), or pass "
            "device='cpu' (a device array is then copied to the host)"
        )
    if _core.cuda_device_count() == 0:
        raise RuntimeError(f"{why}, but no CUDA device is visible; pass device='cpu'")
    return Backend("cuda", _core.cuda)


def resolve(device: str | Backend, *arrays: Any) -> Backend | None:
    """The backend that runs a call on `arrays`, or None for the CPU path.

    Raises
    ------
    TypeError, ValueError
        If `device` is not one of ``"auto"``, ``"cpu"``, ``"cuda"``.
    RuntimeError
        If the CUDA path is asked for (``"cuda"``, or ``"auto"`` with an
        input on a CUDA device) but this build or machine has none.

    Notes
    -----
    A `Backend` passes through unchanged: tests run the public functions on
    the emulated device with ``device=_device.emulated()``.
    """
    if isinstance(device, Backend):
        return device
    if not isinstance(device, str):
        raise TypeError(f"'device' must be one of {DEVICES}, but it is {device!r}")
    if device not in DEVICES:
        raise ValueError(f"'device' must be one of {DEVICES}, but it is {device!r}")
    if device == "cpu":
        return None
    if device == "cuda":
        return _cuda_backend("device='cuda' was asked for")
    if any(on_cuda(a) for a in arrays):
        return _cuda_backend("an input lives on a CUDA device (device='auto' then runs there)")
    return None


def emulated(library: str = "numpy") -> Backend:
    """The emulated device (test builds only; ImportError elsewhere), its
    arrays numpy arrays or, with ``library="torch"``, torch CPU tensors."""
    if library not in ("numpy", "torch"):
        raise ValueError(f"'library' must be 'numpy' or 'torch', but it is {library!r}")
    return Backend("emulated", importlib.import_module("evonas._device_emu"), library)


def _named_backend(name: str, library: str) -> Backend:
    """The backend `name` (unpickling a `Backend`)."""
    if name == "emulated":
        return emulated(library)
    return Backend("cuda", _cuda_backend("a pickled evonas object holds CUDA state").kernels, library)

