"""Exact 2-D hypervolume and contributions on the CUDA path (cpp/cuda/hv2d.cu)
against the CPU path, bit for bit, and against the brute-force oracles.

Backends as in test_device.py: ``emulated`` (the kernel sources built for the
host, numpy arrays), ``emulated-torch`` (the same with torch CPU tensors, so
torch in, torch out is tested without a GPU) and ``cuda`` (torch CUDA tensors
through the public functions; skipped without a GPU).
"""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import evonas
import reference as ref_impl
from evonas import _device
from conftest import hv_problems, numpy_matrices
from test_hypervolume import assert_contributions_close, assert_hv_close, draw_ref

_EMULATED = importlib.util.find_spec("evonas._device_emu") is not None
_NO_EMULATED = "built without the emulated device (EVONAS_DEVICE_EMULATION=AUTO)"


class Emulated:
    """The emulated device with numpy arrays."""

    def __init__(self) -> None:
        self.device = _device.emulated()

    def to_device(self, a: np.ndarray):
        return a

    def check(self, out) -> np.ndarray:
        assert isinstance(out, np.ndarray)
        return out


class EmulatedTorch(Emulated):
    """The emulated device with torch CPU tensors standing in for CUDA ones."""

    def __init__(self) -> None:
        self.torch = pytest.importorskip("torch")
        self.device = _device.emulated("torch")

    def to_device(self, a: np.ndarray):
        return self.torch.as_tensor(a)

    def check(self, out) -> np.ndarray:
        assert isinstance(out, self.torch.Tensor) and out.dtype == self.torch.float64
        return out.numpy()


class Cuda:
    """torch CUDA tensors through the public functions (device='auto')."""

    device = "auto"

    def __init__(self) -> None:
        import torch

        self.torch = torch

    def to_device(self, a: np.ndarray):
        return self.torch.as_tensor(a, device="cuda")

    def check(self, out) -> np.ndarray:
        assert isinstance(out, self.torch.Tensor) and out.is_cuda  # results stay on the device
        return out.cpu().numpy()


def _cuda_ready() -> bool:
    return evonas.cuda.is_available() and importlib.util.find_spec("torch") is not None


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(Emulated, id="emulated", marks=pytest.mark.skipif(not _EMULATED, reason=_NO_EMULATED)),
        pytest.param(EmulatedTorch, id="emulated-torch", marks=pytest.mark.skipif(not _EMULATED, reason=_NO_EMULATED)),
        pytest.param(Cuda, id="cuda", marks=pytest.mark.skipif(not _cuda_ready(), reason="no CUDA device")),
    ],
)
def dev(request):
    return request.param()


def run(dev, F: np.ndarray, ref, maximize: bool = False) -> tuple[float, np.ndarray]:
    """(hypervolume, contributions) of F on `dev`, contributions back on the host."""
    X = dev.to_device(F)
    hv = evonas.hypervolume(X, ref, maximize=maximize, device=dev.device)
    assert isinstance(hv, float)
    c = dev.check(evonas.hv_contributions(X, ref, maximize=maximize, device=dev.device))
    return hv, c


def assert_same_as_cpu(hv: float, c: np.ndarray, F: np.ndarray, ref, maximize: bool = False) -> None:
    """Bit for bit, the sign of zero included."""
    expected = evonas.hypervolume(F, ref, maximize=maximize, device="cpu")
    assert hv.hex() == expected.hex()
    expected_c = evonas.hv_contributions(F, ref, maximize=maximize, device="cpu")
    assert c.dtype == np.float64 and c.shape == expected_c.shape
    np.testing.assert_array_equal(c.view(np.uint64), expected_c.view(np.uint64))


# ----------------------------------------------------------------------------
# Random and degenerate inputs


@given(problem=hv_problems(n=(0, 30), m=(2, 2)), maximize=st.booleans())
def test_equals_cpu_path_and_oracles(dev, problem, maximize):
    F, ref = problem
    if maximize:
        F, ref = -F, -ref
    hv, c = run(dev, F, ref, maximize)
    assert_same_as_cpu(hv, c, F, ref, maximize)
    assert_hv_close(hv, ref_impl.hypervolume_grid(F, ref, maximize), F, ref, maximize)
    if ref_impl.inside_ref(F, ref, maximize).sum() <= 12:
        assert_hv_close(hv, ref_impl.hypervolume_inclusion_exclusion(F, ref, maximize), F, ref, maximize)
    assert_contributions_close(c, F, ref, maximize)


