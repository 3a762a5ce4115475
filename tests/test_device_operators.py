"""The population operators on the CUDA path against the CPU path.

Backends as in tests/test_device.py: ``emulated`` (the device sources built
for the host; here the public ``do(..., device="cuda")`` is routed to it, so
the dispatch and the checks are those a GPU run takes) and ``cuda`` (torch
CUDA tensors; skipped without a GPU). The emulated device is compared bit for
bit. On a real GPU, real genes may differ from glibc's pow/exp/log by an ulp
or so (1e-12 relative here), discrete genes and indices not at all.
"""

from __future__ import annotations

import contextlib
import importlib.util
from typing import Any, Iterator
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import evonas
from evonas import _device
from evonas.operators import (
    PM,
    SBX,
    CategoricalMutation,
    FloatRandomSampling,
    IntegerMutation,
    LatinHypercubeSampling,
    MixedVariation,
    PointCrossover,
    TournamentSelection,
    UniformCrossover,
)
from evonas.space import REAL, Categorical, Integer, Real, Space
from test_operators import ALL_CROSSOVERS, ALL_MUTATIONS, VARIATIONS, mixed_space, population, spaces


def _emulated_present() -> bool:
    return importlib.util.find_spec("evonas._device_emu") is not None


def _cuda_ready() -> bool:
    return evonas.cuda.is_available() and importlib.util.find_spec("torch") is not None


BACKENDS = [
    pytest.param("emulated", marks=pytest.mark.skipif(not _emulated_present(), reason="no emulated device build")),
    pytest.param("cuda", marks=pytest.mark.skipif(not _cuda_ready(), reason="no CUDA device (or no torch)")),
]


@contextlib.contextmanager
def running_on(name: str) -> Iterator[None]:
    """device='cuda' runs on backend `name` within the block."""
    if name == "cuda":
        yield
        return
    backend = _device.emulated()
    with mock.patch.object(_device, "resolve", lambda device, *arrays: backend if device == "cuda" else None):
        yield


def to_device(name: str, a: Any) -> Any:
    if name == "cuda" and isinstance(a, np.ndarray):
        import torch

        return torch.as_tensor(a, device="cuda")
    return a


def host(name: str, out: Any) -> np.ndarray:
    if name == "cuda":
        assert _device.on_cuda(out)
    else:
        assert isinstance(out, np.ndarray)
    return np.asarray(_device.to_host(out))


def assert_same_genomes(name: str, space: Space, got: np.ndarray, want: np.ndarray) -> None:
    assert got.shape == want.shape and got.dtype == np.float64
    if name == "emulated":
        np.testing.assert_array_equal(got, want)
        return
    real = space.kinds == REAL
    np.testing.assert_array_equal(got[:, ~real], want[:, ~real])
    np.testing.assert_allclose(got[:, real], want[:, real], rtol=1e-12, atol=0)


# ----------------------------------------------------------------------------
# Sampling
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", BACKENDS)
@given(
    space=spaces(),
    n=st.one_of(st.sampled_from([0, 1, 2]), st.integers(0, 300)),
    seed=st.integers(0, 2**64 - 1),
    generation=st.integers(0, 2**64 - 1),
)
def test_sampling_equals_cpu(name, space, n, seed, generation):
    for sampler in (FloatRandomSampling(), LatinHypercubeSampling()):
        want = sampler.do(space, n, seed=seed, generation=generation)
        with running_on(name):
            got = host(name, sampler.do(space, n, seed=seed, generation=generation, device="cuda"))
        assert_same_genomes(name, space, got, want)


@pytest.mark.parametrize("name", BACKENDS)
def test_sampling_checks_arguments_as_the_cpu_path(name):
    space = mixed_space()
    with running_on(name):
        with pytest.raises(TypeError, match="'n' must be a non-negative int"):
            FloatRandomSampling().do(space, 2.0, device="cuda")
        with pytest.raises(ValueError, match="'n'"):
            LatinHypercubeSampling().do(space, -1, device="cuda")
        with pytest.raises(TypeError, match="'space' must be an evonas.space.Space"):
            FloatRandomSampling().do(None, 3, device="cuda")
    with pytest.raises(ValueError, match="'device' must be one of"):
        FloatRandomSampling().do(space, 3, device="gpu")


# ----------------------------------------------------------------------------
# Tournament selection
# ----------------------------------------------------------------------------

