"""evonas.operators: sampling, tournament selection, crossover, mutation,
duplicate elimination and the per-kind MixedVariation.

Checked here: options validated at construction; arrays validated per call
(naming the argument); every output inside the space (bounds, integrality)
for random mixed spaces; results identical for any thread count; inputs never
modified; distribution sanity (SBX symmetric around the parents and spread
like pymoo's, PM like pymoo's, mutation rates, reset/creep/resample ranges,
sampling uniformity and Latin hypercube strata, tournament probabilities with
Deb's constraint rule); duplicates against a brute-force oracle.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evonas import _core
from evonas.operators import (
    LHS,
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
    eliminate_duplicates,
    unique_mask,
)
from evonas.space import CATEGORICAL, INTEGER, REAL, Categorical, Integer, Real, Space
from reference import tournament_without_replacement

# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------


def mixed_space() -> Space:
    return Space(
        [
            Real("lr", 1e-4, 1e-1, log=True),
            Integer("layers", 1, 8),
            Categorical("act", ["relu", "gelu", "silu"]),
            Real("dropout", 0.0, 0.5),
            Integer("width", -3, 3),
            Categorical("norm", [True, False]),
        ]
    )


def unit_space(n_var: int) -> Space:
    return Space.from_bounds(np.zeros(n_var), np.ones(n_var))


def random_pairs(n_rows: int, n_matings: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n_rows, size=(n_matings, 2))


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov distance."""
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, "right") / a.size
    cdf_b = np.searchsorted(b, grid, "right") / b.size
    return float(np.max(np.abs(cdf_a - cdf_b)))


def ks_bound(n: int, m: int) -> float:
    """Two-sample KS critical value at alpha = 1e-6 (false failures ~never)."""
    return math.sqrt(-0.5 * math.log(0.5e-6)) * math.sqrt((n + m) / (n * m))


def binomial_ok(count: int, n: int, p: float, z: float = 6.0) -> bool:
    return abs(count - n * p) <= z * math.sqrt(n * p * (1 - p)) + 1


ALL_CROSSOVERS = [
    SBX(),
    SBX(eta=2.5, prob=1.0, prob_var=1.0),
    UniformCrossover(),
    PointCrossover(n_points=1),
    PointCrossover(n_points=2),
]
ALL_MUTATIONS = [
    PM(),
    PM(eta=3.3, prob_var=1.0),
    IntegerMutation(),
    IntegerMutation(method="creep", step=2, prob_var=1.0),
    CategoricalMutation(prob_var=1.0),
]
VARIATIONS = [
    MixedVariation(),
    MixedVariation(
        real_crossover=UniformCrossover(prob=1.0),
        integer_crossover=UniformCrossover(),
        integer_mutation=PM(eta=5, prob_var=1.0),
        real_mutation=PM(prob=0.5, prob_var=0.7),
        categorical_mutation=CategoricalMutation(prob_var=1.0),
    ),
    MixedVariation(
        real_crossover=None,
        integer_crossover=SBX(eta=1),
        categorical_crossover=None,
        integer_mutation=IntegerMutation(method="creep"),
    ),
]


@st.composite
def spaces(draw) -> Space:
    """Mixed spaces with narrow and wide, log and linear, tiny and huge bounds."""
    genes = []
    for i in range(draw(st.integers(1, 7))):
        kind = draw(st.sampled_from(["real", "log", "int", "cat"]))
        if kind == "real":
            lo = draw(st.floats(-1e6, 1e6, allow_nan=False))
            width = draw(st.sampled_from([1e-9, 1e-3, 1.0, 1e3, 1e6]))
            genes.append(Real(f"g{i}", lo, lo + width))
        elif kind == "log":
            lo = draw(st.sampled_from([1e-12, 1e-4, 0.5, 3.0]))
            genes.append(Real(f"g{i}", lo, lo * draw(st.sampled_from([1.0 + 1e-9, 2.0, 1e3, 1e9])), log=True))
        elif kind == "int":
            lo = draw(st.integers(-50, 50))
            genes.append(Integer(f"g{i}", lo, lo + draw(st.sampled_from([1, 2, 7, 1000, 2**40]))))
        else:
            genes.append(Categorical(f"g{i}", list(range(draw(st.integers(2, 6))))))
    return Space(genes)


def population(space: Space, n: int, seed: int, at_bounds: bool) -> np.ndarray:
    """Valid genomes; with `at_bounds` many genes sit exactly on a bound."""
    X = space.sample(n, seed=seed)
    if at_bounds:
        rng = np.random.default_rng(seed + 1)
        pick = rng.random(X.shape)
        X = np.where(pick < 0.25, space.lower, np.where(pick > 0.75, space.upper, X))
    return X


def assert_valid(space: Space, X: np.ndarray, n_rows: int) -> None:
    assert X.dtype == np.float64 and X.flags.c_contiguous
    assert X.shape == (n_rows, len(space))
    space.validate(X)  # raises with the gene and cell on any violation


