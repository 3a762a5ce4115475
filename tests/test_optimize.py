"""`minimize`: the history's hypervolume (known front or user reference) and
hypervolume-stagnation termination."""

from __future__ import annotations

import numpy as np
import pytest

from evonas.algorithms import NSGA2
from evonas.indicators import hypervolume
from evonas.optimize import minimize
from evonas.pareto import nondominated
from evonas.problems import DTLZ2, ZDT1, Problem


class _Constant(Problem):
    """Every genome maps to the same point: the front never improves."""

    def __init__(self) -> None:
        super().__init__(n_var=2, n_obj=2, xl=0.0, xu=1.0)

    def _evaluate(self, X, out):
        out["F"] = np.full((X.shape[0], 2), 0.5)


def test_history_hv_uses_the_user_reference_in_raw_space():
    problem = DTLZ2(n_var=7, n_obj=5)
    ref = np.full(5, 2.5)
    seen = []
    res = minimize(problem, NSGA2(pop_size=16), ("n_gen", 4), seed=2, hv_ref=ref, callback=lambda a: seen.append(a.F.copy()))
    assert [r.n_gen for r in res.history] == [1, 2, 3, 4]
    for record, F in zip(res.history, seen):
        front = F[nondominated(F).astype(bool)]
        assert record.hv == pytest.approx(hypervolume(front, ref), rel=1e-12)
        assert record.hv > 0


def test_history_hv_is_none_without_reference_for_many_objectives():
    res = minimize(DTLZ2(n_var=7, n_obj=5), NSGA2(pop_size=8), ("n_gen", 2), seed=0)
    assert all(r.hv is None for r in res.history)


def test_history_hv_counts_only_feasible_points():
    class Infeasible(_Constant):
        def __init__(self) -> None:
            Problem.__init__(self, n_var=2, n_obj=2, n_ieq_constr=1, xl=0.0, xu=1.0)

        def _evaluate(self, X, out):
            out["F"] = X.copy()
            out["G"] = np.ones((X.shape[0], 1))

    res = minimize(Infeasible(), NSGA2(pop_size=6), ("n_gen", 2), seed=0, hv_ref=[2.0, 2.0])
    assert [r.hv for r in res.history] == [0.0, 0.0]


def test_hv_stagnation_stops_a_run_that_no_longer_improves():
    res = minimize(_Constant(), NSGA2(pop_size=6), [("hv_stagnation", 3), ("n_gen", 50)], seed=0, hv_ref=[1.0, 1.0])
    # Generation 1 sets the volume; the window of 3 later generations shows no growth.
    assert res.n_gen == 4
    assert {r.hv for r in res.history} == {0.25}


def test_hv_stagnation_lets_an_improving_run_continue():
    res = minimize(ZDT1(n_var=5), NSGA2(pop_size=20), [("hv_stagnation", 5, 0.0), ("n_gen", 12)], seed=1)
    hv = [r.hv for r in res.history]
    # Stopped by n_gen unless 5 generations in a row brought no gain at all.
    stalled = any(hv[i + 5] - hv[i] <= 0 for i in range(len(hv) - 5))
    assert res.n_gen == 12 or stalled
    assert hv[-1] > hv[0]


def test_zero_volume_is_not_stagnation():
    # Nothing dominates this reference: the volume stays 0 and the run goes on.
    res = minimize(_Constant(), NSGA2(pop_size=6), [("hv_stagnation", 2), ("n_gen", 6)], seed=0, hv_ref=[0.1, 0.1])
    assert res.n_gen == 6 and {r.hv for r in res.history} == {0.0}


def test_hv_stagnation_with_tolerance_stops_earlier_than_without():
    loose = minimize(ZDT1(n_var=10), NSGA2(pop_size=20), [("hv_stagnation", 3, 0.5), ("n_gen", 40)], seed=1)
    strict = minimize(ZDT1(n_var=10), NSGA2(pop_size=20), [("hv_stagnation", 3, 0.0), ("n_gen", 40)], seed=1)
    assert loose.n_gen <= strict.n_gen
    assert loose.n_gen < 40


@pytest.mark.parametrize(
    "termination, match",
    [
        (("hv_stagnation", 0), "window"),
        (("hv_stagnation", 3, -1.0), "tolerance"),
        (("hv_stagnation", 3, float("nan")), "tolerance"),
        (("n_gen", 3, 1.0), "entries"),
        (("hv_stagnation", 2.5), "int"),
    ],
)
def test_bad_stagnation_termination(termination, match):
    with pytest.raises((TypeError, ValueError), match=match):
        minimize(ZDT1(n_var=3), NSGA2(pop_size=4), termination, hv_ref=[2.0, 2.0])


def test_stagnation_without_a_hypervolume_is_refused():
    with pytest.raises(ValueError, match="hv_ref"):
        minimize(DTLZ2(n_var=7, n_obj=5), NSGA2(pop_size=4), ("hv_stagnation", 3))


@pytest.mark.parametrize("ref, match", [([1.0], "length 2"), ([1.0, np.inf], "finite"), ("a", "hv_ref")])
def test_bad_hv_ref(ref, match):
    with pytest.raises((TypeError, ValueError), match=match):
        minimize(ZDT1(n_var=3), NSGA2(pop_size=4), ("n_gen", 1), hv_ref=ref)