# Few distinct values, so that ties (and -0.0 against 0.0) are common.
_VALUES = st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, np.inf, -np.inf, np.nan])


@st.composite
def tournament_cases(draw):
    n = draw(st.integers(1, 120))
    use = draw(st.sampled_from(["rank", "rank+crowding", "fitness", "cv", "rank+crowding+cv", "fitness+cv"]))
    criteria: dict[str, np.ndarray] = {}
    if "rank" in use:
        criteria["rank"] = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), dtype=np.int32)
    if "crowding" in use:
        criteria["crowding"] = np.array(draw(st.lists(_VALUES, min_size=n, max_size=n)))
    if "fitness" in use:
        criteria["fitness"] = np.array(draw(st.lists(_VALUES, min_size=n, max_size=n)))
    if "cv" in use:
        criteria["cv"] = np.array(draw(st.lists(_VALUES, min_size=n, max_size=n)))
    return criteria, draw(st.integers(0, 150)), draw(st.integers(1, 2)), draw(st.integers(1, 5))


@pytest.mark.parametrize("name", BACKENDS)
@given(case=tournament_cases(), seed=st.integers(0, 2**64 - 1), generation=st.integers(0, 2**64 - 1))
def test_tournament_equals_cpu(name, case, seed, generation):
    criteria, n_select, n_parents, k = case
    sel = TournamentSelection(k=k)
    want = sel.do(n_select, n_parents=n_parents, seed=seed, generation=generation, **criteria)
    on_dev = {key: to_device(name, value) for key, value in criteria.items()}
    with running_on(name):
        got = sel.do(n_select, n_parents=n_parents, seed=seed, generation=generation, device="cuda", **on_dev)
    got = host(name, got)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", BACKENDS)
def test_tournament_large_population_uses_the_bucket_shuffle(name):
    # Above 2**14 individuals the permutations are shuffled by buckets, on
    # the device in parallel (chunks of bucket draws, a sort, one thread per
    # bucket); 40,000 is no multiple of the 1024-element draw chunks.
    rng = np.random.default_rng(3)
    n = 40_000
    rank = rng.integers(0, 50, n).astype(np.int32)
    crowding = rng.random(n)
    sel = TournamentSelection(k=3)
    want = sel.do(n, rank=rank, crowding=crowding, seed=9, generation=2)
    with running_on(name):
        rank_dev, crowding_dev = to_device(name, rank), to_device(name, crowding)
        got = sel.do(n, rank=rank_dev, crowding=crowding_dev, seed=9, generation=2, device="cuda")
    np.testing.assert_array_equal(host(name, got), want)


@pytest.mark.parametrize("name", BACKENDS)
def test_latin_hypercube_large_population_uses_the_bucket_shuffle(name):
    space = Space([Real("a", 0.0, 1.0), Integer("k", 0, 6), Real("b", 1e-3, 1.0, log=True)])
    n = 40_000  # three buckets per column
    want = LatinHypercubeSampling().do(space, n, seed=4, generation=1)
    with running_on(name):
        got = host(name, LatinHypercubeSampling().do(space, n, seed=4, generation=1, device="cuda"))
    assert_same_genomes(name, space, got, want)


@pytest.mark.parametrize("name", BACKENDS)
def test_tournament_checks_arguments_as_the_cpu_path(name):
    rank = np.array([0, 1, 2], dtype=np.int32)
    sel = TournamentSelection()
    with running_on(name):
        with pytest.raises(ValueError, match="'rank' must hold front indices >= 0"):
            sel.do(2, rank=np.array([0, -1, 2]), device="cuda")
        with pytest.raises(TypeError, match="'rank' must be an integer array"):
            sel.do(2, rank=np.array([0.0, 1.0]), device="cuda")
        with pytest.raises(ValueError, match="'crowding' must have one entry per individual"):
            sel.do(2, rank=rank, crowding=np.ones(2), device="cuda")
        with pytest.raises(ValueError, match="cannot select from an empty population"):
            sel.do(2, fitness=np.ones(0), device="cuda")
        with pytest.raises(TypeError, match="needs 'rank', 'fitness' or 'cv'"):
            sel.do(2, device="cuda")
        assert host(name, sel.do(0, fitness=np.ones(0), device="cuda")).shape == (0, 2)