# ----------------------------------------------------------------------------
# Options: keyword-only, validated at construction
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: SBX(eta=0), ValueError, "'eta' must be > 0"),
        (lambda: SBX(eta=-1.0), ValueError, "'eta'"),
        (lambda: SBX(eta=float("inf")), ValueError, "'eta' must be finite"),
        (lambda: SBX(eta="15"), TypeError, "'eta' must be a real number"),
        (lambda: SBX(eta=True), TypeError, "'eta'"),
        (lambda: SBX(prob=1.5), ValueError, r"'prob' must be a probability in \[0, 1\]"),
        (lambda: SBX(prob_var=-0.1), ValueError, "'prob_var'"),
        (lambda: SBX(15), TypeError, "positional"),
        (lambda: UniformCrossover(prob_var=2), ValueError, "'prob_var'"),
        (lambda: PointCrossover(), TypeError, "n_points"),
        (lambda: PointCrossover(n_points=0), ValueError, "'n_points'"),
        (lambda: PointCrossover(n_points=1.0), TypeError, "'n_points'"),
        (lambda: PM(eta=0.0), ValueError, "'eta'"),
        (lambda: PM(prob=-1), ValueError, "'prob'"),
        (lambda: PM(prob_var=1.01), ValueError, "'prob_var'"),
        (lambda: PM(prob_var="a"), TypeError, "'prob_var'"),
        (lambda: IntegerMutation(method="gauss"), ValueError, "'method' must be 'reset' or 'creep'"),
        (lambda: IntegerMutation(method="creep", step=0), ValueError, "'step'"),
        (lambda: IntegerMutation(step=1.5), TypeError, "'step'"),
        (lambda: CategoricalMutation(prob_var=float("nan")), ValueError, "'prob_var'"),
        (lambda: TournamentSelection(k=0), ValueError, "'k'"),
        (lambda: TournamentSelection(k=2.0), TypeError, "'k'"),
        (lambda: TournamentSelection(2), TypeError, "positional"),
        (lambda: MixedVariation(real_crossover=PM()), TypeError, "'real_crossover' must be SBX or UniformCrossover"),
        (lambda: MixedVariation(categorical_crossover=SBX()), TypeError, "'categorical_crossover'"),
        (lambda: MixedVariation(integer_crossover=PointCrossover(n_points=1)), TypeError, "PointCrossover cuts whole"),
        (lambda: MixedVariation(real_mutation=IntegerMutation()), TypeError, "'real_mutation' must be PM"),
        (lambda: MixedVariation(categorical_mutation=PM()), TypeError, "'categorical_mutation'"),
        (lambda: MixedVariation(integer_mutation=CategoricalMutation()), TypeError, "'integer_mutation'"),
    ],
)
def test_options_are_validated_at_construction(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_operators_are_frozen_and_comparable():
    op = SBX(eta=10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        op.eta = 3  # type: ignore[misc]
    assert op == SBX(eta=10.0) and op != SBX(eta=11)
    assert SBX(eta=np.float32(2.5)).eta == 2.5 and type(SBX(eta=np.int64(3)).eta) is float
    assert repr(PM()) == "PM(eta=20.0, prob=1.0, prob_var=None)"
    assert LHS is LatinHypercubeSampling and LatinHypercubeSampling() == LatinHypercubeSampling()
    assert MixedVariation().real_crossover == SBX()


# ----------------------------------------------------------------------------
# Arrays: validated per call, never modified
# ----------------------------------------------------------------------------


def test_do_validates_arrays():
    space = mixed_space()
    X = space.sample(6, seed=0)
    pairs = [[0, 1], [2, 3]]
    with pytest.raises(TypeError, match="'space' must be an evonas.space.Space"):
        SBX().do(X, X, pairs)
    with pytest.raises(ValueError, match=r"'X' must have shape \(n, 6\)"):
        SBX().do(space, X[:, :3], pairs)
    with pytest.raises(TypeError, match="'X' must hold real numbers"):
        PM().do(space, X.astype(str))
    bad = X.copy()
    bad[4, 1] = 9.0  # integer gene 'layers' in [1, 8]
    with pytest.raises(ValueError, match=r"'X'\[4, 1\] \(gene 'layers'\) must lie in \[1, 8\]"):
        MixedVariation().do(space, bad, pairs)
    bad = X.copy()
    bad[2, 4] = 0.5
    with pytest.raises(ValueError, match=r"'X'\[2, 4\] \(gene 'width'\) must be integral"):
        IntegerMutation().do(space, bad)
    bad = X.copy()
    bad[0, 3] = np.nan
    with pytest.raises(ValueError, match=r"'X'\[0, 3\]"):
        UniformCrossover().do(space, bad, pairs)
    with pytest.raises(ValueError, match=r"'parents' must have shape \(n_matings, 2\)"):
        SBX().do(space, X, [0, 1, 2])
    with pytest.raises(ValueError, match=r"'parents' must hold row indices in \[0, 6\), but it holds 6"):
        SBX().do(space, X, [[0, 6]])
    with pytest.raises(ValueError, match="but it holds -1"):
        SBX().do(space, X, [[-1, 0]])
    with pytest.raises(TypeError, match="'parents' must be an integer array"):
        SBX().do(space, X, [[0.0, 1.0]])
    with pytest.raises(ValueError, match="'seed'"):
        PM().do(space, X, seed=-1)
    with pytest.raises(TypeError, match="'generation'"):
        PM().do(space, X, generation=1.0)
    with pytest.raises(ValueError, match="'generation'"):
        PM().do(space, X, generation=-2)
    with pytest.raises(ValueError, match="'n_threads'"):
        PM().do(space, X, n_threads=0)
    with pytest.raises(TypeError, match="'n' must be a non-negative int"):
        FloatRandomSampling().do(space, 2.0)
    with pytest.raises(ValueError, match="'n'"):
        LatinHypercubeSampling().do(space, -1)
    with pytest.raises(ValueError, match="'n'"):
        FloatRandomSampling().do(space, 2**28 + 1)


@pytest.mark.parametrize("op", ALL_CROSSOVERS + VARIATIONS, ids=repr)
def test_crossover_inputs_not_modified_and_any_layout(op):
    space = mixed_space()
    X = space.sample(40, seed=3)
    pairs = random_pairs(40, 25, seed=4)
    X_copy, pairs_copy = X.copy(), pairs.copy()
    X.flags.writeable = False
    expected = op.do(space, X, pairs, seed=9, generation=2)
    assert np.array_equal(X, X_copy) and np.array_equal(pairs, pairs_copy)
    # Fortran order, a strided view, int32 indices and a list give the same children.
    big = np.zeros((80, 2 * len(space)))
    big[::2, ::2] = X
    for X_alt, pairs_alt in [
        (np.asfortranarray(X), pairs.astype(np.int32)),
        (big[::2, ::2], pairs.tolist()),
    ]:
        assert np.array_equal(op.do(space, X_alt, pairs_alt, seed=9, generation=2), expected)


@pytest.mark.parametrize("op", ALL_MUTATIONS, ids=repr)
def test_mutation_inputs_not_modified(op):
    space = mixed_space()
    X = space.sample(50, seed=1)
    X_copy = X.copy()
    X.flags.writeable = False
    out = op.do(space, X, seed=2)
    assert np.array_equal(X, X_copy)
    assert not np.shares_memory(out, X)
    assert np.array_equal(op.do(space, np.asfortranarray(X), seed=2), out)


def test_empty_inputs():
    space = mixed_space()
    X = space.sample(4, seed=0)
    none = np.zeros((0, 2), dtype=np.int64)
    for op in ALL_CROSSOVERS + VARIATIONS:
        assert op.do(space, X, none, seed=1).shape == (0, len(space))
    assert PM().do(space, X[:0], seed=1).shape == (0, len(space))
    assert FloatRandomSampling().do(space, 0, seed=1).shape == (0, len(space))
    assert LatinHypercubeSampling().do(space, 0, seed=1).shape == (0, len(space))
    assert TournamentSelection().do(0, fitness=[], seed=1).shape == (0, 2)
    assert unique_mask(np.zeros((0, 3))).shape == (0,)


# ----------------------------------------------------------------------------
# Bounds and integrality, for random mixed spaces
# ----------------------------------------------------------------------------


@given(space=spaces(), seed=st.integers(0, 2**64 - 1), at_bounds=st.booleans())
def test_every_output_is_a_valid_genome(space, seed, at_bounds):
    n = 64
    X = population(space, n, seed % 2**32, at_bounds)
    pairs = random_pairs(n, 40, seed % 1000)
    for op in ALL_CROSSOVERS + VARIATIONS:
        assert_valid(space, op.do(space, X, pairs, seed=seed, generation=3), 80)
    for op in ALL_MUTATIONS:
        assert_valid(space, op.do(space, X, seed=seed, generation=3), n)
    for sampler in (FloatRandomSampling(), LatinHypercubeSampling()):
        assert_valid(space, sampler.do(space, n, seed=seed, generation=5), n)


def test_extreme_eta_and_identical_parents_stay_valid():
    space = mixed_space()
    X = population(space, 200, 7, at_bounds=True)
    pairs = random_pairs(200, 300, seed=8)
    pairs[:50, 1] = pairs[:50, 0]  # identical parents: copied, never NaN
    for eta in (1e-3, 0.5, 1.0, 15.0, 1e3):
        op = MixedVariation(
            real_crossover=SBX(eta=eta, prob=1.0, prob_var=1.0),
            integer_crossover=SBX(eta=eta, prob=1.0, prob_var=1.0),
            real_mutation=PM(eta=eta, prob_var=1.0),
            integer_mutation=PM(eta=eta, prob_var=1.0),
        )
        assert_valid(space, op.do(space, X, pairs, seed=eta.hex().__hash__() % 2**32), 600)
    same = SBX(prob=1.0, prob_var=1.0).do(space, X, pairs[:50], seed=0)
    assert np.array_equal(same[0::2], X[pairs[:50, 0]]) and np.array_equal(same[1::2], X[pairs[:50, 0]])


# ----------------------------------------------------------------------------
# Determinism: identical for any thread count; keyed by seed and generation
# ----------------------------------------------------------------------------


def large_case():
    space = Space(
        [Real(f"r{i}", -1.0, 2.0 + i) for i in range(4)]
        + [Real("lg", 1e-5, 1.0, log=True), Integer("i", 0, 9), Integer("j", -100, 100)]
        + [Categorical("c", list("abcd")), Categorical("d", [0, 1])]
    )
    X = space.sample(24_000, seed=11)
    return space, X, random_pairs(24_000, 12_000, seed=12)


@pytest.mark.parametrize("kind", ["crossover", "variation", "mutation", "sampling", "selection", "duplicates"])
def test_identical_for_any_thread_count(kind):
    space, X, pairs = large_case()

    def run(threads: int) -> np.ndarray:
        if kind in ("crossover", "variation"):
            ops = ALL_CROSSOVERS if kind == "crossover" else VARIATIONS
            return np.concatenate([op.do(space, X, pairs, seed=5, generation=7, n_threads=threads) for op in ops])
        if kind == "mutation":
            return np.concatenate([op.do(space, X, seed=5, generation=7, n_threads=threads) for op in ALL_MUTATIONS])
        if kind == "sampling":
            return np.concatenate(
                [s.do(space, 30_000, seed=5, generation=7, n_threads=threads) for s in (FloatRandomSampling(), LHS())]
            )
        if kind == "selection":
            rng = np.random.default_rng(0)
            rank = rng.integers(0, 30, size=len(X))
            crowding = rng.random(len(X))
            cv = np.where(rng.random(len(X)) < 0.3, rng.random(len(X)), 0.0)
            return TournamentSelection(k=3).do(40_000, rank=rank, crowding=crowding, cv=cv, seed=5, n_threads=threads)
        coarse = np.floor(X * 2) / 2  # many duplicates
        return unique_mask(coarse, against=coarse[:5000] + 0.5, n_threads=threads)

    expected = run(1)
    for threads in (2, 5):
        assert np.array_equal(run(threads), expected, equal_nan=True)


def test_seed_and_generation_key_the_draws():
    space = mixed_space()
    X = space.sample(100, seed=0)
    pairs = random_pairs(100, 50)
    op = MixedVariation()
    a = op.do(space, X, pairs, seed=1, generation=4)
    assert np.array_equal(a, op.do(space, X, pairs, seed=1, generation=4))
    assert not np.array_equal(a, op.do(space, X, pairs, seed=1, generation=5))
    assert not np.array_equal(a, op.do(space, X, pairs, seed=2, generation=4))
    # Mating i draws from its own stream: a prefix of the matings gives a prefix of the children.
    assert np.array_equal(op.do(space, X, pairs[:20], seed=1, generation=4), a[:40])
    s = FloatRandomSampling().do(space, 30, seed=3, generation=0)
    assert np.array_equal(FloatRandomSampling().do(space, 10, seed=3, generation=0), s[:10])
    assert not np.array_equal(FloatRandomSampling().do(space, 30, seed=3, generation=1), s)
    unseeded = [PM(prob_var=1.0).do(space, X) for _ in range(2)]  # seed None: fresh entropy
    assert not np.array_equal(*unseeded)


def test_variation_equals_crossover_then_mutation():
    space = unit_space(12)
    X = space.sample(500, seed=1)
    pairs = random_pairs(500, 300, seed=2)
    for cx, mut in [(SBX(), PM()), (SBX(prob=0.5), PM(prob=0.3, prob_var=0.4))]:
        fused = MixedVariation(real_crossover=cx, real_mutation=mut).do(space, X, pairs, seed=3, generation=9)
        children = cx.do(space, X, pairs, seed=3, generation=9)
        assert np.array_equal(fused, mut.do(space, children, seed=3, generation=9))
    cats = Space([Categorical(f"c{i}", list(range(3))) for i in range(8)])
    Xc = cats.sample(500, seed=4)
    cx, mut = UniformCrossover(prob=0.8), CategoricalMutation(prob_var=0.3)
    fused = MixedVariation(categorical_crossover=cx, categorical_mutation=mut).do(cats, Xc, pairs, seed=5)
    assert np.array_equal(fused, mut.do(cats, cx.do(cats, Xc, pairs, seed=5), seed=5))


# ----------------------------------------------------------------------------
# Crossover distributions
# ----------------------------------------------------------------------------


def repeated_parents(p1, p2, n_matings: int) -> tuple[np.ndarray, np.ndarray]:
    X = np.array([p1, p2], dtype=float)
    return X, np.tile([0, 1], (n_matings, 1))


def test_sbx_children_are_symmetric_around_the_parents():
    # Far from the bounds SBX is exactly symmetric: c1 + c2 = p1 + p2.
    space = Space.from_bounds([-100.0] * 3, [100.0] * 3)
    X, pairs = repeated_parents([0.3, -1.0, 5.0], [0.7, 1.0, 5.5], 40_000)
    C = SBX(eta=15, prob=1.0, prob_var=1.0).do(space, X, pairs, seed=1)
    np.testing.assert_allclose(C[0::2] + C[1::2], np.tile(X.sum(axis=0), (40_000, 1)), rtol=0, atol=1e-12)
    mid = X.mean(axis=0)
    dev = C - mid
    for j in range(3):
        # Deviations below and above the midpoint have the same distribution,
        # and the children land on either side of it equally often.
        assert ks_statistic(-dev[dev[:, j] < 0, j], dev[dev[:, j] > 0, j]) < ks_bound(40_000, 40_000)
        assert binomial_ok(int((C[0::2, j] < mid[j]).sum()), 40_000, 0.5)


def test_sbx_spread_matches_pymoo():
    sbx_mod = pytest.importorskip("pymoo.operators.crossover.sbx")
    n = 30_000
    xl, xu = np.zeros(4), np.ones(4)
    p1, p2 = np.array([0.2, 0.05, 0.5, 0.9]), np.array([0.4, 0.95, 0.52, 1.0])  # near, spanning, close, at bound
    ours = SBX(eta=10, prob=1.0, prob_var=1.0).do(Space.from_bounds(xl, xu), *repeated_parents(p1, p2, n), seed=2)
    np.random.seed(3)
    theirs = sbx_mod.cross_sbx(
        np.stack([np.tile(p1, (n, 1)), np.tile(p2, (n, 1))]), xl, xu,
        np.full((n, 1), 10.0), np.ones((n, 1)), np.full((n, 1), 0.5),
    )
    theirs = np.concatenate([theirs[0], theirs[1]])
    ours = np.concatenate([ours[0::2], ours[1::2]])
    for j in range(4):
        assert ks_statistic(ours[:, j], theirs[:, j]) < ks_bound(2 * n, 2 * n), j


def test_sbx_log_genes_recombine_in_log_space():
    space = Space([Real("lr", 1e-6, 1.0, log=True)])
    X, pairs = repeated_parents([1e-4], [1e-2], 20_000)
    C = SBX(prob=1.0, prob_var=1.0).do(space, X, pairs, seed=4)
    logs = np.log(C[:, 0])
    # Symmetric around the geometric mean 1e-3; the far lower bound hardly matters.
    np.testing.assert_allclose(logs[0::2] + logs[1::2], 2 * np.log(1e-3), rtol=1e-9)
    assert abs(np.median(logs) - np.log(1e-3)) < 0.1


def test_sbx_rates_and_integer_rounding():
    space = Space([Real("x", 0, 1)] * 1 + [Integer(f"i{k}", 0, 100) for k in range(3)])
    X, pairs = repeated_parents([0.2, 10, 20, 30], [0.8, 40, 60, 80], 20_000)
    C = SBX(prob=0.6, prob_var=0.3).do(space, X, pairs, seed=5)
    assert np.array_equal(C[:, 1:], np.round(C[:, 1:]))
    assert (C[:, 1:] != np.tile(X[:, 1:], (20_000, 1))).any()  # integers do recombine
    # A real gene changes when the mating crosses (0.6) and the gene is picked (0.3).
    assert binomial_ok(int((C[0::2, 0] != 0.2).sum()), 20_000, 0.6 * 0.3)


def test_uniform_crossover_exchanges_genes_with_prob_var():
    space = unit_space(20)
    X, pairs = repeated_parents(np.zeros(20), np.ones(20), 10_000)
    C = UniformCrossover(prob=1.0, prob_var=0.3).do(space, X, pairs, seed=6)
    assert np.array_equal(C[0::2] + C[1::2], np.ones((10_000, 20)))  # genes only move
    assert binomial_ok(int(C[0::2].sum()), 200_000, 0.3)
    C = UniformCrossover(prob=0.25).do(space, X, pairs, seed=6)
    crossed = C[0::2].any(axis=1)
    assert binomial_ok(int(crossed.sum()), 10_000, 0.25 * (1 - 0.5**20))


@pytest.mark.parametrize("n_points", [1, 2, 3])
def test_point_crossover_swaps_segments(n_points):
    n_var = 9
    space = unit_space(n_var)
    X, pairs = repeated_parents(np.zeros(n_var), np.ones(n_var), 20_000)
    C = PointCrossover(n_points=n_points, prob=1.0).do(space, X, pairs, seed=7)
    assert np.array_equal(C[0::2] + C[1::2], np.ones((20_000, n_var)))
    first = C[0::2]
    assert np.all(first[:, 0] == 0)  # cuts lie in 1 .. n_var - 1
    switches = (np.diff(first, axis=1) != 0).sum(axis=1)
    assert np.all(switches == n_points)
    # Every cut position is equally likely.
    cut_counts = (np.diff(first, axis=1) != 0).sum(axis=0)
    expected = 20_000 * n_points / (n_var - 1)
    assert np.all(np.abs(cut_counts - expected) < 6 * math.sqrt(expected) + 1)
    # More cuts than positions: every position is cut; one gene: nothing to cut.
    many = PointCrossover(n_points=50, prob=1.0).do(space, X, pairs[:10], seed=1)
    assert np.array_equal(many[0], np.arange(n_var) % 2.0)
    one = unit_space(1)
    single = PointCrossover(n_points=1, prob=1.0).do(one, X[:, :1], pairs[:5])
    assert np.array_equal(single, np.tile([[0.0], [1.0]], (5, 1)))


def test_categorical_genes_are_inherited_by_sbx():
    space = Space([Real("x", 0, 1), Categorical("c", list("abc"))])
    X, pairs = repeated_parents([0.1, 0.0], [0.9, 2.0], 1000)
    C = SBX(prob=1.0, prob_var=1.0).do(space, X, pairs, seed=8)
    assert np.all(C[0::2, 1] == 0) and np.all(C[1::2, 1] == 2)


# ----------------------------------------------------------------------------
# Mutation distributions
# ----------------------------------------------------------------------------


def test_pm_matches_pymoo():
    pm_mod = pytest.importorskip("pymoo.operators.mutation.pm")
    n = 40_000
    xl, xu = np.zeros(3), np.array([1.0, 1.0, 10.0])
    x = np.array([0.5, 0.02, 9.9])
    ours = PM(eta=20, prob_var=1.0).do(Space.from_bounds(xl, xu), np.tile(x, (n, 1)), seed=9)
    np.random.seed(10)
    theirs = pm_mod.mut_pm(np.tile(x, (n, 1)), xl, xu, np.full(n, 20.0), np.ones(n), at_least_once=False)
    for j in range(3):
        assert ks_statistic(ours[:, j], theirs[:, j]) < ks_bound(n, n), j


def test_mutation_rates():
    space = unit_space(30)
    X = space.sample(20_000, seed=1)
    changed = PM().do(space, X, seed=2) != X  # prob_var None: 1/30
    assert binomial_ok(int(changed.sum()), changed.size, 1 / 30)
    # The mutated genes of a row are found by geometric skips: every column equally often.
    per_column = changed.sum(axis=0)
    assert np.all(np.abs(per_column - 20_000 / 30) < 6 * math.sqrt(20_000 / 30))
    changed = PM(prob=0.4, prob_var=0.5).do(space, X, seed=3) != X
    assert binomial_ok(int(changed.any(axis=1).sum()), 20_000, 0.4 * (1 - 0.5**30))
    assert binomial_ok(int(changed.sum()), changed.size, 0.4 * 0.5)
    one = unit_space(1)  # prob_var None with one gene: min(0.5, 1/1)
    changed = PM().do(one, X[:, :1], seed=4) != X[:, :1]
    assert binomial_ok(int(changed.sum()), 20_000, 0.5)
    assert np.array_equal(PM(prob_var=0.0).do(space, X, seed=5), X)
    assert np.array_equal(PM(prob=0.0, prob_var=1.0).do(space, X, seed=5), X)


def test_pm_acts_on_real_and_integer_genes_only():
    space = mixed_space()
    X = space.sample(2000, seed=6)
    out = PM(eta=1, prob_var=1.0).do(space, X, seed=7)
    kinds = space.kinds
    assert np.array_equal(out[:, kinds == CATEGORICAL], X[:, kinds == CATEGORICAL])
    assert (out[:, kinds == REAL] != X[:, kinds == REAL]).all(axis=0).all()
    assert (out[:, kinds == INTEGER] != X[:, kinds == INTEGER]).any(axis=0).all()


def test_integer_reset_draws_another_value_uniformly():
    space = Space([Integer("i", -2, 3), Real("x", 0, 1)])
    X = np.tile([1.0, 0.5], (60_000, 1))
    out = IntegerMutation(prob_var=1.0).do(space, X, seed=8)
    assert np.array_equal(out[:, 1], X[:, 1])
    values, counts = np.unique(out[:, 0], return_counts=True)
    assert values.tolist() == [-2, -1, 0, 2, 3]  # never the current value 1
    assert np.all(np.abs(counts - 12_000) < 6 * math.sqrt(12_000 * 0.8))


@pytest.mark.parametrize("start, expected", [(5.0, [2, 3, 4, 6, 7, 8]), (0.0, [1, 2, 3]), (10.0, [7, 8, 9])])
def test_integer_creep_stays_within_step_and_bounds(start, expected):
    space = Space([Integer("i", 0, 10)])
    out = IntegerMutation(method="creep", step=3, prob_var=1.0).do(space, np.full((30_000, 1), start), seed=9)
    values, counts = np.unique(out, return_counts=True)
    assert values.tolist() == expected  # no pile-up at the bounds: uniform over the reachable values
    share = 30_000 / len(expected)
    assert np.all(np.abs(counts - share) < 6 * math.sqrt(share))


def test_categorical_mutation_resamples_another_choice():
    space = Space([Categorical("c", list("abcd")), Categorical("flag", [False, True])])
    X = np.tile([2.0, 0.0], (40_000, 1))
    out = CategoricalMutation(prob_var=1.0).do(space, X, seed=10)
    values, counts = np.unique(out[:, 0], return_counts=True)
    assert values.tolist() == [0, 1, 3]
    assert np.all(np.abs(counts - 40_000 / 3) < 6 * math.sqrt(40_000 / 3))
    assert np.all(out[:, 1] == 1)  # two choices: always the other one
    rate = CategoricalMutation().do(space, X, seed=11) != X  # prob_var None: 1/2
    assert binomial_ok(int(rate.sum()), rate.size, 0.5)


# ----------------------------------------------------------------------------
# Sampling
# ----------------------------------------------------------------------------


def test_random_sampling_is_uniform():
    space = mixed_space()
    S = FloatRandomSampling().do(space, 60_000, seed=12)
    assert_valid(space, S, 60_000)
    u = (np.log(S[:, 0]) - np.log(1e-4)) / (np.log(1e-1) - np.log(1e-4))  # log-uniform
    grid = np.linspace(0, 1, 60_000)
    assert ks_statistic(u, grid) < ks_bound(60_000, 60_000)
    assert ks_statistic(S[:, 3] / 0.5, grid) < ks_bound(60_000, 60_000)
    for col, values in [(1, range(1, 9)), (2, range(3)), (4, range(-3, 4)), (5, range(2))]:
        found, counts = np.unique(S[:, col], return_counts=True)
        assert found.tolist() == list(values)
        share = 60_000 / len(values)
        assert np.all(np.abs(counts - share) < 6 * math.sqrt(share))


@pytest.mark.parametrize("n", [3000, 40_000])  # 40,000: the strata take the bucketed shuffle
def test_latin_hypercube_strata(n):
    space = Space(
        [Real("a", -1, 3), Real("b", 1e-3, 10.0, log=True), Integer("k", 0, 4), Categorical("c", list("xyz"))]
    )
    S = LatinHypercubeSampling().do(space, n, seed=13)
    assert_valid(space, S, n)
    strata_a = np.floor((S[:, 0] + 1) / 4 * n)
    strata_b = np.floor((np.log(S[:, 1]) - np.log(1e-3)) / (np.log(10.0) - np.log(1e-3)) * n)
    # One sample per stratum (up to a rounding at a stratum edge).
    for strata in (strata_a, strata_b):
        assert len(np.unique(np.clip(strata, 0, n - 1))) >= n - 3
    for col, c in [(2, 5), (3, 3)]:
        counts = np.unique(S[:, col], return_counts=True)[1]
        assert len(counts) == c and np.all(np.abs(counts - n / c) <= 2)  # stratified: far tighter than random
    # Columns are shuffled independently.
    assert abs(np.corrcoef(S[:, 0], np.log(S[:, 1]))[0, 1]) < 0.1


# ----------------------------------------------------------------------------
# Selection
# ----------------------------------------------------------------------------


def win_share(winners: np.ndarray, index: int) -> float:
    return float((winners == index).mean())


@pytest.mark.parametrize(
    "criteria, winner",
    [
        ({"fitness": [0.0, 1.0]}, 0),
        ({"fitness": [np.nan, 5.0]}, 1),  # NaN is the worst fitness
        ({"fitness": [np.inf, np.nan]}, 0),
        ({"rank": [1, 0]}, 1),
        ({"rank": [0, 0], "crowding": [1.0, np.inf]}, 1),
        ({"rank": [0, 0], "crowding": [np.nan, 0.0]}, 1),
        ({"rank": [0, 1], "crowding": [0.0, np.inf]}, 0),  # rank first
        ({"fitness": [0.0, 1.0], "cv": [0.5, 0.0]}, 1),  # feasible beats infeasible
        ({"fitness": [0.0, 1.0], "cv": [0.5, 0.1]}, 1),  # less violation wins
        ({"fitness": [1.0, 0.0], "cv": [-3.0, 0.0]}, 1),  # cv <= 0: both feasible
        ({"rank": [0, 1], "cv": [np.nan, 2.0]}, 1),  # NaN violation is the worst
        ({"cv": [1.0, 0.0]}, 1),
    ],
)
def test_binary_tournament_winner(criteria, winner):
    sel = TournamentSelection()
    picks = sel.do(2_000, n_parents=1, seed=14, **criteria)
    # Competitors come without replacement: each binary tournament of a
    # population of two meets both, so the better always wins.
    assert (picks == winner).all()


@pytest.mark.parametrize("n", [1, 2, 7, 10, 7777, 40_000])
def test_tournament_competitors_are_permutations(n):
    # k = 1: the winners are the competitors themselves. Every block of n
    # consecutive ones is a permutation of the population, also where a
    # block straddles two threads' work (7777 does not divide the chunks);
    # 40,000 takes the bucketed shuffle.
    n_select = {7777: 50_000, 40_000: 8 * 40_000 + 123}.get(n, 1_003)
    picks = TournamentSelection(k=1).do(n_select, n_parents=1, fitness=np.zeros(n), seed=3, n_threads=2).ravel()
    whole = n_select - n_select % n
    blocks = np.sort(picks[:whole].reshape(-1, n), axis=1)
    assert (blocks == np.arange(n)).all()
    rest = picks[whole:]
    assert np.unique(rest).size == rest.size
    if n == 10:
        # Positions within a permutation are uniform: index 0 lands in each
        # of the 10 slots about equally often.
        slots = np.flatnonzero(picks[:whole] == 0) % n
        for s in range(n):
            assert binomial_ok(int((slots == s).sum()), whole // n, 1 / n)
    if n == 40_000:
        # Uniform permutations: the first third of the indices takes
        # hypergeometrically many (mean n / 9) of the first third of the
        # places, in every block; the buckets do not show.
        third = n // 3
        counts = (picks[:whole].reshape(-1, n)[:, :third] < third).sum(axis=1)
        sd = math.sqrt(third * (third / n) * (1 - third / n) * (n - third) / (n - 1))
        assert (np.abs(counts - third * third / n) < 6 * sd).all()
        assert abs(counts.mean() - third * third / n) < 6 * sd / math.sqrt(counts.size)
        # Nor does the order inside a bucket: half the neighbours ascend
        # (variance (n + 1) / 12 for a uniform permutation).
        ascents = (np.diff(picks[:whole].reshape(-1, n), axis=1) > 0).sum(axis=1)
        assert (np.abs(ascents - (n - 1) / 2) < 6 * math.sqrt((n + 1) / 12)).all()


def test_tournament_pressure_and_shapes():
    fitness = np.arange(10.0)
    n_select = 50_000
    for k in (1, 2, 3, 4):
        picks = TournamentSelection(k=k).do(n_select, n_parents=1, fitness=fitness, seed=15).ravel()
        counts = np.bincount(picks, minlength=10)
        if 10 % k == 0:
            # Tournaments never straddle two permutations: index 0 enters
            # exactly one tournament per permutation, and wins it.
            assert counts[0] == n_select * k // 10
        # Against the brute-force scheme (its own random draws).
        ref = tournament_without_replacement(fitness, 20_000, k, np.random.default_rng(k))
        for i in range(10):
            p = float((ref == i).mean())
            assert binomial_ok(int(counts[i]), n_select, p, z=8.0), (k, i, counts[i] / n_select, p)
    pairs = TournamentSelection().do(7, rank=np.zeros(5, dtype=np.int32), seed=1)
    assert pairs.shape == (7, 2) and pairs.dtype == np.int64
    assert TournamentSelection().do(4, n_parents=3, fitness=fitness, seed=1).shape == (4, 3)
    # Selection output feeds crossover directly.
    space = unit_space(3)
    assert SBX().do(space, space.sample(5, seed=0), pairs, seed=2).shape == (14, 3)


def test_selection_validation():
    sel = TournamentSelection()
    with pytest.raises(TypeError, match="needs 'rank', 'fitness' or 'cv'"):
        sel.do(3)
    with pytest.raises(ValueError, match="not both"):
        sel.do(3, rank=[0, 1], fitness=[0.0, 1.0])
    with pytest.raises(ValueError, match="'crowding'.*needs 'rank'"):
        sel.do(3, fitness=[0.0, 1.0], crowding=[1.0, 1.0])
    with pytest.raises(ValueError, match=r"'cv' must have one entry per individual \(2\), but it has 3"):
        sel.do(3, rank=[0, 1], cv=[0.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="'fitness' must be a 1-D array"):
        sel.do(3, fitness=[[0.0, 1.0]])
    with pytest.raises(TypeError, match="'rank' must be an integer array"):
        sel.do(3, rank=[0.0, 1.0])
    with pytest.raises(ValueError, match="'rank' must hold front indices >= 0"):
        sel.do(3, rank=[0, -1])
    with pytest.raises(ValueError, match="empty population"):
        sel.do(3, fitness=[])
    with pytest.raises(ValueError, match="'n_parents'"):
        sel.do(3, fitness=[1.0], n_parents=0)
    with pytest.raises(TypeError, match="'n_select'"):
        sel.do(None, fitness=[1.0])
    with pytest.raises(ValueError, match=r"\* k must be at most 2\*\*28 \* the population size \(1\)"):
        TournamentSelection(k=1024).do(2**18, fitness=[1.0])


# ----------------------------------------------------------------------------
# Duplicates
# ----------------------------------------------------------------------------


def oracle_unique(X: np.ndarray, against: np.ndarray | None) -> np.ndarray:
    seen = [tuple(r) for r in (against if against is not None else np.zeros((0, X.shape[1])))]
    keep = []
    for row in X:
        t = tuple(row)
        dup = not np.isnan(row).any() and any(all(a == b for a, b in zip(t, s)) for s in seen)
        keep.append(not dup)
        seen.append(t)
    return np.array(keep, dtype=bool)


@given(
    n=st.integers(0, 30),
    m=st.integers(0, 4),
    k=st.integers(0, 10),
    seed=st.integers(0, 2**32 - 1),
    use_against=st.booleans(),
)
def test_unique_mask_matches_oracle(n, m, k, seed, use_against):
    rng = np.random.default_rng(seed)
    values = np.array([0.0, -0.0, 1.0, 2.5, np.nan, np.inf, -np.inf])
    X = values[rng.integers(0, 3 if seed % 2 else len(values), size=(n, m))]
    against = values[rng.integers(0, len(values), size=(k, m))] if use_against else None
    mask = unique_mask(X, against=against)
    assert mask.dtype == np.bool_ and mask.shape == (n,)
    assert np.array_equal(mask, oracle_unique(X, against))
    assert np.array_equal(eliminate_duplicates(X, against=against), X[mask], equal_nan=True)


def test_unique_mask_semantics():
    X = np.array([[0.0, 1.0], [-0.0, 1.0], [np.nan, 1.0], [np.nan, 1.0], [2.0, 3.0], [2.0, 3.0]])
    assert unique_mask(X).tolist() == [True, False, True, True, True, False]
    assert unique_mask(X, against=[[2.0, 3.0], [np.nan, 1.0]]).tolist() == [True, False, True, True, False, False]
    assert unique_mask(X.astype(np.float32)).tolist() == [True, False, True, True, True, False]
    with pytest.raises(ValueError, match="'against' must have 2 columns"):
        unique_mask(X, against=np.zeros((1, 3)))
    with pytest.raises(ValueError, match="'X' must be a 2-D array"):
        unique_mask(np.zeros(3))
    X_copy = X.copy()
    eliminate_duplicates(X, against=X[:1])
    assert np.array_equal(X, X_copy, equal_nan=True)


def test_unique_mask_large_keeps_first_occurrences():
    rng = np.random.default_rng(16)
    base = rng.integers(0, 10, size=(5000, 6)).astype(float)
    base = base[unique_mask(base)]
    order = rng.integers(0, len(base), size=200_000)
    X = base[order]
    mask = unique_mask(X)
    first = np.zeros(len(X), dtype=bool)
    first[np.unique(order, return_index=True)[1]] = True
    assert np.array_equal(mask, first)
    parents = base[: len(base) // 2]
    offspring_kept = unique_mask(X, against=parents)
    assert np.array_equal(offspring_kept, first & (order >= len(base) // 2))


@pytest.mark.parametrize("eta", [1, 3, 7, 15, 31, 63])
def test_sbx_square_root_path_equals_pow_path(eta):
    # eta + 1 a power of two takes x^(1/(eta+1)) as square roots; a hair-wider
    # eta takes std::pow with the same draws: the children must agree closely.
    space = Space.from_bounds([0.0] * 6, [1.0] * 6)
    rng = np.random.default_rng(eta)
    X = rng.random((400, 6))
    X[:50, 0], X[50:100, 1] = 0.0, 1.0  # genes at the bounds: alpha < 2 on one side
    pairs = rng.integers(0, 400, size=(3000, 2))
    roots = SBX(eta=eta, prob=1.0, prob_var=1.0).do(space, X, pairs, seed=4)
    powers = SBX(eta=eta * (1 + 1e-12), prob=1.0, prob_var=1.0).do(space, X, pairs, seed=4)
    np.testing.assert_allclose(roots, powers, rtol=0, atol=1e-9)
    assert np.mean(roots != X[pairs.ravel()]) > 0.5  # genes were recombined, not copied


# ----------------------------------------------------------------------------
# take_rows: survivors gathered from parents and offspring
# ----------------------------------------------------------------------------


@given(st.integers(0, 30), st.integers(0, 30), st.integers(1, 5), st.integers(0, 60), st.integers(0, 2**32 - 1))
def test_take_rows_equals_indexing_the_stack(n_a, n_b, m, n_take, seed):
    rng = np.random.default_rng(seed)
    A, B = rng.random((n_a, m)), -rng.random((n_b, m))
    index = rng.integers(0, max(n_a + n_b, 1), size=n_take if n_a + n_b else 0).astype(np.int64)
    expected = np.vstack([A, B])[index]
    for threads in (1, 3):
        np.testing.assert_array_equal(_core.take_rows(A, B, index, threads), expected)


def test_take_rows_large_and_rejects_bad_indices():
    rng = np.random.default_rng(1)
    A, B = rng.random((20_000, 7)), rng.random((15_000, 7))
    index = rng.permutation(35_000)[:30_000].astype(np.int64)
    np.testing.assert_array_equal(_core.take_rows(A, B, index, 2), np.vstack([A, B])[index])
    for bad in (-1, 35_000):
        with pytest.raises(ValueError, match="row indices"):
            _core.take_rows(A, B, np.array([0, bad], dtype=np.int64), 1)
    with pytest.raises(ValueError, match="same number of columns"):
        _core.take_rows(A, B[:, :3], index, 1)
