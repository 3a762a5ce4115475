"""The CUDA path against the CPU path, on every device backend present.

Backends: ``emulated`` (evonas._device_emu: the CUDA path's kernel sources
built for the host, numpy arrays standing in for device memory; present in
test builds, see README) and ``cuda`` (a real GPU, with torch CUDA tensors;
skipped without one). Both run the same kernel sources, so the emulated
backend checks the kernels' logic on CPU-only machines and the cuda backend
checks the device-specific parts (memory, streams, launch).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import evonas
from evonas import _core, _device, indicators, pareto
from evonas.algorithms import nsga2
from evonas.operators import duplicates
from conftest import hv_problems, objective_matrices
from test_nsga2 import survival_inputs


def _cuda_ready() -> bool:
    return evonas.cuda.is_available() and importlib.util.find_spec("torch") is not None


class EmulatedDevice:
    """Calls the kernels through the internal per-backend entry points."""

    name = "emulated"

    def __init__(self) -> None:
        self.backend = _device.emulated()

    def to_device(self, a: np.ndarray) -> np.ndarray:
        return a

    def hypervolume_mc(self, F, ref, **kw):
        kw.setdefault("maximize", False)
        return indicators._hypervolume_mc_on(self.backend, F, ref, kw["samples"], kw["seed"], kw["maximize"])

    def crowding_distance(self, F, ranks=None):
        if ranks is None:
            ranks = pareto._non_dominated_sort_on(self.backend, F, None)
        return pareto._crowding_distance_on(self.backend, F, ranks)

    def non_dominated_sort(self, F, n_stop_if_ranked=None, strategy=0):
        return pareto._non_dominated_sort_on(self.backend, F, n_stop_if_ranked, strategy)

    def nondominated(self, F):
        return pareto._non_dominated_sort_on(self.backend, F, 1) == 0

    def nsga2_survival(self, F, cv, n_survive):
        return nsga2._nsga2_survival_on(self.backend, F, cv, n_survive)

    def unique_mask(self, X, against=None):
        return duplicates._unique_mask_on(self.backend, X, against)

    def forest_predict(self, forest, X):
        return forest.predict(X, device=self.backend)


class CudaDevice:
    """Calls the public functions with torch CUDA tensors (device='auto')."""

    name = "cuda"

    def to_device(self, a: np.ndarray):
        import torch

        return torch.as_tensor(a, device="cuda")

    def hypervolume_mc(self, F, ref, **kw):
        return evonas.hypervolume_mc(F, ref, **kw)

    def crowding_distance(self, F, ranks=None):
        out = evonas.crowding_distance(F, ranks=ranks)
        assert out.is_cuda  # results stay on the device
        return out

    def non_dominated_sort(self, F, n_stop_if_ranked=None, strategy=0):
        out = pareto._non_dominated_sort_on(_device.resolve("cuda"), F, n_stop_if_ranked, strategy)
        assert out.is_cuda
        return out

    def nondominated(self, F):
        out = evonas.nondominated(F)
        assert out.is_cuda
        return out

    def nsga2_survival(self, F, cv, n_survive):
        out = nsga2._nsga2_survival_on(_device.resolve("cuda"), F, cv, n_survive)
        assert all(a.is_cuda for a in out)
        return out

    def unique_mask(self, X, against=None):
        out = duplicates._unique_mask_on(_device.resolve("cuda"), X, against)
        assert out.is_cuda
        return out

    def forest_predict(self, forest, X):
        mean, std = forest.predict(X)
        assert mean.is_cuda and std.is_cuda
        return mean, std


def _backends() -> list:
    params = [
        pytest.param(
            EmulatedDevice,
            id="emulated",
            marks=pytest.mark.skipif(
                importlib.util.find_spec("evonas._device_emu") is None,
                reason="built without the emulated device (EVONAS_DEVICE_EMULATION=AUTO)",
            ),
        ),
        pytest.param(CudaDevice, id="cuda", marks=pytest.mark.skipif(not _cuda_ready(), reason="no CUDA device")),
    ]
    return params


@pytest.fixture(scope="module", params=_backends())
def dev(request):
    return request.param()


# ----------------------------------------------------------------------------
# Monte-Carlo hypervolume: the same samples, so exactly the same estimate


@given(problem=hv_problems(n=(0, 40), m=(1, 6)), samples=st.integers(1, 3000), seed=st.integers(0, 2**64 - 1))
def test_hypervolume_mc_equals_cpu_path(dev, problem, samples, seed):
    F, ref = problem
    F = np.where(np.isneginf(F), 0.0, F)  # -inf is an error on both paths (tested below)
    expected = evonas.hypervolume_mc(F, ref, samples=samples, seed=seed, device="cpu")
    assert dev.hypervolume_mc(dev.to_device(F), ref, samples=samples, seed=seed) == expected


@pytest.mark.parametrize("maximize", [False, True])
def test_hypervolume_mc_edge_cases(dev, maximize):
    sign = -1.0 if maximize else 1.0
    ref = sign * np.ones(3)
    cases = [
        np.empty((0, 3)),  # no points
        sign * np.full((1, 3), 2.0),  # outside the box
        sign * np.array([[0.5, 0.5, 0.5]] * 4),  # one point, copied
        sign * np.array([[0.2, 0.9, 0.5], [0.9, 0.2, 0.5], [1.0, 0.1, 0.1]]),  # one on the box's face
    ]
    for F in cases:
        expected = evonas.hypervolume_mc(F, ref, samples=5000, seed=11, maximize=maximize, device="cpu")
        got = dev.hypervolume_mc(dev.to_device(F), ref, samples=5000, seed=11, maximize=maximize)
        assert got == expected


def test_hypervolume_mc_bad_input(dev):
    with pytest.raises(ValueError, match="NaN"):
        dev.hypervolume_mc(dev.to_device(np.array([[0.5, np.nan]])), np.ones(2), samples=10, seed=0)
    with pytest.raises(ValueError, match="-inf"):
        dev.hypervolume_mc(dev.to_device(np.array([[0.5, -np.inf]])), np.ones(2), samples=10, seed=0)
    with pytest.raises(ValueError, match="2-D"):
        dev.hypervolume_mc(dev.to_device(np.ones(3)), np.ones(3), samples=10, seed=0)
    with pytest.raises(ValueError, match="ref"):
        dev.hypervolume_mc(dev.to_device(np.ones((2, 3))), np.ones(2), samples=10, seed=0)
    with pytest.raises(ValueError, match="objectives"):
        dev.hypervolume_mc(dev.to_device(np.zeros((2, 65))), np.ones(65), samples=10, seed=0)


# ----------------------------------------------------------------------------
# Choosing the device


def test_device_argument_is_checked():
    F = np.array([[0.5, 0.5]])
    with pytest.raises(ValueError, match="'device' must be one of"):
        evonas.hypervolume_mc(F, np.ones(2), samples=10, seed=0, device="gpu")
    with pytest.raises(TypeError, match="'device' must be one of"):
        evonas.hypervolume_mc(F, np.ones(2), samples=10, seed=0, device=0)


@pytest.mark.skipif(evonas.cuda.is_available(), reason="this machine has a CUDA device")
def test_cuda_asked_for_without_it_is_a_clear_error():
    with pytest.raises(RuntimeError, match="device='cuda' was asked for, but"):
        evonas.hypervolume_mc(np.array([[0.5, 0.5]]), np.ones(2), samples=10, seed=0, device="cuda")


def test_host_arrays_stay_on_the_cpu_path():
    assert _device.resolve("auto", np.ones((2, 2)), [1.0, 2.0]) is None
    assert _device.resolve("cpu", np.ones((2, 2))) is None
    assert not _device.on_cuda(np.ones(2))
    torch = pytest.importorskip("torch")
    assert not _device.on_cuda(torch.ones(2))


# ----------------------------------------------------------------------------
# Non-dominated sorting: identical ranks


@given(F=objective_matrices(n=(0, 60), m=(1, 5), infinities=(np.inf, -np.inf)), data=st.data())
def test_non_dominated_sort_equals_cpu_path(dev, F, data):
    n_stop = data.draw(st.one_of(st.none(), st.integers(0, F.shape[0] + 1)), label="n_stop_if_ranked")
    strategy = data.draw(st.sampled_from([0, 1, 2]), label="strategy")  # how 3-objective rounds run
    expected = evonas.non_dominated_sort(F, n_stop_if_ranked=n_stop, device="cpu")
    got = _device.to_host(dev.non_dominated_sort(dev.to_device(F), n_stop_if_ranked=n_stop, strategy=strategy))
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, expected)
    mask = _device.to_host(dev.nondominated(dev.to_device(F)))
    np.testing.assert_array_equal(mask, evonas.nondominated(F, device="cpu"))


@pytest.mark.parametrize("shape", [(2000, 1), (2000, 2), (2000, 3), (500, 6)])
def test_non_dominated_sort_larger_populations(dev, shape):
    rng = np.random.default_rng(shape[0] + shape[1])
    F = rng.random(shape)
    F[::7] = F[1::7][: len(F[::7])]  # copies
    F[:, 0] = np.round(F[:, 0], 2)  # ties in one objective
    expected = evonas.non_dominated_sort(F, device="cpu")
    for strategy in (0, 1, 2):
        got = dev.non_dominated_sort(dev.to_device(F), strategy=strategy)
        np.testing.assert_array_equal(_device.to_host(got), expected)
    simplex = rng.dirichlet(np.ones(3), size=1500)  # one big front, then the copies' fronts
    simplex = np.vstack([simplex, simplex[:500] + 0.01])
    expected = evonas.non_dominated_sort(simplex, n_stop_if_ranked=1000, device="cpu")
    got = dev.non_dominated_sort(dev.to_device(simplex), n_stop_if_ranked=1000, strategy=2)
    np.testing.assert_array_equal(_device.to_host(got), expected)
    line = np.column_stack([np.linspace(0, 1, 300), np.linspace(1, 0, 300)])  # one front
    np.testing.assert_array_equal(_device.to_host(dev.non_dominated_sort(dev.to_device(line))), 0)
    chain = np.repeat(np.linspace(0, 1, 300)[:, None], 2, axis=1)  # 300 fronts
    np.testing.assert_array_equal(_device.to_host(dev.non_dominated_sort(dev.to_device(chain))), np.arange(300))


def test_non_dominated_sort_bad_input(dev):
    with pytest.raises(ValueError, match="NaN"):
        dev.non_dominated_sort(dev.to_device(np.array([[0.5, np.nan]])))
    with pytest.raises(ValueError, match="n_stop_if_ranked"):
        dev.non_dominated_sort(dev.to_device(np.ones((2, 2))), n_stop_if_ranked=-1)
    with pytest.raises(TypeError, match="n_stop_if_ranked"):
        dev.non_dominated_sort(dev.to_device(np.ones((2, 2))), n_stop_if_ranked=1.5)


# ----------------------------------------------------------------------------
# Crowding distance: the same operations in the same order, so equal results


@given(F=objective_matrices(n=(0, 60), m=(1, 5), infinities=(np.inf, -np.inf)), data=st.data())
def test_crowding_distance_equals_cpu_path(dev, F, data):
    n = F.shape[0]
    if data.draw(st.booleans(), label="given_ranks"):
        ranks = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), dtype=np.int64)
    else:
        ranks = evonas.non_dominated_sort(F)
    expected = evonas.crowding_distance(F, ranks=ranks, device="cpu")
    got = _device.to_host(dev.crowding_distance(dev.to_device(F), ranks=dev.to_device(ranks)))
    np.testing.assert_array_equal(got, expected)


def test_crowding_distance_without_ranks(dev):
    F = np.random.default_rng(5).integers(0, 4, size=(300, 3)).astype(float)  # many ties and copies
    expected = evonas.crowding_distance(F, device="cpu")
    np.testing.assert_array_equal(_device.to_host(dev.crowding_distance(dev.to_device(F))), expected)


def test_crowding_distance_bad_input(dev):
    F = dev.to_device(np.ones((3, 2)))
    with pytest.raises(ValueError, match="length 3"):
        dev.crowding_distance(F, ranks=dev.to_device(np.zeros(2, dtype=np.int64)))
    with pytest.raises(ValueError, match=">= 0"):
        dev.crowding_distance(F, ranks=dev.to_device(np.array([0, -1, 0])))
    with pytest.raises(TypeError, match="integer"):
        dev.crowding_distance(F, ranks=dev.to_device(np.zeros(3)))
    with pytest.raises(ValueError, match="NaN"):
        dev.crowding_distance(dev.to_device(np.array([[0.0, np.nan]])), ranks=dev.to_device(np.zeros(1, dtype=int)))


# ----------------------------------------------------------------------------
# NSGA-II survival: the same survivors, ranks and crowding


@given(case=survival_inputs())
def test_nsga2_survival_equals_cpu_path(dev, case):
    F, cv, n_survive = case
    expected = _core.nsga2_survival(F, cv, n_survive, "crowding", 1)
    got = dev.nsga2_survival(dev.to_device(F), dev.to_device(cv), n_survive)
    for a, b, dtype in zip(got, expected, (np.int64, np.int32, np.float64)):
        a = _device.to_host(a)
        assert a.dtype == dtype
        np.testing.assert_array_equal(a, b)


def test_nsga2_survival_larger_population(dev):
    rng = np.random.default_rng(3)
    F = rng.random((3000, 3))
    F[::5] = np.round(F[::5], 1)  # ties
    cv = np.where(rng.random(3000) < 0.2, rng.random(3000), 0.0)
    for n_survive in (0, 1, 1500, 2500, 3000):
        expected = _core.nsga2_survival(F, cv, n_survive, "crowding", 2)
        got = dev.nsga2_survival(dev.to_device(F), dev.to_device(cv), n_survive)
        for a, b in zip(got, expected):
            np.testing.assert_array_equal(_device.to_host(a), b)
    unconstrained = dev.nsga2_survival(dev.to_device(F), None, 100)
    for a, b in zip(unconstrained, _core.nsga2_survival(F, np.zeros(3000), 100, "crowding", 2)):
        np.testing.assert_array_equal(_device.to_host(a), b)


def test_nsga2_survival_with_infinite_and_failed_rows_equals_cpu_path(dev):
    # +-inf objectives (crowding terms of inf - inf) and NaN rows: the
    # device's radix ordering of fronts and crowding must match the CPU's.
    for seed in range(150):
        rng = np.random.default_rng(seed)
        n, m = int(rng.integers(1, 40)), int(rng.integers(1, 4))
        F = np.round(rng.random((n, m)), 1)
        rows = rng.integers(0, n, size=3)
        F[rows[0], rng.integers(0, m)] = np.inf
        F[rows[1], rng.integers(0, m)] = -np.inf
        if seed % 3 == 0:
            F[rows[2], 0] = np.nan
        cv = np.where(rng.random(n) < 0.2, rng.random(n), 0.0)
        n_survive = int(rng.integers(0, n + 1))
        expected = _core.nsga2_survival(F, cv, n_survive, "crowding", 1)
        got = dev.nsga2_survival(dev.to_device(F), dev.to_device(cv), n_survive)
        for a, b in zip(got, expected):
            np.testing.assert_array_equal(_device.to_host(a), b)


# ----------------------------------------------------------------------------
# Duplicate rows: the same mask


@given(n=st.integers(0, 40), m=st.integers(0, 4), k=st.integers(0, 10), seed=st.integers(0, 2**32 - 1),
       use_against=st.booleans())
def test_unique_mask_equals_cpu_path(dev, n, m, k, seed, use_against):
    rng = np.random.default_rng(seed)
    values = np.array([0.0, -0.0, 1.0, 2.5, np.nan, np.inf, -np.inf])
    X = values[rng.integers(0, 3 if seed % 2 else len(values), size=(n, m))]
    against = values[rng.integers(0, len(values), size=(k, m))] if use_against else None
    expected = evonas.operators.unique_mask(X, against=against)
    got = dev.unique_mask(dev.to_device(X), None if against is None else dev.to_device(against))
    np.testing.assert_array_equal(_device.to_host(got), expected)
    with pytest.raises(ValueError, match="'against' must have"):
        dev.unique_mask(dev.to_device(np.zeros((2, m + 1))), dev.to_device(np.zeros((1, m + 2))))


@pytest.mark.parametrize("hash_bits", [0, 1, 3, 64])
def test_unique_rows_with_colliding_hashes(hash_bits):
    # Few hash bits make most distinct rows collide: the kept rows must still
    # be exactly those the CPU path keeps (rows are compared, not hashes).
    emu = pytest.importorskip("evonas._device_emu")
    rng = np.random.default_rng(hash_bits)
    values = np.array([0.0, -0.0, 1.0, 2.5, np.nan, np.inf])
    X = values[rng.integers(0, len(values), size=(300, 3))]
    X[200:] = X[:100]  # copies
    X[150:160] = np.nan  # identical NaN rows: each kept
    against = np.ascontiguousarray(X[::7] + (np.arange(X[::7].shape[0]) % 2)[:, None])
    expected = evonas.operators.unique_mask(X, against=against)
    mask = np.empty(X.shape[0], dtype=np.uint8)
    emu.unique_rows(X.ctypes.data, X.shape[0], 3, against.ctypes.data, against.shape[0], mask.ctypes.data, 0, 0,
                    hash_bits)
    np.testing.assert_array_equal(mask.view(np.bool_), expected)


# ----------------------------------------------------------------------------
# Surrogate forest prediction: the same sums in the same order


@pytest.mark.parametrize("min_samples_leaf, bootstrap", [(1, False), (5, False), (1, True)])
def test_forest_predict_equals_cpu_path(dev, min_samples_leaf, bootstrap):
    from evonas.surrogate import ForestSurrogate

    rng = np.random.default_rng(min_samples_leaf + bootstrap)
    X = rng.random((300, 6))
    X[:, 2] = np.round(X[:, 2], 1)  # ties among thresholds
    y = np.sin(4 * X[:, 0]) + X[:, 1] * X[:, 2] + 0.1 * rng.standard_normal(300)
    forest = ForestSurrogate(n_trees=20, min_samples_leaf=min_samples_leaf, bootstrap=bootstrap, seed=3).fit(X, y)
    Q = np.vstack([rng.uniform(-0.5, 1.5, (500, 6)), X[:50], np.zeros((0, 6))])
    expected = forest.predict(Q, device="cpu")
    got = dev.forest_predict(forest, dev.to_device(Q))
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(_device.to_host(a), b)
    empty = dev.forest_predict(forest, dev.to_device(np.zeros((0, 6))))
    assert all(_device.to_host(a).shape == (0,) for a in empty)
    with pytest.raises(ValueError, match="finite"):
        dev.forest_predict(forest, dev.to_device(np.full((2, 6), np.inf)))
    with pytest.raises(ValueError, match="6 columns"):
        dev.forest_predict(forest, dev.to_device(np.zeros((2, 5))))
