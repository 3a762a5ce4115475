"""evonas.gd, gd_plus, igd and igd_plus against the brute force in
reference.py, pymoo's indicators, known values and bad input.

The native kernel searches a k-d tree (leaves of 16 points, split on the
widest axis), so the sizes here reach several levels, and the inputs include
the cases that stress its pruning: duplicates, equal points, points on a
line (zero-width axes) and one point.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import evonas
import reference as ref_impl
from conftest import LAYOUTS, in_layout, numpy_matrices, objective_matrices

INDICATORS = ("gd", "gd_plus", "igd", "igd_plus")


def check(F, R, maximize=False):
    for name in INDICATORS:
        got = getattr(evonas, name)(F, R, maximize=maximize)
        want = ref_impl.distance_indicator(name, F, R, maximize)
        assert got == pytest.approx(want, rel=1e-12, abs=1e-300), name


@given(objective_matrices(n=(1, 12), m=(1, 5)), st.data(), st.booleans())
def test_small_sets_match_brute_force(F, data, maximize):
    R = data.draw(objective_matrices(n=(1, 12), m=(F.shape[1], F.shape[1])))
    check(F, R, maximize)


@given(numpy_matrices(n=(1, 600), m=(1, 8)), st.integers(1, 600), st.integers(0, 2**32 - 1))
def test_larger_sets_match_brute_force(F, r, seed):
    # The reference set: random, or near copies of F's rows (nearest distances of 0 and ties).
    rng = np.random.default_rng(seed)
    if seed % 2:
        R = rng.uniform(-10, 10, size=(r, F.shape[1]))
    else:
        R = F[rng.integers(0, F.shape[0], size=r)] + rng.choice([0.0, 1e-3], size=(r, F.shape[1]))
    check(F, R)


@pytest.mark.parametrize("m", [1, 2, 3, 5])
def test_thousands_of_points_match_brute_force_on_any_thread_count(m):
    rng = np.random.default_rng(m)
    F = rng.random((3000, m))
    R = rng.random((2000, m))
    R[:500] = R[0]  # a block of equal sites: a leaf that cannot be split
    R[500:900, 1 % m] = 0.5  # a zero-width axis
    check(F, R)
    for name in INDICATORS:
        fn = getattr(evonas, name)
        assert fn(F, R, n_threads=1) == fn(F, R, n_threads=2) == fn(F, R, n_threads=7)


def test_known_values():
    R = np.array([[0.0, 1.0], [1.0, 0.0]])
    F = np.array([[0.0, 2.0], [2.0, 2.0]])
    # GD: (0, 2) is 1 from (0, 1); (2, 2) is sqrt(5) from both. IGD: (0, 1) is 1 from
    # (0, 2); (1, 0) is sqrt(5) from both.
    assert evonas.gd(F, R) == pytest.approx((1 + np.sqrt(5)) / 2)
    assert evonas.igd(F, R) == pytest.approx((1 + np.sqrt(5)) / 2)
    # GD+: (0, 2) exceeds (0, 1) by (0, 1); (2, 2) exceeds (1, 0) by (1, 2) and (0, 1) by (2, 1).
    assert evonas.gd_plus(F, R) == pytest.approx((1 + np.sqrt(5)) / 2)
    # IGD+: (0, 1) is missed by (0, 2) by 1; (1, 0) by (0, 2) by 2 (only f2 counts), by (2, 2) by sqrt(5).
    assert evonas.igd_plus(F, R) == pytest.approx((1 + 2) / 2)
    # A set that dominates every reference point has IGD+ 0 but IGD > 0.
    better = R - 0.5
    assert evonas.igd_plus(better, R) == 0.0 and evonas.igd(better, R) > 0
    assert evonas.gd(R, R) == evonas.igd(R, R) == evonas.gd_plus(R, R) == evonas.igd_plus(R, R) == 0.0


def test_maximize_mirrors_minimize():
    rng = np.random.default_rng(3)
    F, R = rng.random((50, 3)), rng.random((40, 3))
    for name in INDICATORS:
        fn = getattr(evonas, name)
        assert fn(F, R, maximize=True) == fn(-F, -R)
    assert evonas.igd_plus(F, R, maximize=True) != evonas.igd_plus(F, R)


def test_matches_pymoo():
    pymoo_ind = pytest.importorskip("pymoo.indicators.igd")
    from pymoo.indicators.gd import GD
    from pymoo.indicators.gd_plus import GDPlus
    from pymoo.indicators.igd_plus import IGDPlus

    rng = np.random.default_rng(11)
    R = evonas.problems.DTLZ2(n_obj=3).pareto_front(200)
    F = R[rng.integers(0, len(R), 80)] + rng.normal(0, 0.05, size=(80, 3))
    peers = {"gd": GD, "gd_plus": GDPlus, "igd": pymoo_ind.IGD, "igd_plus": IGDPlus}
    for name, peer in peers.items():
        assert getattr(evonas, name)(F, R) == pytest.approx(peer(R).do(F), rel=1e-12), name


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layouts_and_inputs_unchanged(layout):
    rng = np.random.default_rng(5)
    F, R = rng.random((40, 3)), rng.random((30, 3))
    want = {name: getattr(evonas, name)(F, R) for name in INDICATORS}
    Fl, Rl = in_layout(F, layout), in_layout(R, layout)
    before = (Fl.copy(), Rl.copy())
    for name in INDICATORS:
        assert getattr(evonas, name)(Fl, Rl) == want[name]
    np.testing.assert_array_equal(Fl, before[0])
    np.testing.assert_array_equal(Rl, before[1])
    assert evonas.igd(F.tolist(), R) == want["igd"]
    single = F.astype(np.float32)
    assert evonas.igd(single, R) == evonas.igd(single.astype(np.float64), R)


@pytest.mark.parametrize("name", INDICATORS)
@pytest.mark.parametrize(
    ("F", "R", "kwargs", "error", "match"),
    [
        (np.zeros((0, 2)), np.ones((3, 2)), {}, ValueError, "'F' must hold at least one point"),
        (np.ones((3, 2)), np.zeros((0, 2)), {}, ValueError, "'ref_front' must hold at least one point"),
        (np.array([[0.0, np.nan]]), np.ones((3, 2)), {}, ValueError, "'F' must not contain NaN"),
        (np.ones((3, 2)), np.array([[np.inf, 0.0]]), {}, ValueError, "'ref_front' must be finite"),
        (np.array([[-np.inf, 0.0]]), np.ones((3, 2)), {}, ValueError, "'F' must be finite"),
        (np.ones((3, 2)), np.ones((3, 3)), {}, ValueError, "as many objectives"),
        (np.ones(3), np.ones((3, 3)), {}, ValueError, "2-D"),
        ([["a", "b"]], np.ones((3, 2)), {}, TypeError, "real numbers"),
        (np.ones((3, 2)), np.ones((3, 2)), {"maximize": "yes"}, TypeError, "'maximize' must be a bool"),
        (np.ones((3, 2)), np.ones((3, 2)), {"n_threads": 0}, ValueError, "n_threads"),
    ],
)
def test_bad_input(name, F, R, kwargs, error, match):
    with pytest.raises(error, match=match):
        getattr(evonas, name)(F, R, **kwargs)
