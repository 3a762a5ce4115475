"""evonas.hypervolume, evonas.hv_contributions and evonas.hypervolume_mc
compared with the oracles in reference.py, known values and invariants.

The exact kernels switch algorithm by the number of objectives (m = 1, 2, 3,
4 and >= 5), so the property tests are parametrised over m = 1 .. 8.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import evonas
import reference as ref_impl
from conftest import INF, LAYOUTS, cast_exactly, hv_problems, in_layout, numpy_matrices

#: Largest n per m for which the grid oracle (and n + 1 of them for the
#: contributions) stays cheap.
SMALL_N = {1: 30, 2: 30, 3: 30, 4: 20, 5: 12, 6: 9, 7: 7, 8: 6}


def tolerance(F, ref, maximize=False) -> float:
    """Absolute tolerance: 1e-10 of the box between the ideal point and ref."""
    return 1e-10 * ref_impl.mc_box_volume(F, ref, maximize) + 1e-300


def assert_hv_close(actual, expected, F, ref, maximize=False):
    assert isinstance(actual, float)
    assert actual == pytest.approx(expected, rel=1e-9, abs=tolerance(F, ref, maximize))


def assert_contributions_close(actual, F, ref, maximize=False):
    """Against HV(all) - HV(all but i) by the grid oracle, and exactly 0 where
    the point owns no volume alone (dominated, outside ref, or copied).

    Owning points are only compared within the tolerance: a true contribution
    far below the rounding error of the total may come out as 0."""
    assert actual.dtype == np.float64 and actual.shape == (np.shape(F)[0],)
    positive = ref_impl.has_positive_contribution(F, ref, maximize)
    np.testing.assert_array_equal(actual[~positive], 0.0)
    expected = ref_impl.hv_contributions(F, ref, maximize)
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=tolerance(F, ref, maximize))


def draw_ref(data, F) -> np.ndarray:
    """A reference point above every point, or one that cuts through them."""
    finite = np.where(np.isfinite(F), F, -np.inf)
    top = finite.max(axis=0, initial=0.0)
    if data.draw(st.booleans(), label="ref_above_all"):
        return top + 1.0
    q = data.draw(st.floats(0.3, 0.95), label="ref_quantile")
    return np.array([np.quantile(col[np.isfinite(col)], q) if np.isfinite(col).any() else 1.0 for col in F.T])


# ----------------------------------------------------------------------------
# Exact hypervolume
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("m", range(1, 9))
@given(data=st.data())
def test_hypervolume_matches_oracle(m, data):
    F, ref = data.draw(hv_problems(n=(0, SMALL_N[m]), m=(m, m)), label="problem")
    assert_hv_close(evonas.hypervolume(F, ref), ref_impl.hypervolume_grid(F, ref), F, ref)


@pytest.mark.parametrize("m", range(1, 9))
@given(data=st.data())
def test_hypervolume_maximize_matches_oracle(m, data):
    F, ref = data.draw(hv_problems(n=(0, SMALL_N[m]), m=(m, m)), label="problem")
    # Maximising -F above -ref is minimising F below ref (+inf becomes -inf).
    value = evonas.hypervolume(-F, -ref, maximize=True)
    assert_hv_close(value, ref_impl.hypervolume_grid(-F, -ref, maximize=True), F, ref)
    assert value == evonas.hypervolume(F, ref)


@pytest.mark.parametrize(("m", "max_n"), [(2, 400), (3, 200), (4, 70), (5, 25), (6, 14)])
@given(data=st.data())
def test_hypervolume_medium_inputs(m, max_n, data):
    F = data.draw(numpy_matrices(n=(min(20, max_n), max_n), m=(m, m), infinities=(INF,)), label="F")
    ref = draw_ref(data, F)
    assert_hv_close(evonas.hypervolume(F, ref), ref_impl.hypervolume_grid(F, ref), F, ref)


@pytest.mark.parametrize("m", [3, 4])
def test_hypervolume_large_random(m):
    rng = np.random.default_rng(m)
    X = rng.random((200, m))
    F = X / np.linalg.norm(X, axis=1, keepdims=True)  # on the sphere: all non-dominated
    ref = np.full(m, 1.1)
    exact = ref_impl.hypervolume_grid(F, ref)
    assert_hv_close(evonas.hypervolume(F, ref), exact, F, ref)
    G = rng.integers(0, 8, size=(200, m)).astype(float)  # ties, copies, points on the boundary
    ref = np.full(m, 7.0)
    assert_hv_close(evonas.hypervolume(G, ref), ref_impl.hypervolume_grid(G, ref), G, ref)


@pytest.mark.parametrize("m", [5, 6, 7, 8])
@pytest.mark.parametrize("n", [40, 250])
def test_hypervolume_integer_fronts_with_projection_ties(m, n):
    """The m >= 5 slabs drop points that a later point dominates in the first
    m - 1 objectives: small integer grids give many such points, ties and
    copies in every objective, points on the reference boundary, and
    mutually non-dominated points (constant sum) whose projections dominate
    each other, across several blocks of slabs and thread counts."""
    rng = np.random.default_rng(1000 * m + n)
    top = 3.0 * (m - 1)  # the largest last objective of S
    G = rng.integers(0, 5, size=(n, m)).astype(float) * np.append(np.ones(m - 1), top / 4)
    X = rng.integers(0, 4, size=(n, m - 1)).astype(float)
    S = np.column_stack([X, top - X.sum(axis=1)])  # a smaller projection comes later
    ref = np.append(np.full(m - 1, 4.0), top + 1)
    for F in (G, S, np.vstack([S, S[::-1], G[: n // 4]])):
        expected = ref_impl.hypervolume_grid(F, ref)
        for threads in (1, 2):
            assert_hv_close(evonas.hypervolume(F, ref, n_threads=threads), expected, F, ref)


@pytest.mark.parametrize("m", range(1, 9))
def test_hypervolume_single_point_is_box(m):
    rng = np.random.default_rng(m)
    p = rng.uniform(-3, 3, size=m)
    ref = p + rng.uniform(0.1, 2, size=m)
    assert evonas.hypervolume(p[None, :], ref) == pytest.approx(math.prod(ref - p), rel=1e-12)
    np.testing.assert_allclose(evonas.hv_contributions(p[None, :], ref), [math.prod(ref - p)], rtol=1e-12)


@pytest.mark.parametrize("m", range(1, 9))
@pytest.mark.parametrize("n", [2, 5, 300])
def test_identical_points(m, n):
    # Copies cover the same box as one point, and none of them owns volume alone.
    F = np.tile(np.linspace(0.1, 0.5, m), (n, 1))
    box = math.prod(1 - F[0])
    assert evonas.hypervolume(F, np.ones(m)) == pytest.approx(box, rel=1e-12)
    np.testing.assert_array_equal(evonas.hv_contributions(F, np.ones(m)), np.zeros(n))
    assert evonas.hypervolume_mc(F, np.ones(m), samples=1000, seed=0) == pytest.approx((box, 0.0), rel=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 100, 1000])
def test_hypervolume_linear_front_closed_form(n):
    # Points (i/(n+1), 1 - i/(n+1)), i = 1..n, with ref (1, 1). Sorted by x,
    # point i owns the column [x_i, x_{i+1}) (width 1/(n+1), x_{n+1} = 1) of
    # height 1 - y_i = i/(n+1): HV = sum_i i/(n+1)^2 = n / (2 (n + 1)).
    # Alone it covers the square [x_i, x_{i+1}) x [y_i, y_{i-1}), y_0 = 1:
    # every contribution is 1/(n+1)^2.
    x = np.arange(1, n + 1) / (n + 1)
    F = np.column_stack([x, 1 - x])
    assert evonas.hypervolume(F, [1, 1]) == pytest.approx(n / (2 * (n + 1)), rel=1e-12)
    np.testing.assert_allclose(evonas.hv_contributions(F, [1, 1]), np.full(n, 1 / (n + 1) ** 2), rtol=1e-9)
    # Maximising the mirrored front from ref (0, 0) is the same problem.
    assert evonas.hypervolume(1 - F, [0, 0], maximize=True) == pytest.approx(n / (2 * (n + 1)), rel=1e-12)


@pytest.mark.parametrize("m", range(1, 9))
def test_hypervolume_unit_vectors(m):
    # The unit vectors dominate the cube [0, 2]^m except [0, 1)^m: 2^m - 1.
    # e_i alone covers {x_i >= 1, x_k < 1 for k != i}, a unit cube.
    F, ref = np.eye(m), np.full(m, 2.0)
    assert evonas.hypervolume(F, ref) == 2.0**m - 1
    np.testing.assert_allclose(evonas.hv_contributions(F, ref), np.ones(m), rtol=1e-12)


def test_hypervolume_3d_by_hand():
    # A(1,1,3) B(2,2,1) C(3,0,2), ref (4,4,4). Boxes: A 3*3*1 = 9, B 2*2*3 = 12,
    # C 1*4*2 = 8; A^B = (2,2,3): 4, A^C = (3,1,3): 3, B^C = (3,2,2): 4,
    # A^B^C = (3,2,3): 2. HV = 29 - 11 + 2 = 20. Without A: 12+8-4 = 16,
    # without B: 9+8-3 = 14, without C: 9+12-4 = 17: contributions 4, 6, 3.
    F = [[1, 1, 3], [2, 2, 1], [3, 0, 2]]
    assert evonas.hypervolume(F, [4, 4, 4]) == 20.0
    np.testing.assert_allclose(evonas.hv_contributions(F, [4, 4, 4]), [4, 6, 3], rtol=1e-12)
    # A dominated point, a copy and points on or beyond the boundary change nothing.
    G = F + [[2, 2, 3], [3, 0, 2], [1, 1, 4], [INF, 0, 0], [0, 0, 5]]
    assert evonas.hypervolume(G, [4, 4, 4]) == 20.0
    np.testing.assert_allclose(evonas.hv_contributions(G, [4, 4, 4]), [4, 6, 0, 0, 0, 0, 0, 0], rtol=1e-12)


def test_hypervolume_one_objective():
    assert evonas.hypervolume([[3], [1], [2]], [5]) == 4.0
    np.testing.assert_array_equal(evonas.hv_contributions([[3], [1], [2]], [5]), [0, 1, 0])
    np.testing.assert_array_equal(evonas.hv_contributions([[1], [1], [2]], [5]), [0, 0, 0])
    np.testing.assert_array_equal(evonas.hv_contributions([[3], [6], [5]], [5]), [2, 0, 0])


@pytest.mark.parametrize("m", range(1, 9))
def test_no_point_inside_ref(m):
    # On the boundary in one objective, beyond it, or at +inf: no volume.
    F = np.zeros((3, m))
    F[0, 0] = 1.0
    F[1, m - 1] = 2.0
    F[2, 0] = INF
    ref = np.ones(m)
    assert evonas.hypervolume(F, ref) == 0.0
    np.testing.assert_array_equal(evonas.hv_contributions(F, ref), np.zeros(3))
    assert evonas.hypervolume_mc(F, ref, samples=1000, seed=1) == (0.0, 0.0)


@pytest.mark.parametrize("m", range(1, 9))
def test_empty_input(m):
    F = np.zeros((0, m))
    value = evonas.hypervolume(F, np.ones(m))
    assert value == 0.0 and isinstance(value, float)
    c = evonas.hv_contributions(F, np.ones(m))
    assert c.shape == (0,) and c.dtype == np.float64
    assert evonas.hypervolume_mc(F, np.ones(m), samples=100, seed=0) == (0.0, 0.0)
    assert evonas.hypervolume(F, np.ones(m), maximize=True) == 0.0


# ----------------------------------------------------------------------------
# Consistency at sizes beyond the oracles
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(("m", "max_n"), [(2, 300), (3, 200), (4, 100), (5, 40), (6, 25), (8, 15)])
@given(data=st.data())
def test_union_is_monotone_and_subadditive(m, max_n, data):
    A = data.draw(numpy_matrices(n=(1, max_n), m=(m, m)), label="A")
    B = data.draw(numpy_matrices(n=(1, max_n), m=(m, m)), label="B")
    ref = np.maximum(A.max(axis=0), B.max(axis=0)) + 0.5
    hv_a, hv_b = evonas.hypervolume(A, ref), evonas.hypervolume(B, ref)
    hv_ab = evonas.hypervolume(np.vstack([A, B]), ref)
    tol = 1e-9 * max(hv_a, hv_b, 1e-300)
    assert hv_ab >= max(hv_a, hv_b) - tol
    assert hv_ab <= hv_a + hv_b + tol
    perm = np.random.default_rng(0).permutation(A.shape[0] + B.shape[0])
    assert evonas.hypervolume(np.vstack([A, B])[perm], ref) == pytest.approx(hv_ab, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize(("m", "max_n"), [(2, 150), (3, 150), (4, 60), (5, 25), (6, 15)])
@given(data=st.data())
def test_contributions_are_leave_one_out_differences(m, max_n, data):
    """Checked with evonas.hypervolume itself, at sizes the grid cannot reach."""
    F = data.draw(numpy_matrices(n=(1, max_n), m=(m, m), infinities=(INF,)), label="F")
    ref = draw_ref(data, F)
    c = evonas.hv_contributions(F, ref)
    total = evonas.hypervolume(F, ref)
    loo = np.array([total - evonas.hypervolume(np.delete(F, i, axis=0), ref) for i in range(F.shape[0])])
    tol = 1e-9 * max(total, 1e-300)
    np.testing.assert_allclose(c, loo, rtol=1e-7, atol=tol)
    positive = ref_impl.has_positive_contribution(F, ref)
    np.testing.assert_array_equal(c[~positive], 0.0)
    assert c.min(initial=0.0) >= -tol
    assert c.sum() <= total + tol


# ----------------------------------------------------------------------------
# Exclusive contributions against the oracle
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("m", range(1, 9))
@given(data=st.data())
def test_contributions_match_oracle(m, data):
    F, ref = data.draw(hv_problems(n=(0, SMALL_N[m]), m=(m, m)), label="problem")
    assert_contributions_close(evonas.hv_contributions(F, ref), F, ref)


@pytest.mark.parametrize("m", range(1, 9))
@given(data=st.data())
def test_contributions_maximize_match_oracle(m, data):
    F, ref = data.draw(hv_problems(n=(0, SMALL_N[m]), m=(m, m)), label="problem")
    c = evonas.hv_contributions(-F, -ref, maximize=True)
    assert_contributions_close(c, F, ref)
    np.testing.assert_array_equal(c, evonas.hv_contributions(F, ref))


@pytest.mark.parametrize(("m", "max_n"), [(2, 200), (3, 120), (4, 30)])
@given(data=st.data())
def test_contributions_medium_inputs(m, max_n, data):
    F = data.draw(numpy_matrices(n=(20, max_n), m=(m, m)), label="F")
    ref = draw_ref(data, F)
    assert_contributions_close(evonas.hv_contributions(F, ref), F, ref)


# ----------------------------------------------------------------------------
# Layouts, dtypes, threads, no mutation
# ----------------------------------------------------------------------------


@given(
    hv_problems(n=(0, 12), m=(1, 6), kind="grid", pos_inf=False),
    st.sampled_from(["float64", "float32", "float16", "int64", "int32", "uint8"]),
    st.sampled_from(LAYOUTS),
    st.sampled_from(["float64", "int64", "list"]),
)
def test_any_dtype_and_layout(problem, dtype, layout, ref_kind):
    F, ref = problem
    X = in_layout(cast_exactly(F, dtype), layout)
    r = ref.tolist() if ref_kind == "list" else cast_exactly(ref, ref_kind)
    X_copy = X.copy()
    assert evonas.hypervolume(X, r) == evonas.hypervolume(F, ref)
    np.testing.assert_array_equal(evonas.hv_contributions(X, r), evonas.hv_contributions(F, ref))
    assert evonas.hypervolume_mc(X, r, samples=500, seed=3) == evonas.hypervolume_mc(F, ref, samples=500, seed=3)
    assert_hv_close(evonas.hypervolume(X, r), ref_impl.hypervolume_grid(F, ref), F, ref)
    np.testing.assert_array_equal(X, X_copy)


@given(
    hv_problems(n=(0, 12), m=(1, 5), kind="float"),
    st.sampled_from(["float32", "float16"]),
    st.sampled_from(LAYOUTS),
)
def test_low_precision_float_inputs(problem, dtype, layout):
    F, ref = problem
    X = in_layout(F.astype(dtype), layout)
    X64 = X.astype(np.float64)
    assert_hv_close(evonas.hypervolume(X, ref), ref_impl.hypervolume_grid(X64, ref), X64, ref)
    assert_contributions_close(evonas.hv_contributions(X, ref), X64, ref)


@pytest.mark.parametrize("m", range(1, 9))
def test_inputs_not_mutated(m):
    rng = np.random.default_rng(m)
    F = rng.integers(0, 5, size=(min(60, 4 * SMALL_N[m]), m)).astype(float)
    ref = np.full(m, 5.0)
    F_copy, ref_copy = F.copy(), ref.copy()
    evonas.hypervolume(F, ref)
    evonas.hv_contributions(F, ref)
    evonas.hypervolume_mc(F, ref, samples=1000, seed=0)
    evonas.hypervolume(-F, -ref, maximize=True)
    evonas.hv_contributions(-F, -ref, maximize=True)
    evonas.hypervolume_mc(-F, -ref, samples=1000, seed=0, maximize=True)
    np.testing.assert_array_equal(F, F_copy)
    np.testing.assert_array_equal(ref, ref_copy)


def test_read_only_inputs_accepted():
    F = np.eye(4) + 0.5
    ref = np.full(4, 3.0)
    F.setflags(write=False)
    ref.setflags(write=False)
    assert evonas.hypervolume(F, ref) == pytest.approx(ref_impl.hypervolume_grid(F, ref))
    evonas.hv_contributions(F, ref)
    evonas.hypervolume_mc(F, ref, samples=100, seed=0)
    evonas.hypervolume(F, ref, maximize=True)


@pytest.mark.parametrize(("m", "n"), [(2, 500), (3, 300), (4, 300), (5, 300), (6, 260), (8, 20)])
def test_thread_counts_give_identical_results(m, n):
    """Sizes large enough that the m >= 4 kernels split the work."""
    rng = np.random.default_rng(100 + m)
    X = rng.random((n, m))
    F = X / np.linalg.norm(X, axis=1, keepdims=True)
    ref = np.full(m, 1.2)
    hv = evonas.hypervolume(F, ref)
    c = evonas.hv_contributions(F, ref)
    for threads in (1, 2, 3):
        assert evonas.hypervolume(F, ref, n_threads=threads) == hv
        np.testing.assert_array_equal(evonas.hv_contributions(F, ref, n_threads=threads), c)
    # A few contributions against leave-one-out differences at this size.
    for i in np.random.default_rng(m).choice(n, size=4, replace=False):
        loo = hv - evonas.hypervolume(np.delete(F, i, axis=0), ref)
        assert c[i] == pytest.approx(loo, rel=1e-7, abs=1e-9 * hv)


# ----------------------------------------------------------------------------
# Monte-Carlo estimate
# ----------------------------------------------------------------------------


def _mc_cases():
    rng = np.random.default_rng(5)
    X = rng.random((12, 8))
    yield "staircase-2d", np.array([[1.0, 3], [2, 2], [3, 1]]), np.array([4.0, 4])
    yield "by-hand-3d", np.array([[1.0, 1, 3], [2, 2, 1], [3, 0, 2]]), np.array([4.0, 4, 4])
    yield "unit-vectors-5d", np.eye(5), np.full(5, 2.0)
    yield "sphere-8d", X / np.linalg.norm(X, axis=1, keepdims=True), np.full(8, 1.0)
    yield "with-outside-points", np.array([[1.0, 3], [2, 2], [5, 0], [INF, 1], [3, 1]]), np.array([4.0, 4])


MC_CASES = list(_mc_cases())


def exact_hv(F, ref):
    """Grid oracle, or inclusion-exclusion where the grid would be too big."""
    if np.shape(F)[0] <= 14:
        return ref_impl.hypervolume_inclusion_exclusion(F, ref)
    return ref_impl.hypervolume_grid(F, ref)


@pytest.mark.parametrize(("name", "F", "ref"), MC_CASES, ids=[c[0] for c in MC_CASES])
@pytest.mark.parametrize("seed", [0, 12345])
def test_mc_within_four_standard_errors(name, F, ref, seed):
    exact = exact_hv(F, ref)
    value, err = evonas.hypervolume_mc(F, ref, samples=200_000, seed=seed)
    assert isinstance(value, float) and isinstance(err, float)
    assert err > 0
    assert abs(value - exact) <= 4 * err, (value, exact, err)
    # The standard error is about right: within 20% of the exact one.
    box = ref_impl.mc_box_volume(F, ref)
    p = exact / box
    assert err == pytest.approx(box * math.sqrt(p * (1 - p) / 200_000), rel=0.2)


@pytest.mark.parametrize(("name", "F", "ref"), MC_CASES, ids=[c[0] for c in MC_CASES])
def test_mc_maximize(name, F, ref):
    exact = exact_hv(F, ref)
    value, err = evonas.hypervolume_mc(-F, -ref, samples=100_000, seed=9, maximize=True)
    assert abs(value - exact) <= 4 * err
    assert (value, err) == evonas.hypervolume_mc(F, ref, samples=100_000, seed=9)


@pytest.mark.parametrize(("name", "F", "ref"), MC_CASES[:4], ids=[c[0] for c in MC_CASES[:4]])
@pytest.mark.parametrize("samples", [1, 7, 1000, 54_321])
def test_mc_value_and_stderr_follow_documented_formula(name, F, ref, samples):
    """value = box * p and stderr = box * sqrt(p (1 - p) / samples), with p
    the fraction of dominated samples and box between ideal point and ref."""
    value, err = evonas.hypervolume_mc(F, ref, samples=samples, seed=42)
    box = ref_impl.mc_box_volume(F, ref)
    hits = value / box * samples
    assert hits == pytest.approx(round(hits), abs=1e-6)
    assert 0 <= round(hits) <= samples
    p = round(hits) / samples
    assert value == pytest.approx(box * p, rel=1e-12, abs=1e-300)
    assert err == pytest.approx(box * math.sqrt(p * (1 - p) / samples), rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("m", [1, 2, 3, 5, 8])
def test_mc_single_point_is_exact(m):
    # Every sample in the box between the point and ref is dominated.
    p = np.linspace(0.1, 0.9, m)
    value, err = evonas.hypervolume_mc(p[None, :], np.ones(m), samples=10_000, seed=1)
    assert value == pytest.approx(math.prod(1 - p), rel=1e-12)
    assert err == 0.0


@pytest.mark.parametrize(("name", "F", "ref"), MC_CASES, ids=[c[0] for c in MC_CASES])
def test_mc_same_seed_same_result_for_any_thread_count(name, F, ref):
    results = {evonas.hypervolume_mc(F, ref, samples=100_003, seed=2024, n_threads=t) for t in (1, 2, 3, 8, None)}
    assert len(results) == 1, results
    assert evonas.hypervolume_mc(F, ref, samples=100_003, seed=2024) in results


def test_mc_large_seeds_accepted_and_reproducible():
    F, ref = MC_CASES[1][1], MC_CASES[1][2]
    for seed in (0, 2**32, 2**63, 2**64 - 1):
        assert evonas.hypervolume_mc(F, ref, samples=5000, seed=seed) == evonas.hypervolume_mc(
            F, ref, samples=5000, seed=seed, n_threads=3
        )


def test_mc_different_seeds_differ():
    F, ref = MC_CASES[1][1], MC_CASES[1][2]
    values = {evonas.hypervolume_mc(F, ref, samples=100_000, seed=s)[0] for s in range(10)}
    assert len(values) >= 5
    unseeded = {evonas.hypervolume_mc(F, ref, samples=100_000)[0] for _ in range(4)}
    assert len(unseeded) >= 2


def test_mc_stderr_shrinks_with_samples():
    F, ref = MC_CASES[2][1], MC_CASES[2][2]
    _, err_small = evonas.hypervolume_mc(F, ref, samples=10_000, seed=3)
    _, err_large = evonas.hypervolume_mc(F, ref, samples=1_000_000, seed=3)
    assert 5 < err_small / err_large < 20  # sqrt(100) = 10


def test_mc_default_samples():
    F, ref = MC_CASES[0][1], MC_CASES[0][2]
    value, err = evonas.hypervolume_mc(F, ref, seed=0)
    assert abs(value - 6.0) <= 4 * err
    assert err < 0.01  # one million samples: box 9, p = 2/3, stderr ~ 0.0042
