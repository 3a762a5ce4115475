"""MOEA/D: decomposition, neighbourhoods, convergence, constraints, replacement
limits, reproducibility and bad input."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from evonas import MOEAD, das_dennis, minimize
from evonas.algorithms.moead import decompose
from evonas.indicators import hypervolume
from evonas.operators import SBX
from evonas.problems import DTLZ1, DTLZ2, ZDT1, Problem
from evonas.space import Space


def test_decompose_by_hand():
    F = np.array([[3.0, 1.0], [1.0, 2.0]])
    ideal = np.array([1.0, 0.0])
    W = np.array([[0.5, 0.5], [1.0, 0.0]])
    # Tchebycheff: max(0.5 * 2, 0.5 * 1) = 1; max(1 * 0, 1e-6 * 2) = 2e-6 (zero weight floored).
    np.testing.assert_allclose(decompose(F, W, ideal, "tchebycheff"), [1.0, 2e-6])
    # PBI along (1, 1)/sqrt(2) from (1, 0): (2, 1) -> d1 = 3/sqrt(2), d2 = 1/sqrt(2); along (1, 0): (0, 2) -> d1 0, d2 2.
    np.testing.assert_allclose(decompose(F, W, ideal, "pbi"), [3 / np.sqrt(2) + 5 / np.sqrt(2), 10.0])
    np.testing.assert_allclose(decompose(F, W, ideal, "pbi", theta=0.0), [3 / np.sqrt(2), 0.0])


def test_neighbourhoods_are_the_nearest_directions_self_first():
    W = das_dennis(3, 6)
    algo = MOEAD(W, n_neighbors=7)
    unit = W / np.linalg.norm(W, axis=1, keepdims=True)
    for i, hood in enumerate(algo.neighbors):
        assert hood[0] == i and len(set(hood.tolist())) == 7
        d = np.linalg.norm(unit - unit[i], axis=1)
        assert d[hood].max() <= np.sort(d)[6] + 1e-12
    assert MOEAD(das_dennis(2, 4), n_neighbors=20).n_neighbors == 5  # capped at the population


def test_defaults():
    algo = MOEAD(das_dennis(3, 12))
    assert algo.pop_size == 91 and algo.n_offsprings == 91 and algo.eliminate_duplicates is False
    assert MOEAD(das_dennis(3, 12), n_offsprings=1).n_offsprings == 1
    assert (algo.variation.real_crossover.eta, algo.variation.real_crossover.prob) == (20.0, 1.0)
    assert algo.method == "pbi" and MOEAD(das_dennis(2, 9)).method == "tchebycheff"
    assert MOEAD(das_dennis(3, 4), crossover=SBX(eta=5)).variation.real_crossover.eta == 5.0
    assert "MOEAD(n_ref_dirs=91" in repr(algo)


def test_zdt1_converges():
    problem, ref = ZDT1(n_var=10), np.array([1.1, 1.1])
    res = minimize(problem, MOEAD(das_dennis(2, 99)), ("n_gen", 200), seed=3)
    assert hypervolume(res.F, ref) >= 0.98 * problem.optimal_hypervolume(ref)


def test_dtlz2_reaches_the_sphere_and_covers_it():
    W = das_dennis(3, 12)
    res = minimize(DTLZ2(), MOEAD(W), ("n_gen", 150), seed=1)
    assert np.abs(np.linalg.norm(res.algorithm.F, axis=1) - 1.0).max() < 0.02
    # The best 91 points: the directions projected on the sphere.
    best = hypervolume(W / np.linalg.norm(W, axis=1, keepdims=True), [1.1] * 3)
    assert hypervolume(res.F, [1.1] * 3) >= 0.98 * best


class _Simplex(Problem):
    """min (x0, x1) subject to x0 + x1 >= 1: the front is the segment x0 + x1 = 1."""

    def __init__(self) -> None:
        super().__init__(n_var=2, n_obj=2, n_ieq_constr=1, xl=0.0, xu=1.0)

    def _evaluate(self, X, out):
        out["F"] = X.copy()
        out["G"] = (1.0 - X.sum(axis=1))[:, None]


def test_constrained_result_is_feasible_and_on_the_front():
    res = minimize(_Simplex(), MOEAD(das_dennis(2, 19)), ("n_gen", 80), seed=2)
    assert (res.algorithm.cv == 0).all()
    gap = np.abs(res.algorithm.F.sum(axis=1) - 1.0)  # 12 seeds: median <= 0.0082, worst <= 0.046
    assert np.median(gap) < 0.02 and gap.max() < 0.1


def test_failed_evaluations_are_replaced_and_never_returned():
    class Flaky(DTLZ2):
        def _evaluate(self, X, out):
            super()._evaluate(X, out)
            out["F"][X[:, 3] > 0.7, 0] = np.nan
            out["F"][X[:, 4] > 0.8, 1] = np.inf

    res = minimize(Flaky(), MOEAD(das_dennis(3, 4)), ("n_gen", 30), seed=2)
    assert np.isfinite(res.F).all() and np.isfinite(res.algorithm.F).all()
    assert np.isfinite(res.algorithm.ideal).all()


@pytest.mark.parametrize(("n_replace", "copies"), [(None, 6), (1, 1), (3, 3)])
def test_a_child_replaces_at_most_n_replace_neighbours(n_replace, copies):
    algo = MOEAD(das_dennis(2, 9), n_neighbors=6, n_replace=n_replace)
    algo.setup(Space.from_bounds([0.0, 0.0], [1.0, 1.0]), seed=5)
    algo.ask()
    algo.tell(np.ones((10, 2)))
    children = algo.ask()
    sub = algo._bred[0]  # the sub-problem child 0 was bred for
    F = np.full((10, 2), 2.0)
    F[0] = 0.0  # child 0 improves every sub-problem; the others improve none
    algo.tell(F)
    assert np.all(algo.X == children[0], axis=1).sum() == copies
    assert np.isin(np.flatnonzero(np.all(algo.X == children[0], axis=1)), algo.neighbors[sub]).all()


def test_a_child_copying_a_member_gives_way_to_a_new_one():
    problem = ZDT1(n_var=4)
    algo = MOEAD(das_dennis(2, 5)).setup(problem, seed=3)
    algo.tell(problem.evaluate(algo.ask())[0])
    X = algo.X
    n = X.shape[0]
    fresh = np.full((n, 4), 0.5) + np.arange(n)[:, None] * 1e-3  # no member has these
    crafted = {
        "copy, then new": (np.stack([X[0]] * n), fresh),
        "new, then copy": (fresh, np.stack([X[1]] * n)),
        "both copies": (np.stack([X[2]] * n), np.stack([X[3]] * n)),
    }
    real = algo._where.children
    for name, (first, second) in crafted.items():
        children = np.empty((2 * n, 4))
        children[0::2], children[1::2] = first, second
        algo._where.children = lambda *args, children=children: children.copy()
        asked = algo.ask()
        algo._where.children = real
        if name == "both copies":  # either, as drawn
            assert all(any(np.array_equal(row, X[j]) for j in (2, 3)) for row in asked), name
        else:
            np.testing.assert_array_equal(asked, fresh, err_msg=name)
        algo._pending = None  # ask again from the same state


def test_batches_sweep_every_sub_problem_once():
    algo = MOEAD(das_dennis(2, 9), n_offsprings=4).setup(ZDT1(n_var=3), seed=1)
    problem = ZDT1(n_var=3)
    algo.tell(problem.evaluate(algo.ask())[0])
    seen = []
    for _ in range(6):  # two sweeps of 10 sub-problems in batches of 4, 4, 2
        X = algo.ask()
        seen.append(algo._bred.copy())
        assert len(X) == len(algo._bred)
        algo.tell(problem.evaluate(X)[0])
    assert [len(b) for b in seen] == [4, 4, 2, 4, 4, 2]
    for sweep in (seen[:3], seen[3:]):
        assert sorted(np.concatenate(sweep).tolist()) == list(range(10))
    assert algo.n_eval == 10 + 20


def test_classic_one_child_at_a_time_converges():
    problem, ref = ZDT1(n_var=10), np.array([1.1, 1.1])
    res = minimize(problem, MOEAD(das_dennis(2, 49), n_offsprings=1), ("n_eval", 50 * 120), seed=2)
    assert hypervolume(res.F, ref) >= 0.97 * problem.optimal_hypervolume(ref)


def test_same_seed_same_result_and_pickle_resume():
    W = das_dennis(3, 5)
    a = minimize(DTLZ1(), MOEAD(W), ("n_gen", 10), seed=7)
    b = minimize(DTLZ1(), MOEAD(W), ("n_gen", 10), seed=7)
    np.testing.assert_array_equal(a.pop_X, b.pop_X)
    assert not np.array_equal(a.pop_X, minimize(DTLZ1(), MOEAD(W), ("n_gen", 10), seed=8).pop_X)
    part = minimize(DTLZ1(), MOEAD(W), ("n_gen", 4), seed=7).algorithm
    pending = part.ask()
    part = pickle.loads(pickle.dumps(part))
    np.testing.assert_array_equal(part.ask(), pending)
    part = minimize(DTLZ1(), part, ("n_gen", 10)).algorithm
    for name in ("X", "F", "G", "cv", "ideal"):
        np.testing.assert_array_equal(getattr(part, name), getattr(a.algorithm, name))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_neighbors": 1}, ValueError, "n_neighbors"),
        ({"prob_neighbor_mating": 1.5}, ValueError, "prob_neighbor_mating"),
        ({"decomposition": "weighted-sum"}, ValueError, "'decomposition' must be one of"),
        ({"n_replace": 0}, ValueError, "n_replace"),
        ({"selection": None}, TypeError, "takes no 'selection'"),
        ({"n_offsprings": 0}, ValueError, "n_offsprings"),
        ({"n_offsprings": 16}, ValueError, "at most the 15 sub-problems"),
        ({"device": "cuda"}, TypeError, "takes no 'device'"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        MOEAD(das_dennis(3, 4), **kwargs)


def test_bad_setup_and_select_pending():
    with pytest.raises(ValueError, match="at least 2 directions"):
        MOEAD([[1.0, 0.0]])
    with pytest.raises(ValueError, match="3 objectives but 'ref_dirs' has 2 columns"):
        MOEAD(das_dennis(2, 4)).setup(DTLZ2(), seed=0)
    algo = MOEAD(das_dennis(2, 4)).setup(ZDT1(), seed=0)
    algo.ask()
    with pytest.raises(NotImplementedError, match="every sub-problem's child"):
        algo.select_pending([0, 1])