# ----------------------------------------------------------------------------
# Crossover, mutation, variation
# ----------------------------------------------------------------------------

EXTRA_CROSSOVERS = [
    SBX(eta=3.7, prob=0.8, prob_var=0.9),  # eta + 1 neither an integer nor a power of 2: std::pow
    SBX(eta=7.0, prob_var=0.5),  # eta + 1 = 8: square roots; prob_var 0.5: fair-coin bits
    SBX(prob=0.0),
    UniformCrossover(prob=1.0, prob_var=0.0),
    PointCrossover(n_points=50),  # more cuts than slots
]
EXTRA_MUTATIONS = [
    PM(eta=0.4, prob_var=0.3),
    PM(prob=0.0),
    IntegerMutation(method="creep", step=1, prob_var=0.6),
    CategoricalMutation(prob=0.5, prob_var=None),
]
EXTRA_VARIATIONS = [
    MixedVariation(real_crossover=SBX(eta=2.5, prob_var=1.0), real_mutation=PM(eta=6.5, prob_var=1.0)),
    MixedVariation(
        real_crossover=None, integer_crossover=None, categorical_crossover=None, real_mutation=None,
        integer_mutation=None, categorical_mutation=None,
    ),
]
CROSSING = ALL_CROSSOVERS + EXTRA_CROSSOVERS + VARIATIONS + EXTRA_VARIATIONS
MUTATING = ALL_MUTATIONS + EXTRA_MUTATIONS


@pytest.mark.parametrize("name", BACKENDS)
@given(
    space=spaces(),
    op=st.sampled_from(CROSSING),
    n=st.integers(1, 40),
    n_matings=st.sampled_from([0, 1, 2, 17, 60]),
    at_bounds=st.booleans(),
    seed=st.integers(0, 2**64 - 1),
    generation=st.integers(0, 2**64 - 1),
)
def test_crossover_and_variation_equal_cpu(name, space, op, n, n_matings, at_bounds, seed, generation):
    X = population(space, n, seed % 2**32, at_bounds)
    pairs = np.random.default_rng(seed % 2**32).integers(0, n, size=(n_matings, 2))
    if n_matings:
        pairs[0] = [0, 0]  # identical parents
    want = op.do(space, X, pairs, seed=seed, generation=generation)
    with running_on(name):
        got = op.do(space, to_device(name, X), to_device(name, pairs), seed=seed, generation=generation, device="cuda")
    assert_same_genomes(name, space, host(name, got), want)


@pytest.mark.parametrize("name", BACKENDS)
@given(
    space=spaces(),
    op=st.sampled_from(MUTATING),
    n=st.integers(0, 60),
    at_bounds=st.booleans(),
    seed=st.integers(0, 2**64 - 1),
    generation=st.integers(0, 2**64 - 1),
)
def test_mutation_equals_cpu(name, space, op, n, at_bounds, seed, generation):
    X = population(space, n, seed % 2**32, at_bounds)
    want = op.do(space, X, seed=seed, generation=generation)
    with running_on(name):
        got = op.do(space, to_device(name, X), seed=seed, generation=generation, device="cuda")
    assert_same_genomes(name, space, host(name, got), want)


@pytest.mark.parametrize("name", BACKENDS)
def test_one_gene_and_narrow_bounds(name):
    # One gene (point crossover has no cut slot), log bounds a hair apart.
    for space in (
        Space([Real("x", 0.0, 1.0)]),
        Space([Real("x", 1.0, 1.0 + 1e-12, log=True)]),
        Space([Integer("i", 0, 1)]),
        Space([Categorical("c", ["a", "b"])]),
    ):
        X = population(space, 30, 1, at_bounds=True)
        pairs = np.random.default_rng(1).integers(0, 30, size=(40, 2))
        for op in (PointCrossover(n_points=2), MixedVariation(), UniformCrossover(prob_var=0.5)):
            want = op.do(space, X, pairs, seed=4)
            with running_on(name):
                got = op.do(space, to_device(name, X), to_device(name, pairs), seed=4, device="cuda")
            assert_same_genomes(name, space, host(name, got), want)


