"""Sanity checks of the oracles in reference.py on hand-computed cases.

The kernel tests are only as good as these oracles, so each one is checked
here against values worked out by hand (in the comments), and the two exact
hypervolume methods are checked against each other.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import reference as ref_impl
from conftest import INF, hv_problems, objective_matrices

# ----------------------------------------------------------------------------
# Dominance and sorting
# ----------------------------------------------------------------------------


def test_dominates_definition():
    assert ref_impl.dominates([1, 2], [2, 2])
    assert ref_impl.dominates([1, 2], [1, 3])
    assert not ref_impl.dominates([1, 2], [1, 2])  # equal points do not dominate
    assert not ref_impl.dominates([1, 3], [2, 2])  # incomparable
    assert ref_impl.dominates([-INF, 5], [0, INF])
    assert ref_impl.dominates([0, INF], [INF, INF])
    assert not ref_impl.dominates([INF], [INF])


# rows: (1,2) and (2,1) and the copy (1,2) are non-dominated; (2,2) is dominated
# by both; (3,3) is dominated by (2,2) too.
SMALL = [[1, 2], [2, 1], [2, 2], [3, 3], [1, 2]]


def test_sort_small_by_hand():
    np.testing.assert_array_equal(ref_impl.non_dominated_sort(SMALL), [0, 0, 1, 2, 0])
    assert ref_impl.non_dominated_sort(SMALL).dtype == np.int32


@pytest.mark.parametrize(
    ("n_stop", "expected"),
    [
        (0, [-1, -1, -1, -1, -1]),  # nothing may be ranked
        (1, [0, 0, -1, -1, 0]),  # 0 points before front 0 < 1; 3 before front 1
        (3, [0, 0, -1, -1, 0]),
        (4, [0, 0, 1, -1, 0]),  # 3 < 4 before front 1; 4 before front 2
        (5, [0, 0, 1, 2, 0]),
        (99, [0, 0, 1, 2, 0]),
    ],
)
def test_sort_n_stop_by_hand(n_stop, expected):
    np.testing.assert_array_equal(ref_impl.non_dominated_sort(SMALL, n_stop), expected)
    full = ref_impl.non_dominated_sort(SMALL)
    np.testing.assert_array_equal(ref_impl.truncate_ranks(full, n_stop), expected)


def test_sort_with_infinities_by_hand():
    # (-inf, 5) dominates (0, inf), which dominates (inf, inf); (inf, 0) is
    # incomparable with (-inf, 5) and dominates (inf, inf).
    F = [[INF, 0], [0, INF], [INF, INF], [-INF, 5]]
    np.testing.assert_array_equal(ref_impl.non_dominated_sort(F), [0, 1, 2, 0])
    np.testing.assert_array_equal(ref_impl.nondominated(F), [True, False, False, True])


def test_sort_one_objective_by_hand():
    np.testing.assert_array_equal(ref_impl.non_dominated_sort([[3], [1], [2], [1]]), [2, 0, 1, 0])


def test_sort_empty():
    assert ref_impl.non_dominated_sort(np.zeros((0, 3))).shape == (0,)
    assert ref_impl.nondominated(np.zeros((0, 3))).shape == (0,)


def test_nondominated_by_hand():
    np.testing.assert_array_equal(ref_impl.nondominated(SMALL), [True, True, False, False, True])


def test_check_ranks_accepts_right_and_rejects_wrong():
    ref_impl.check_ranks(SMALL, [0, 0, 1, 2, 0])
    for wrong in ([0, 0, 1, 1, 0], [0, 0, 2, 3, 0], [0, 1, 1, 2, 0], [0, 0, 1, 2, 1], [1, 1, 2, 3, 1]):
        with pytest.raises(AssertionError):
            ref_impl.check_ranks(SMALL, wrong)


@given(objective_matrices(n=(0, 20), m=(1, 5), infinities=(INF, -INF)))
def test_peeling_sort_agrees_with_rank_identity(F):
    ranks = ref_impl.non_dominated_sort(F)
    ref_impl.check_ranks(F, ranks)
    np.testing.assert_array_equal(ref_impl.nondominated(F), ranks == 0)


@given(objective_matrices(n=(0, 20), m=(1, 4)), st.integers(0, 25))
def test_truncation_agrees_with_peeling(F, n_stop):
    full = ref_impl.non_dominated_sort(F)
    np.testing.assert_array_equal(ref_impl.non_dominated_sort(F, n_stop), ref_impl.truncate_ranks(full, n_stop))


# ----------------------------------------------------------------------------
# Crowding distance
# ----------------------------------------------------------------------------


def test_crowding_four_point_front_by_hand():
    # Front A(0,4) B(1,2) C(3,1) D(4,0); both ranges are 4.
    # x order A B C D: B gets (3-0)/4, C gets (4-1)/4.
    # y order D C B A: C gets (2-0)/4, B gets (4-1)/4.
    # Row 4 copies B (gets 0); row 5 is alone in front 1 (gets inf).
    F = [[0, 4], [1, 2], [3, 1], [4, 0], [1, 2], [5, 5]]
    np.testing.assert_allclose(ref_impl.crowding_distance(F), [INF, 1.5, 1.25, INF, 0.0, INF])


def test_crowding_two_distinct_points_with_copies():
    np.testing.assert_array_equal(ref_impl.crowding_distance([[0, 1], [1, 0], [0, 1]]), [INF, INF, 0.0])
    np.testing.assert_array_equal(ref_impl.crowding_distance([[2, 2], [2, 2], [2, 2]]), [INF, 0.0, 0.0])


def test_crowding_negative_zero_is_a_copy():
    np.testing.assert_array_equal(ref_impl.crowding_distance([[0.0, 1.0], [-0.0, 1.0], [1.0, 0.0]]), [INF, 0, INF])


def test_crowding_zero_range_objective():
    # Objective 0 is 0 everywhere: rows 0 and 2 are its extremes (ties by
    # index), row 1 gets 0. Objectives 1 and 2 (range 2) give row 1 (2-0)/2 each.
    F = [[0, 0, 2], [0, 1, 1], [0, 2, 0]]
    np.testing.assert_allclose(ref_impl.crowding_distance(F), [INF, 2.0, INF])


def test_crowding_infinite_range():
    # Objective 0 has range inf: extremes rows 0 and 3 get inf, others 0.
    # Objective 1: order rows 3 2 1 0, range 2: row 2 gets (-0.5+2)/2,
    # row 1 gets (0+1)/2.
    F = [[0, 0], [0.5, -0.5], [1, -1], [INF, -2]]
    np.testing.assert_allclose(ref_impl.crowding_distance(F), [INF, 0.5, 0.75, INF])


def test_crowding_ties_broken_by_index():
    # All in front 0 by decree. Objective 0: order rows 0 1 2 3 (rows 0 and 1
    # tie at 0, row 0 first): row 1 gets (1-0)/2, row 2 gets (2-0)/2.
    # Objective 1: order rows 2 0 1 3: row 0 gets (2-0)/3, row 1 gets (3-1)/3.
    F = [[0, 1], [0, 2], [1, 0], [2, 3]]
    np.testing.assert_allclose(ref_impl.crowding_distance(F, ranks=[0, 0, 0, 0]), [INF, 0.5 + 2 / 3, INF, INF])


def test_crowding_uses_given_fronts():
    # Fronts {0, 2} and {1}: each has at most two distinct points.
    F = [[0, 0], [1, 1], [2, 2]]
    np.testing.assert_array_equal(ref_impl.crowding_distance(F, ranks=[0, 1, 0]), [INF, INF, INF])


# ----------------------------------------------------------------------------
# Hypervolume
# ----------------------------------------------------------------------------

HV_METHODS = [ref_impl.hypervolume_inclusion_exclusion, ref_impl.hypervolume_grid]


@pytest.mark.parametrize("hv", HV_METHODS)
def test_hv_single_point(hv):
    assert hv([[1, 2]], [3, 5]) == 6.0  # (3-1) * (5-2)
    assert hv([[1, 2, -1]], [3, 5, 0]) == 6.0


@pytest.mark.parametrize("hv", HV_METHODS)
def test_hv_staircase_by_hand(hv):
    # (1,3) (2,2) (3,1) with ref (4,4): columns of width 1 and heights 1, 2, 3.
    F = [[1, 3], [2, 2], [3, 1]]
    assert hv(F, [4, 4]) == pytest.approx(6.0)
    # A dominated point, a copy, points on or beyond the boundary add nothing.
    more = F + [[2, 3], [2, 2], [1, 4], [4, 1], [5, 0], [INF, 0]]
    assert hv(more, [4, 4]) == pytest.approx(6.0)


@pytest.mark.parametrize("hv", HV_METHODS)
@pytest.mark.parametrize("m", range(1, 9))
def test_hv_unit_vectors(hv, m):
    # The cube [0, 2]^m minus [0, 1)^m, which no unit vector dominates.
    assert hv(np.eye(m), np.full(m, 2.0)) == pytest.approx(2.0**m - 1)


@pytest.mark.parametrize("hv", HV_METHODS)
def test_hv_one_objective(hv):
    assert hv([[3], [1], [2]], [5]) == 4.0
    assert hv([[6], [5]], [5]) == 0.0


@pytest.mark.parametrize("hv", HV_METHODS)
def test_hv_empty_and_outside(hv):
    assert hv(np.zeros((0, 3)), [1, 1, 1]) == 0.0
    assert hv([[1, 4], [4, 1], [INF, 0]], [4, 4]) == 0.0


@pytest.mark.parametrize("hv", HV_METHODS)
def test_hv_maximize(hv):
    assert hv([[3, 3], [2, 4]], [1, 1], maximize=True) == pytest.approx(2 * 2 + 1 * 1)


@given(hv_problems(n=(0, 9), m=(1, 6)))
def test_inclusion_exclusion_equals_grid(problem):
    F, ref = problem
    a = ref_impl.hypervolume_inclusion_exclusion(F, ref)
    b = ref_impl.hypervolume_grid(F, ref)
    scale = ref_impl.mc_box_volume(F, ref)
    assert a == pytest.approx(b, rel=1e-9, abs=1e-9 * scale)


def test_grid_linear_front():
    # n points (i/(n+1), 1 - i/(n+1)) with ref (1, 1): n columns of width
    # 1/(n+1) and heights i/(n+1), so HV = n / (2 (n+1)).
    for n in (1, 2, 5, 50):
        x = np.arange(1, n + 1) / (n + 1)
        assert ref_impl.hypervolume_grid(np.column_stack([x, 1 - x]), [1, 1]) == pytest.approx(n / (2 * (n + 1)))


def test_contributions_staircase_by_hand():
    # Each staircase point alone covers a unit square; the dominated point,
    # the copies and the outside point cover nothing alone.
    F = [[1, 3], [2, 2], [3, 1], [2, 3], [1, 3], [1, 3], [5, 0]]
    expected = [0, 1, 1, 0, 0, 0, 0]
    for hv in HV_METHODS:
        np.testing.assert_allclose(ref_impl.hv_contributions(F, [4, 4], hv=hv), expected, atol=1e-12)
    np.testing.assert_array_equal(ref_impl.has_positive_contribution(F, [4, 4]), np.array(expected) > 0)


def test_contributions_unit_vectors():
    # e_i alone covers {x_i >= 1, x_k < 1 for k != i}: a unit cube.
    for m in (2, 3, 4):
        np.testing.assert_allclose(ref_impl.hv_contributions(np.eye(m), np.full(m, 2.0)), np.ones(m))


def test_has_positive_contribution_weak_dominance():
    # (1, 2) is weakly dominated by (1, 1) (equal in one objective).
    np.testing.assert_array_equal(ref_impl.has_positive_contribution([[1, 1], [1, 2]], [3, 3]), [True, False])


def test_mc_box_volume():
    # Ideal of the two inside points is (1, 1); (0, 9) is outside ref.
    assert ref_impl.mc_box_volume([[1, 2], [2, 1], [0, 9]], [3, 4]) == 6.0
    assert ref_impl.mc_box_volume([[5, 5]], [3, 4]) == 0.0
    assert ref_impl.mc_box_volume([[2, 2]], [1, 1], maximize=True) == 1.0


def test_oracles_do_not_mutate():
    F = np.array([[1.0, 3.0], [2.0, 2.0]])
    copy = F.copy()
    ref_impl.non_dominated_sort(F)
    ref_impl.crowding_distance(F)
    ref_impl.hypervolume_grid(F, [4, 4], maximize=False)
    ref_impl.hypervolume_inclusion_exclusion(F, [0, 0], maximize=True)
    ref_impl.hv_contributions(F, [4, 4])
    np.testing.assert_array_equal(F, copy)
    assert math.isfinite(ref_impl.hypervolume_grid(F, [4, 4]))


@given(hv_problems(n=(0, 10), m=(1, 5), kind="grid"))
def test_positive_contribution_mask_agrees_with_leave_one_out(problem):
    # Integer coordinates make every volume exact, so the leave-one-out
    # difference is exactly 0 or at least 1.
    F, ref = problem
    loo = ref_impl.hv_contributions(F, ref)
    np.testing.assert_array_equal(loo > 0, ref_impl.has_positive_contribution(F, ref))
    assert np.all(loo >= 0)
