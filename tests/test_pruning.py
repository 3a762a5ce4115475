"""Truncation by iterated removal (``_core.prune_front``) against the
from-scratch reference, on random inputs with ties, copies, -0.0 and
infinities; and the spread it buys over one-cut crowding."""

from __future__ import annotations

import numpy as np
import pytest
import reference
from hypothesis import given
from hypothesis import strategies as st

from evonas import _core

TRUNCATIONS = ("pruning", "neighbours")


@st.composite
def fronts(draw):
    k = draw(st.integers(0, 22))
    m = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["uniform", "grid", "line"]))
    if kind == "grid":
        F = rng.integers(-1, 3, size=(k, m)).astype(float)  # ties and copies
    elif kind == "line":
        t = rng.random(k)
        F = np.column_stack([t] + [1 - t] * (m - 1)) if m > 1 else t[:, None]
    else:
        F = rng.uniform(-1, 1, size=(k, m))
    if k and draw(st.booleans()):
        F[rng.integers(0, k), rng.integers(0, m)] = draw(st.sampled_from([np.inf, -np.inf, -0.0, 0.0]))
    if k > 1 and draw(st.booleans()):
        F[rng.integers(0, k)] = F[rng.integers(0, k)]  # one more copy
    return F, draw(st.integers(0, k + 2))


@pytest.mark.parametrize("truncation", TRUNCATIONS)
@given(case=fronts())
def test_prune_front_matches_reference(truncation, case):
    F, n_keep = case
    F0 = F.copy()
    kept, measure = _core.prune_front(F, n_keep, truncation, 1)
    ref_kept, ref_measure = reference.prune_front(F, n_keep, truncation)
    np.testing.assert_array_equal(kept, ref_kept)
    np.testing.assert_array_equal(measure, ref_measure)
    np.testing.assert_array_equal(F, F0)


@pytest.mark.parametrize("truncation", TRUNCATIONS)
@pytest.mark.parametrize("m", [2, 3, 5])
def test_prune_front_matches_reference_on_larger_fronts(truncation, m):
    rng = np.random.default_rng(m)
    X = rng.random((150, m - 1))
    F = np.column_stack([X, 1 + X.shape[1] - X.sum(axis=1)])  # a hyperplane front
    kept, measure = _core.prune_front(F, 60, truncation, 1)
    ref_kept, ref_measure = reference.prune_front(F, 60, truncation)
    np.testing.assert_array_equal(kept, ref_kept)
    np.testing.assert_array_equal(measure, ref_measure)


@pytest.mark.parametrize("truncation", TRUNCATIONS)
def test_prune_front_is_independent_of_threads(truncation):
    # Above 4096 points the nearest-neighbour lists are built in parallel.
    rng = np.random.default_rng(7)
    F = rng.random((9000, 3))
    F /= np.linalg.norm(F, axis=1, keepdims=True)
    one = _core.prune_front(F, 3000, truncation, 1)
    four = _core.prune_front(F, 3000, truncation, 4)
    for a, b in zip(one, four):
        np.testing.assert_array_equal(a, b)
    assert len(one[0]) == 3000


def test_prune_front_edge_cases():
    for truncation in TRUNCATIONS:
        kept, measure = _core.prune_front(np.zeros((0, 2)), 3, truncation, 1)
        assert kept.size == 0 and measure.size == 0
        kept, measure = _core.prune_front(np.ones((4, 2)), 2, truncation, 1)  # all copies
        assert kept.tolist() == [0, 1] and measure.tolist() == [np.inf, 0.0]
        kept, _ = _core.prune_front(np.array([[0.0, 1.0], [1.0, 0.0]]), 0, truncation, 1)
        assert kept.size == 0
    with pytest.raises(ValueError, match="truncation"):
        _core.prune_front(np.zeros((2, 2)), 1, "crowding", 1)
    with pytest.raises(ValueError, match="truncation"):
        _core.prune_front(np.zeros((2, 2)), 1, "nearest", 1)
    with pytest.raises(ValueError, match="NaN"):
        _core.prune_front(np.array([[0.0, np.nan]]), 1, "pruning", 1)


def _min_gap(F: np.ndarray) -> float:
    x = np.sort(F[:, 0])
    return float(np.diff(x).min())


def test_pruning_spreads_a_line_front_more_evenly_than_one_cut():
    # Random points on a line: one crowding cut removes close neighbours
    # together and leaves gaps; removal one at a time keeps the spacing.
    better = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        t = rng.random(200)
        F = np.column_stack([t, 1 - t])
        pruned = F[_core.prune_front(F, 20, "pruning", 1)[0]]
        crowd = reference.crowding_distance(F, np.zeros(200, dtype=np.int64))
        one_cut = F[np.argsort(-crowd, kind="stable")[:20]]
        better += _min_gap(pruned) > _min_gap(one_cut)
    assert better >= 18


def test_neighbours_spread_a_sphere_front_more_evenly_than_one_cut():
    better = 0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        F = np.abs(rng.normal(size=(300, 3)))
        F /= np.linalg.norm(F, axis=1, keepdims=True)
        kept = F[_core.prune_front(F, 60, "neighbours", 1)[0]]
        crowd = reference.crowding_distance(F, np.zeros(300, dtype=np.int64))
        one_cut = F[np.argsort(-crowd, kind="stable")[:60]]

        def nearest(P: np.ndarray) -> float:
            D = np.linalg.norm(P[:, None] - P[None], axis=-1)
            np.fill_diagonal(D, np.inf)
            return float(D.min())

        better += nearest(kept) > nearest(one_cut)
    assert better >= 9