@pytest.mark.parametrize("name", BACKENDS)
def test_a_generation_on_the_device_stays_there(name):
    space = mixed_space()
    with running_on(name):
        X = LatinHypercubeSampling().do(space, 64, seed=1, device="cuda")
        rank = to_device(name, np.arange(64, dtype=np.int32) % 4)
        parents = TournamentSelection().do(32, rank=rank, seed=1, device="cuda")
        children = MixedVariation().do(space, X, parents, seed=1, generation=1, device="cuda")
    Xh = LatinHypercubeSampling().do(space, 64, seed=1)
    ph = TournamentSelection().do(32, rank=np.arange(64) % 4, seed=1)
    assert_same_genomes(name, space, host(name, children), MixedVariation().do(space, Xh, ph, seed=1, generation=1))


@pytest.mark.parametrize("name", BACKENDS)
def test_inputs_not_modified(name):
    space = mixed_space()
    X = space.sample(20, seed=2)
    pairs = np.random.default_rng(2).integers(0, 20, size=(10, 2))
    X_dev, pairs_dev = to_device(name, X.copy()), to_device(name, pairs.copy())
    with running_on(name):
        MixedVariation().do(space, X_dev, pairs_dev, seed=1, device="cuda")
        PM(prob_var=1.0).do(space, X_dev, seed=1, device="cuda")
    np.testing.assert_array_equal(host(name, X_dev), X)
    np.testing.assert_array_equal(host(name, pairs_dev), pairs)


@pytest.mark.parametrize("name", BACKENDS)
def test_variation_checks_arguments_as_the_cpu_path(name):
    space = mixed_space()
    X = space.sample(6, seed=0)
    pairs = np.array([[0, 1], [2, 3]])

    def both(call, error, match):
        with pytest.raises(error, match=match):
            call(X, pairs, {})
        with running_on(name), pytest.raises(error, match=match):
            call(to_device(name, X), to_device(name, pairs), {"device": "cuda"})

    def with_cell(row, col, value):
        def call(X, pairs, kw):
            bad = X.clone() if hasattr(X, "clone") else X.copy()
            bad[row, col] = value
            return MixedVariation().do(space, bad, pairs, **kw)

        return call

    both(lambda X, p, kw: SBX().do(space, X[:, :3], p, **kw), ValueError, r"'X' must have shape \(n, 6\)")
    both(with_cell(4, 1, 9.0), ValueError, r"'X'\[4, 1\] \(gene 'layers'\) must lie in \[1, 8\]")
    both(with_cell(2, 4, 0.5), ValueError, r"'X'\[2, 4\] \(gene 'width'\) must be integral")
    both(with_cell(0, 3, np.nan), ValueError, r"'X'\[0, 3\]")
    both(lambda X, p, kw: SBX().do(space, X, [0, 1, 2], **kw), ValueError, r"'parents' must have shape \(n_matings, 2")
    both(lambda X, p, kw: SBX().do(space, X, [[0, 6]], **kw), ValueError, r"'parents' must hold row indices in \[0, 6")
    both(lambda X, p, kw: SBX().do(space, X, [[-1, 0]], **kw), ValueError, "but it holds -1")
    both(lambda X, p, kw: SBX().do(space, X, [[0.0, 1.0]], **kw), TypeError, "'parents' must be an integer array")
    both(lambda X, p, kw: PM().do(space, X, seed=-1, **kw), ValueError, "'seed'")
    both(lambda X, p, kw: PM().do(space, X, generation=1.0, **kw), TypeError, "'generation'")
    with running_on(name), pytest.raises(TypeError, match="'X' must hold real numbers"):
        PM().do(space, X.astype(bool), device="cuda")


@pytest.mark.skipif(not _emulated_present(), reason="no emulated device build")
def test_device_parent_check_guards_the_kernel():
    # The Python layer checks first; the kernel refuses out-of-range parents too.
    space = mixed_space()
    X = space.sample(4, seed=0)
    arrays = (space.kinds, space.lower, space.upper, space.log.view(np.uint8))
    emu = _device.emulated().kernels
    pairs = np.array([[0, 4]], dtype=np.int64)
    out = np.empty((2, 6))
    mutation = (1.0, [(0, 1.0, 0.0, 1.0, 1.0)] * 3)
    crossover = (1.0, 0, [(0, 1.0, 0.0, 1.0)] * 3)
    with pytest.raises(ValueError, match=r"'parents' must hold row indices in \[0, 4\)"):
        emu.variation(
            arrays, X.ctypes.data, 4, pairs.ctypes.data, 1, *crossover, *mutation, 0, 0, out.ctypes.data, 0, 0
        )