@given(F=numpy_matrices(n=(40, 600), m=(2, 2)), data=st.data())
def test_larger_inputs_equal_cpu_path(dev, F, data):
    # Beyond 256 points the CPU path radix-sorts: the tie order must still match.
    ref = draw_ref(data, F)
    hv, c = run(dev, F, ref)
    assert_same_as_cpu(hv, c, F, ref)
    assert_hv_close(hv, ref_impl.hypervolume_grid(F, ref), F, ref)


@pytest.mark.parametrize("kind", ["uniform", "grid", "ties in x", "front", "copies"])
def test_thousands_of_points_equal_cpu_path(dev, kind):
    rng = np.random.default_rng(7)
    n = 5000
    if kind == "uniform":
        F = rng.random((n, 2))
    elif kind == "grid":  # heavy ties in both objectives, -0.0 next to 0.0
        F = rng.integers(-3, 4, (n, 2)).astype(float) * rng.choice([-1.0, 1.0], (n, 1))
        F[rng.random(n) < 0.1] = -0.0
    elif kind == "ties in x":  # the CPU path adds a strip per step in row order: the sum's rounding shows it
        u = rng.random(n)
        F = np.column_stack([np.round(u, 2), 1.0 - u + 0.01 * rng.random(n)])
    elif kind == "front":  # every point on the front, one long staircase
        x = np.sort(rng.random(n))
        F = np.column_stack([x, 1.0 - x])[rng.permutation(n)]
    else:  # a few points, each copied many times, and one box holding many
        F = np.vstack([rng.random((20, 2))[rng.integers(0, 20, n // 2)], 0.5 + 0.5 * rng.random((n // 2, 2))])
        F[0] = [0.0, 0.5]
    hv, c = run(dev, F, [1.0, 1.0])
    assert_same_as_cpu(hv, c, F, [1.0, 1.0])
    assert_hv_close(hv, ref_impl.hypervolume_grid(F, [1.0, 1.0]), F, [1.0, 1.0])


@pytest.mark.parametrize("maximize", [False, True])
def test_edge_cases(dev, maximize):
    s = -1.0 if maximize else 1.0
    ref = s * np.array([4.0, 4.0])
    cases = {
        "empty": (np.zeros((0, 2)), 0.0, []),
        "one point": (np.array([[1.0, 2.0]]), 6.0, [6.0]),
        "all outside": (np.array([[5.0, 1.0], [1.0, 9.0], [np.inf, 0.0]]), 0.0, [0.0, 0.0, 0.0]),
        "on the boundary": (np.array([[4.0, 1.0], [1.0, 4.0], [3.0, 3.0]]), 1.0, [0.0, 0.0, 1.0]),
        "copies": (np.array([[1.0, 1.0], [1.0, 1.0], [2.0, 0.0]]), 11.0, [0.0, 0.0, 2.0]),
        "dominated": (np.array([[2.0, 2.0], [1.0, 1.0], [1.0, 3.0]]), 9.0, [0.0, 4.0, 0.0]),
        "ties in x": (np.array([[1.0, 3.0], [1.0, 2.0], [2.0, 1.0]]), 8.0, [0.0, 1.0, 2.0]),
        "inf rows": (np.array([[np.inf, np.inf], [1.0, np.inf], [2.0, 2.0]]), 4.0, [0.0, 0.0, 4.0]),
        "signed zeros": (np.array([[0.0, 1.0], [-0.0, 1.0], [1.0, -0.0]]), 15.0, [0.0, 0.0, 3.0]),
    }
    for name, (F, hv_expected, c_expected) in cases.items():
        hv, c = run(dev, s * F, ref, maximize)
        assert hv == hv_expected, name
        np.testing.assert_array_equal(c, c_expected, err_msg=name)
        assert_same_as_cpu(hv, c, s * F, ref, maximize)


@pytest.mark.parametrize("m", [1, 3, 4])
def test_other_objective_counts_run_on_the_host(dev, m):
    F = np.random.default_rng(m).random((60, m))
    F[5] = F[4]
    hv, c = run(dev, F, np.full(m, 0.9))
    assert_same_as_cpu(hv, c, F, np.full(m, 0.9))


def test_any_dtype_and_strides(dev):
    F = np.random.default_rng(3).random((300, 4)).astype(np.float32)[::2, 1::2]
    hv, c = run(dev, F, [1.0, 1.0])
    assert_same_as_cpu(hv, c, F, [1.0, 1.0])


def test_input_not_modified(dev):
    F = np.random.default_rng(4).random((50, 2))
    X = dev.to_device(F.copy())
    for maximize in (False, True):
        evonas.hypervolume(X, [1.0, 1.0], maximize=maximize, device=dev.device)
        evonas.hv_contributions(X, [1.0, 1.0], maximize=maximize, device=dev.device)
    np.testing.assert_array_equal(np.asarray(_device.to_host(X)), F)


def test_known_value_of_a_linear_front(dev):
    n = 1000
    x = np.arange(1, n + 1) / (n + 1)
    F = np.column_stack([x, 1.0 - x])
    hv, c = run(dev, F, [1.0, 1.0])
    assert hv == pytest.approx(n / (2 * (n + 1)), rel=1e-12)
    np.testing.assert_allclose(c, np.full(n, 1 / (n + 1) ** 2), rtol=1e-9)
    assert math.isclose(evonas.hypervolume(dev.to_device(1 - F), [0, 0], maximize=True, device=dev.device), hv)


# ----------------------------------------------------------------------------
# Bad input: the CPU path's errors


@pytest.mark.parametrize(
    "F, ref, maximize",
    [
        ([[0.5, np.nan]], [1.0, 1.0], False),
        ([[0.5, -np.inf]], [1.0, 1.0], False),
        ([[0.5, 0.5], [np.inf, 0.5]], [1.0, 1.0], True),
        ([[0.5, 0.5]], [1.0, 1.0, 1.0], False),
        ([[0.5, 0.5]], [1.0, np.inf], False),
        ([[0.5, 0.5]], [1.0, np.nan], False),
        ([[0.5, 0.5]], [[1.0, 1.0]], False),
        (np.zeros((2, 0)), [], False),
    ],
)
def test_bad_input_same_error_as_cpu_path(dev, F, ref, maximize):
    F = np.asarray(F, dtype=float)
    for function in (evonas.hypervolume, evonas.hv_contributions):
        with pytest.raises(ValueError) as cpu:
            function(F, ref, maximize=maximize, device="cpu")
        with pytest.raises(ValueError) as on_device:
            function(dev.to_device(F), ref, maximize=maximize, device=dev.device)
        assert str(on_device.value) == str(cpu.value)


def test_bad_shape_or_dtype(dev):
    for function in (evonas.hypervolume, evonas.hv_contributions):
        with pytest.raises(ValueError, match="'F' must be a 2-D array"):
            function(dev.to_device(np.ones(3)), [1.0, 1.0], device=dev.device)
        with pytest.raises(TypeError, match="'F' must hold real numbers"):
            function(dev.to_device(np.ones((2, 2), dtype=bool)), [1.0, 1.0], device=dev.device)


def test_device_argument_is_checked():
    F = np.ones((2, 2))
    for function in (evonas.hypervolume, evonas.hv_contributions):
        with pytest.raises(ValueError, match="'device' must be one of"):
            function(F, [2.0, 2.0], device="gpu")
        with pytest.raises(TypeError, match="'device' must be one of"):
            function(F, [2.0, 2.0], device=None)


@pytest.mark.skipif(evonas.cuda.is_available(), reason="this machine has a CUDA device")
def test_cuda_asked_for_without_it_is_a_clear_error():
    for function in (evonas.hypervolume, evonas.hv_contributions):
        with pytest.raises(RuntimeError, match="device='cuda' was asked for, but"):
            function(np.array([[0.5, 0.5]]), [1.0, 1.0], device="cuda")
