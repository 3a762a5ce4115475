"""evonas.non_dominated_sort, evonas.nondominated and evonas.crowding_distance
compared with the oracles in reference.py.

The sort switches algorithm by the number of objectives (m = 1 sort, m = 2
sweep, m >= 3 divide and conquer with a direct base case), so every test
covers m = 1 .. 8 and the medium and large tests use inputs big enough to
recurse past the base case.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import evonas
from evonas import _core
import reference as ref_impl
from conftest import INF, LAYOUTS, cast_exactly, in_layout, numpy_matrices, objective_matrices

BOTH_INF = (INF, -INF)


def assert_crowding_equal(actual, expected):
    """Same +inf positions, finite values equal to a relative 1e-9."""
    assert actual.dtype == np.float64
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(np.isposinf(actual), np.isposinf(expected))
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-12)


def random_matrix(seed: int, n: int, m: int, kind: str) -> np.ndarray:
    """Large inputs: uniform floats, a coarse integer grid (heavy ties and
    duplicates), or points near a linear front (many fronts, few dominated)."""
    rng = np.random.default_rng(seed)
    if kind == "float":
        return rng.random((n, m))
    if kind == "grid":
        return rng.integers(0, 6, size=(n, m)).astype(float)
    if kind == "front":
        X = rng.random((n, m))
        return X / X.sum(axis=1, keepdims=True) + 0.05 * rng.random((n, 1))
    raise ValueError(kind)


# ----------------------------------------------------------------------------
# non_dominated_sort
# ----------------------------------------------------------------------------


@given(objective_matrices(n=(0, 24), m=(1, 8), infinities=BOTH_INF))
def test_sort_matches_oracle(F):
    ranks = evonas.non_dominated_sort(F)
    assert ranks.dtype == np.int32
    np.testing.assert_array_equal(ranks, ref_impl.non_dominated_sort(F))


@given(objective_matrices(n=(0, 24), m=(1, 6), infinities=BOTH_INF), st.data())
def test_sort_n_stop_matches_oracle(F, data):
    n_stop = data.draw(st.integers(0, F.shape[0] + 3), label="n_stop")
    ranks = evonas.non_dominated_sort(F, n_stop_if_ranked=n_stop)
    assert ranks.dtype == np.int32
    np.testing.assert_array_equal(ranks, ref_impl.non_dominated_sort(F, n_stop))


@pytest.mark.parametrize("m", range(1, 9))
@given(data=st.data())
def test_sort_medium_inputs_satisfy_rank_identity(m, data):
    """n up to 300: past any direct base case of the divide and conquer."""
    F = data.draw(numpy_matrices(n=(40, 300), m=(m, m), infinities=BOTH_INF), label="F")
    ranks = evonas.non_dominated_sort(F)
    assert ranks.dtype == np.int32 and ranks.shape == (F.shape[0],)
    ref_impl.check_ranks(F, ranks)
    n_stop = data.draw(st.integers(0, F.shape[0]), label="n_stop")
    np.testing.assert_array_equal(
        evonas.non_dominated_sort(F, n_stop_if_ranked=n_stop), ref_impl.truncate_ranks(ranks, n_stop)
    )


@pytest.mark.parametrize("m", [2, 3, 4, 5])
@pytest.mark.parametrize("kind", ["float", "grid", "front"])
def test_sort_large_inputs(m, kind):
    F = random_matrix(1000 * m + len(kind), 2000, m, kind)
    ranks = evonas.non_dominated_sort(F)
    ref_impl.check_ranks(F, ranks)
    for n_stop in (0, 1, 500, 1999, 2000):
        np.testing.assert_array_equal(
            evonas.non_dominated_sort(F, n_stop_if_ranked=n_stop), ref_impl.truncate_ranks(ranks, n_stop)
        )
    for threads in (1, 2, 3, 8):
        np.testing.assert_array_equal(evonas.non_dominated_sort(F, n_threads=threads), ranks)


def spot_check_rows(ranks, rng, k=150):
    """Random rows, plus the rows of the deepest front and of front 1."""
    rows = set(rng.choice(ranks.shape[0], size=k, replace=False).tolist())
    for r in (int(ranks.max()), 1):
        rows.update(np.flatnonzero(ranks == r)[:20].tolist())
    return sorted(rows)


@pytest.mark.parametrize(("m", "n"), [(1, 150_000), (2, 150_000), (3, 40_000), (5, 40_000)])
def test_sort_very_large_inputs_spot_checked(m, n):
    """Big enough for every parallel path; the rank identity is checked at a
    sample of points, and the thread counts must agree exactly."""
    rng = np.random.default_rng(m)
    F = random_matrix(m, n, m, "front")
    F[: n // 10] = np.round(F[: n // 10], 2)  # some ties and copies too
    ranks = evonas.non_dominated_sort(F)
    ref_impl.check_ranks_at(F, ranks, spot_check_rows(ranks, rng))
    assert np.array_equal(np.unique(ranks), np.arange(ranks.max() + 1))  # no empty front
    for threads in (1, 3):
        np.testing.assert_array_equal(evonas.non_dominated_sort(F, n_threads=threads), ranks)
    n_stop = n // 3
    np.testing.assert_array_equal(
        evonas.non_dominated_sort(F, n_stop_if_ranked=n_stop), ref_impl.truncate_ranks(ranks, n_stop)
    )
    mask = evonas.nondominated(F)
    np.testing.assert_array_equal(mask, ranks == 0)
    np.testing.assert_array_equal(evonas.nondominated(F, n_threads=1), mask)


def test_sort_large_one_objective():
    F = np.random.default_rng(7).integers(0, 50, size=(3000, 1)).astype(float)
    # With one objective the rank is the number of distinct smaller values.
    expected = np.searchsorted(np.unique(F[:, 0]), F[:, 0])
    np.testing.assert_array_equal(evonas.non_dominated_sort(F), expected)


def test_sort_by_hand():
    F = [[1, 2], [2, 1], [2, 2], [3, 3], [1, 2]]
    np.testing.assert_array_equal(evonas.non_dominated_sort(F), [0, 0, 1, 2, 0])
    np.testing.assert_array_equal(evonas.non_dominated_sort(F, n_stop_if_ranked=3), [0, 0, -1, -1, 0])
    np.testing.assert_array_equal(evonas.non_dominated_sort(F, n_stop_if_ranked=4), [0, 0, 1, -1, 0])
    np.testing.assert_array_equal(evonas.non_dominated_sort(F, n_stop_if_ranked=0), [-1] * 5)
    np.testing.assert_array_equal(evonas.non_dominated_sort(F, n_stop_if_ranked=np.int64(100)), [0, 0, 1, 2, 0])


def test_sort_infinities_ordered_like_numbers():
    F = [[INF, 0], [0, INF], [INF, INF], [-INF, 5], [-INF, -INF]]
    np.testing.assert_array_equal(evonas.non_dominated_sort(F), [1, 2, 3, 1, 0])


@pytest.mark.parametrize("m", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("n", [1, 2, 7, 100])
def test_identical_points_share_rank_zero(n, m):
    F = np.full((n, m), 3.5)
    np.testing.assert_array_equal(evonas.non_dominated_sort(F), np.zeros(n))
    assert evonas.nondominated(F).all()


@pytest.mark.parametrize("m", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("n", [1, 2, 7, 100])
def test_identical_points_crowding_first_inf_copies_zero(n, m):
    cd = evonas.crowding_distance(np.full((n, m), 3.5))
    assert cd[0] == INF and (cd[1:] == 0).all()


# ----------------------------------------------------------------------------
# nondominated
# ----------------------------------------------------------------------------


@given(objective_matrices(n=(0, 24), m=(1, 8), infinities=BOTH_INF))
def test_nondominated_matches_oracle(F):
    mask = evonas.nondominated(F)
    assert mask.dtype == np.bool_ and mask.shape == (F.shape[0],)
    np.testing.assert_array_equal(mask, ref_impl.nondominated(F))


@pytest.mark.parametrize("m", range(1, 9))
@given(data=st.data())
def test_nondominated_medium_inputs(m, data):
    F = data.draw(numpy_matrices(n=(40, 300), m=(m, m), infinities=BOTH_INF), label="F")
    expected = ~ref_impl.dominance_matrix(F).any(axis=0)
    np.testing.assert_array_equal(evonas.nondominated(F), expected)


@pytest.mark.parametrize("m", [1, 2, 3, 4, 6])
@pytest.mark.parametrize("kind", ["float", "grid", "front"])
def test_nondominated_large_inputs(m, kind):
    F = random_matrix(77 * m + len(kind), 2000, m, kind)
    expected = ~ref_impl.dominance_matrix(F).any(axis=0)
    for threads in (None, 1, 3):
        np.testing.assert_array_equal(evonas.nondominated(F, n_threads=threads), expected)


# ----------------------------------------------------------------------------
# crowding_distance
# ----------------------------------------------------------------------------


@given(objective_matrices(n=(0, 24), m=(1, 8), infinities=BOTH_INF))
def test_crowding_matches_oracle(F):
    assert_crowding_equal(evonas.crowding_distance(F), ref_impl.crowding_distance(F))


@given(objective_matrices(n=(0, 24), m=(1, 6), infinities=BOTH_INF), st.data())
def test_crowding_with_given_ranks_matches_oracle(F, data):
    """Any non-negative labels are fronts, even if not Pareto ranks."""
    n = F.shape[0]
    ranks = np.array(data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n), label="ranks"), dtype=np.int64)
    assert_crowding_equal(evonas.crowding_distance(F, ranks=ranks), ref_impl.crowding_distance(F, ranks))


@given(objective_matrices(n=(1, 24), m=(1, 6)))
def test_crowding_with_pareto_ranks_equals_default(F):
    ranks = evonas.non_dominated_sort(F)
    np.testing.assert_array_equal(evonas.crowding_distance(F, ranks=ranks), evonas.crowding_distance(F))


@pytest.mark.parametrize("m", [2, 3, 5])
@pytest.mark.parametrize("kind", ["float", "grid", "front"])
def test_crowding_large_inputs(m, kind):
    F = random_matrix(31 * m + len(kind), 1500, m, kind)
    ranks = evonas.non_dominated_sort(F)
    ref_impl.check_ranks(F, ranks)
    expected = ref_impl.crowding_distance(F, ranks)
    assert_crowding_equal(evonas.crowding_distance(F), expected)
    for threads in (1, 2, 3, 8):
        np.testing.assert_array_equal(evonas.crowding_distance(F, n_threads=threads), evonas.crowding_distance(F))


@pytest.mark.parametrize("m", [2, 3, 5])
def test_crowding_one_very_large_front(m):
    """A single front of 30 000 points (on a simplex, so mutually
    non-dominated), some of them copies."""
    rng = np.random.default_rng(m)
    X = rng.random((30_000, m))
    F = X / X.sum(axis=1, keepdims=True)
    F[rng.integers(0, 30_000, 500)] = F[rng.integers(0, 30_000, 500)]
    ranks = np.zeros(F.shape[0], dtype=np.int32)
    expected = ref_impl.crowding_distance(F, ranks)
    assert_crowding_equal(evonas.crowding_distance(F, ranks=ranks), expected)
    assert_crowding_equal(evonas.crowding_distance(F), expected)
    for threads in (1, 3):
        np.testing.assert_array_equal(evonas.crowding_distance(F, ranks=ranks, n_threads=threads), expected)


def test_crowding_many_fronts():
    F = np.round(random_matrix(5, 12_000, 2, "float"), 3)
    ranks = evonas.non_dominated_sort(F)
    ref_impl.check_ranks_at(F, ranks, spot_check_rows(ranks, np.random.default_rng(0)))
    expected = ref_impl.crowding_distance(F, ranks)
    assert_crowding_equal(evonas.crowding_distance(F), expected)
    for threads in (1, 3):
        np.testing.assert_array_equal(evonas.crowding_distance(F, n_threads=threads), evonas.crowding_distance(F))


def test_crowding_by_hand():
    F = [[0, 4], [1, 2], [3, 1], [4, 0], [1, 2], [5, 5]]
    assert_crowding_equal(evonas.crowding_distance(F), np.array([INF, 1.5, 1.25, INF, 0.0, INF]))


def test_crowding_two_distinct_points_and_copies():
    np.testing.assert_array_equal(evonas.crowding_distance([[0, 1], [1, 0], [0, 1]]), [INF, INF, 0.0])
    np.testing.assert_array_equal(evonas.crowding_distance([[0, 1], [0, 1], [1, 0]]), [INF, 0.0, INF])


def test_crowding_ties_broken_by_index():
    F = [[0, 1], [0, 2], [1, 0], [2, 3]]
    assert_crowding_equal(
        evonas.crowding_distance(F, ranks=[0, 0, 0, 0]), np.array([INF, 0.5 + 2 / 3, INF, INF])
    )


def test_crowding_infinite_range():
    F = [[0, 0], [0.5, -0.5], [1, -1], [INF, -2]]
    assert_crowding_equal(evonas.crowding_distance(F), np.array([INF, 0.5, 0.75, INF]))


def test_crowding_zero_range_objective():
    F = [[0, 0, 2], [0, 1, 1], [0, 2, 0]]
    assert_crowding_equal(evonas.crowding_distance(F), np.array([INF, 2.0, INF]))


def test_negative_zero_equals_zero():
    F = np.array([[0.0, 1.0], [-0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(evonas.non_dominated_sort(F), [0, 0, 0])
    np.testing.assert_array_equal(evonas.nondominated(F), [True, True, True])
    np.testing.assert_array_equal(evonas.crowding_distance(F), [INF, 0.0, INF])


# ----------------------------------------------------------------------------
# Layouts, dtypes, threads, empty input, no mutation
# ----------------------------------------------------------------------------


@given(
    objective_matrices(n=(0, 30), m=(1, 6), kind="grid"),
    st.sampled_from(["float64", "float32", "float16", "int64", "int32", "uint8"]),
    st.sampled_from(LAYOUTS),
)
def test_any_dtype_and_layout_integer_values(F, dtype, layout):
    check_same_as_float64(in_layout(cast_exactly(F, dtype), layout))


@given(
    objective_matrices(n=(0, 30), m=(1, 6), kind="float", infinities=BOTH_INF),
    st.sampled_from(["float64", "float32", "float16"]),
    st.sampled_from(LAYOUTS),
)
def test_any_dtype_and_layout_float_values(F, dtype, layout):
    check_same_as_float64(in_layout(F.astype(dtype), layout))


def check_same_as_float64(X):
    F64 = np.ascontiguousarray(X, dtype=np.float64)
    copy = X.copy()
    ranks = evonas.non_dominated_sort(X)
    np.testing.assert_array_equal(ranks, ref_impl.non_dominated_sort(F64))
    np.testing.assert_array_equal(evonas.nondominated(X), ranks == 0)
    np.testing.assert_array_equal(evonas.crowding_distance(X), evonas.crowding_distance(F64))
    assert_crowding_equal(evonas.crowding_distance(X), ref_impl.crowding_distance(F64, ranks))
    np.testing.assert_array_equal(X, copy)  # not mutated
    assert X.dtype == copy.dtype


def test_lists_and_tuples_accepted():
    F = [(1, 2), (2, 1), (3, 3)]
    np.testing.assert_array_equal(evonas.non_dominated_sort(F), [0, 0, 1])
    np.testing.assert_array_equal(evonas.nondominated(F), [True, True, False])
    np.testing.assert_array_equal(evonas.crowding_distance(F, ranks=[0, 0, 1]), [INF, INF, INF])


def test_read_only_inputs_accepted():
    F = random_matrix(3, 50, 3, "grid")
    F.setflags(write=False)
    ranks = evonas.non_dominated_sort(F)
    ranks.setflags(write=False)
    ref_impl.check_ranks(F, ranks)
    evonas.nondominated(F)
    evonas.crowding_distance(F, ranks=ranks)


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5, 8])
def test_inputs_not_mutated(m):
    F = random_matrix(m, 400, m, "grid")
    ranks = evonas.non_dominated_sort(F).astype(np.int64)
    F_copy, ranks_copy = F.copy(), ranks.copy()
    evonas.non_dominated_sort(F)
    evonas.non_dominated_sort(F, n_stop_if_ranked=100)
    evonas.nondominated(F)
    evonas.crowding_distance(F)
    evonas.crowding_distance(F, ranks=ranks)
    np.testing.assert_array_equal(F, F_copy)
    np.testing.assert_array_equal(ranks, ranks_copy)


@pytest.mark.parametrize("m", range(1, 9))
def test_empty_input(m):
    F = np.zeros((0, m))
    ranks = evonas.non_dominated_sort(F)
    assert ranks.shape == (0,) and ranks.dtype == np.int32
    assert evonas.non_dominated_sort(F, n_stop_if_ranked=5).shape == (0,)
    mask = evonas.nondominated(F)
    assert mask.shape == (0,) and mask.dtype == np.bool_
    for cd in (evonas.crowding_distance(F), evonas.crowding_distance(F, ranks=np.zeros(0, dtype=int))):
        assert cd.shape == (0,) and cd.dtype == np.float64


@pytest.mark.parametrize("m", range(1, 9))
def test_single_point(m):
    F = np.arange(m, dtype=float)[None, :]
    np.testing.assert_array_equal(evonas.non_dominated_sort(F), [0])
    np.testing.assert_array_equal(evonas.nondominated(F), [True])
    np.testing.assert_array_equal(evonas.crowding_distance(F), [INF])
    np.testing.assert_array_equal(evonas.crowding_distance(F, ranks=[3]), [INF])


@pytest.mark.parametrize("m", range(1, 9))
@given(data=st.data())
def test_thread_counts_give_identical_results(m, data):
    F = data.draw(numpy_matrices(n=(0, 300), m=(m, m), infinities=BOTH_INF), label="F")
    threads = data.draw(st.sampled_from([1, 2, 3, 8]), label="n_threads")
    np.testing.assert_array_equal(evonas.non_dominated_sort(F, n_threads=threads), evonas.non_dominated_sort(F))
    np.testing.assert_array_equal(evonas.nondominated(F, n_threads=threads), evonas.nondominated(F))
    np.testing.assert_array_equal(evonas.crowding_distance(F, n_threads=threads), evonas.crowding_distance(F))


@pytest.mark.parametrize("m", [2, 3, 5])
def test_row_permutation_permutes_results(m):
    F = random_matrix(11 * m, 600, m, "front")
    perm = np.random.default_rng(m).permutation(F.shape[0])
    np.testing.assert_array_equal(evonas.non_dominated_sort(F[perm]), evonas.non_dominated_sort(F)[perm])
    np.testing.assert_array_equal(evonas.nondominated(F[perm]), evonas.nondominated(F)[perm])
    # No ties and no copies, so the crowding distance does not depend on the order either.
    assert_crowding_equal(evonas.crowding_distance(F[perm]), evonas.crowding_distance(F)[perm])


# ----------------------------------------------------------------------------
# NSGA-II survival with two objectives (its own one-sort ranking and crowding)
# ----------------------------------------------------------------------------


def survival_by_composition(F: np.ndarray, n_survive: int):
    """All-feasible NSGA-II survival built from the general sort and crowding
    (both checked against the oracles above): the 2-D path must equal it bit for bit."""
    n = F.shape[0]
    n_survive = min(n_survive, n)
    ranks = _core.non_dominated_sort(F, n_survive, 1)
    crowd = _core.crowding_distance(F, ranks, 1)
    ranked = [k for k in range(n) if ranks[k] >= 0]
    take = sorted(sorted(ranked, key=lambda k: (ranks[k], -crowd[k], k))[:n_survive])
    return np.array(take, dtype=np.int64), ranks[take], crowd[take]


def check_survival_2d(F: np.ndarray, n_survive: int) -> None:
    expected = survival_by_composition(F, n_survive)
    for threads in (1, 3):
        got = _core.nsga2_survival(F, np.zeros(F.shape[0]), n_survive, "crowding", threads)
        for a, b in zip(got, expected):
            np.testing.assert_array_equal(a, b)


@given(objective_matrices(n=(0, 40), m=(2, 2), infinities=BOTH_INF), st.data())
def test_survival_2d_equals_sort_and_crowding(F, data):
    check_survival_2d(F, data.draw(st.integers(0, F.shape[0] + 1)))


@pytest.mark.parametrize("kind", ["float", "grid", "front"])
@pytest.mark.parametrize("n", [3_000, 40_000])  # 40_000: the threaded lexicographic sort
def test_survival_2d_large_equals_sort_and_crowding(kind, n):
    F = random_matrix(n, n, 2, kind)
    check_survival_2d(F, n // 2)


def test_survival_2d_by_hand():
    # fronts: {0, 1, 2} (2 a copy of 0), {3}; copies share the rank, the later one gets 0
    F = np.array([[0.0, 2.0], [1.0, 1.0], [0.0, 2.0], [2.0, 2.0]])
    idx, rank, crowd = _core.nsga2_survival(F, np.zeros(4), 3, "crowding", 1)
    assert idx.tolist() == [0, 1, 2] and rank.tolist() == [0, 0, 0]
    assert crowd.tolist() == [INF, INF, 0.0]
