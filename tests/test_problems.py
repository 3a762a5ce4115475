"""evonas.problems: the Problem interface, ZDT and DTLZ values, fronts and hypervolumes."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from evonas.problems import (
    DTLZ1,
    DTLZ2,
    DTLZ3,
    DTLZ4,
    DTLZ5,
    DTLZ6,
    DTLZ7,
    ZDT1,
    ZDT2,
    ZDT3,
    ZDT4,
    ZDT6,
    Problem,
    get_problem,
)
from evonas.space import Categorical, Integer, Real, Space

ZDTS = [ZDT1, ZDT2, ZDT3, ZDT4, ZDT6]
DTLZS = [DTLZ1, DTLZ2, DTLZ3, DTLZ4, DTLZ5, DTLZ6, DTLZ7]
# Every built-in in a few shapes: (class, constructor keywords).
BUILTINS = [(c, {}) for c in ZDTS] + [(c, {"n_obj": m}) for c in DTLZS for m in (2, 3, 5)]
IDS = [f"{c.__name__}-{kw.get('n_obj', 2)}" for c, kw in BUILTINS]


def dominated_rows(F: np.ndarray) -> np.ndarray:
    """Rows of F dominated by another row (brute force)."""
    le = (F[:, None, :] <= F[None, :, :]).all(axis=2)
    lt = (F[:, None, :] < F[None, :, :]).any(axis=2)
    return np.flatnonzero((le & lt).any(axis=0))


def random_x(problem: Problem, n: int, seed: int) -> np.ndarray:
    return problem.xl + np.random.default_rng(seed).random((n, problem.n_var)) * (problem.xu - problem.xl)


# ----------------------------------------------------------------------------
# Against pymoo
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(("cls", "kw"), BUILTINS, ids=IDS)
def test_values_match_pymoo(cls, kw):
    pymoo_problems = pytest.importorskip("pymoo.problems")
    ours = cls(**kw)
    theirs = pymoo_problems.get_problem(cls.__name__.lower(), n_var=ours.n_var, **kw)
    np.testing.assert_array_equal(ours.xl, theirs.xl)
    np.testing.assert_array_equal(ours.xu, theirs.xu)
    X = random_x(ours, 64, seed=ours.n_var)
    X[:4] = np.clip(np.round(X[:4]), ours.xl, ours.xu)  # corners: zeros and ones in the products
    F, G = ours.evaluate(X)
    np.testing.assert_allclose(F, theirs.evaluate(X), rtol=1e-12, atol=1e-12)
    assert G.shape == (64, 0)


# ----------------------------------------------------------------------------
# Definitions: sizes, optima on the front
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("problem", "n_var", "n_obj"),
    [
        (ZDT1(), 30, 2), (ZDT2(), 30, 2), (ZDT3(), 30, 2), (ZDT4(), 10, 2), (ZDT6(), 10, 2),
        (DTLZ1(), 7, 3), (DTLZ2(), 12, 3), (DTLZ3(), 12, 3), (DTLZ4(), 12, 3), (DTLZ5(), 12, 3),
        (DTLZ6(), 12, 3), (DTLZ7(), 22, 3), (DTLZ1(n_obj=5), 9, 5), (DTLZ7(n_obj=4), 23, 4),
        (DTLZ2(n_obj=4, n_var=6), 6, 4), (ZDT1(n_var=5), 5, 2),
    ],
)  # fmt: skip
def test_default_sizes(problem, n_var, n_obj):
    assert (problem.n_var, problem.n_obj, problem.n_ieq_constr) == (n_var, n_obj, 0)
    assert problem.space.names[0] == "x0" and len(problem.space) == n_var


def test_zdt4_bounds():
    p = ZDT4()
    assert p.xl.tolist() == [0.0] + [-5.0] * 9
    assert p.xu.tolist() == [1.0] + [5.0] * 9


def on_front_x(problem: Problem, n: int, seed: int) -> np.ndarray:
    """Optimal solutions: position variables random, distance variables at their optimum."""
    X = np.random.default_rng(seed).random((n, problem.n_var))
    if isinstance(problem, (ZDT1, ZDT2, ZDT3, ZDT4, ZDT6)):
        X[:, 1:] = 0.0
    else:
        X[:, problem.n_obj - 1 :] = 0.0 if isinstance(problem, (DTLZ6, DTLZ7)) else 0.5
    return X


@pytest.mark.parametrize(("cls", "kw"), BUILTINS, ids=IDS)
def test_optimal_solutions_lie_on_the_front(cls, kw):
    p = cls(**kw)
    F, _ = p.evaluate(on_front_x(p, 200, seed=1))
    m = p.n_obj
    if cls in (ZDT1, ZDT4):
        np.testing.assert_allclose(F[:, 1], 1 - np.sqrt(F[:, 0]), atol=1e-12)
    elif cls in (ZDT2, ZDT6):
        np.testing.assert_allclose(F[:, 1], 1 - F[:, 0] ** 2, atol=1e-12)
        if cls is ZDT6:
            assert F[:, 0].min() >= p.pareto_front(2)[0, 0] - 1e-12
    elif cls is ZDT3:
        np.testing.assert_allclose(F[:, 1], 1 - np.sqrt(F[:, 0]) - F[:, 0] * np.sin(10 * np.pi * F[:, 0]), atol=1e-12)
    elif cls is DTLZ1:
        np.testing.assert_allclose(F.sum(axis=1), 0.5, atol=1e-12)
    elif cls in (DTLZ2, DTLZ3, DTLZ4, DTLZ5, DTLZ6):
        np.testing.assert_allclose((F**2).sum(axis=1), 1.0, atol=1e-12)
        if cls in (DTLZ5, DTLZ6) and m > 2:  # the degenerate curve: f_1 = f_2 = ... scaled by sqrt(2)
            np.testing.assert_allclose(F[:, 0], F[:, 1], atol=1e-12)
    else:  # DTLZ7: f_M = 2 (M - sum f_i / 2 (1 + sin(3 pi f_i)))
        head = F[:, :-1]
        np.testing.assert_allclose(F[:, -1], 2 * m - (head * (1 + np.sin(3 * np.pi * head))).sum(axis=1), atol=1e-12)


@pytest.mark.parametrize("cls", [ZDT1, ZDT2, ZDT4, ZDT6, DTLZ1, DTLZ2, DTLZ5])
def test_optimal_solutions_are_not_dominated_by_the_front(cls):
    """No evaluated optimum is dominated by a front point: the front is not beyond the reachable one."""
    p = cls()
    front = p.pareto_front(400)
    F, _ = p.evaluate(on_front_x(p, 50, seed=2))
    both = np.vstack([front, F])
    assert not np.isin(dominated_rows(both), np.arange(len(front), len(both))).any()


# ----------------------------------------------------------------------------
# Pareto fronts
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(("cls", "kw"), BUILTINS, ids=IDS)
@pytest.mark.parametrize("n_points", [1, 7, 100, 500])
def test_pareto_front_is_mutually_non_dominated(cls, kw, n_points):
    p = cls(**kw)
    front = p.pareto_front(n_points)
    assert front.dtype == np.float64 and front.ndim == 2 and front.shape[1] == p.n_obj
    assert len(front) >= 1
    assert dominated_rows(front).size == 0
    assert len(np.unique(front, axis=0)) == len(front)


def test_pareto_front_sizes():
    assert ZDT3().pareto_front(137).shape == (137, 2)
    assert DTLZ1().pareto_front(100).shape == (91, 3)  # 12 partitions
    assert DTLZ2().pareto_front(91).shape == (91, 3)
    assert DTLZ2(n_obj=5).pareto_front(2).shape == (5, 5)  # never fewer than the corners
    assert DTLZ5().pareto_front(64).shape == (64, 3)
    assert DTLZ7().pareto_front(100).shape == (100, 3)  # 10 x 10 grid
    assert DTLZ7(n_obj=4).pareto_front(1000).shape == (1000, 4)
    with pytest.raises(ValueError, match="'n_points' must be a positive int"):
        ZDT1().pareto_front(0)


def test_zdt3_front_has_five_pieces():
    f1 = ZDT3().pareto_front(1000)[:, 0]
    gaps = np.diff(f1)
    assert (gaps > 0.05).sum() == 4  # four gaps between five pieces
    assert f1[0] == 0.0 and f1[-1] == pytest.approx(0.8518328654)


def test_pareto_front_matches_evaluated_optima():
    """Each front point is reached by some x (the front is not just self-consistent)."""
    p = DTLZ2()
    front = p.pareto_front(50)
    polar = np.arctan2(np.hypot(front[:, 0], front[:, 1]), front[:, 2])
    azimuth = np.arctan2(front[:, 1], front[:, 0])
    # f3 = sin(pi/2 x0) -> x0 = 1 - 2 theta_polar / pi; f2/f1 = tan(pi/2 x1)
    X = np.full((len(front), p.n_var), 0.5)
    X[:, 0] = 1 - 2 * polar / np.pi
    X[:, 1] = 2 * azimuth / np.pi
    np.testing.assert_allclose(p.evaluate(X)[0], front, atol=1e-12)


# ----------------------------------------------------------------------------
# Optimal hypervolume
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("problem", "ref", "expected"),
    [
        (ZDT1(), [1.0, 1.0], 2 / 3),
        (ZDT1(), [1.1, 1.1], 1.21 - 1 / 3),
        (ZDT2(), [1.0, 1.0], 1 / 3),
        (ZDT4(), [2.0, 3.0], 6 - 1 / 3),
        # f2 < 0.5 from f1 = 0.25 on: r2 (r1 - 0.25) minus the integral of 1 - sqrt(f1)
        (ZDT1(), [0.64, 0.5], 0.5 * 0.39 - ((0.64 - 2 / 3 * 0.8**3) - (0.25 - 2 / 3 * 0.5**3))),
        (ZDT1(), [0.2, 0.5], 0.0),
        (ZDT1(), [-1.0, 2.0], 0.0),
        (DTLZ1(), [1.0, 1.0, 1.0], 1 - 0.5**3 / 6),
        # box minus the trapezoid under f1 + f2 = 0.5
        (DTLZ1(n_obj=2), [0.25, 1.0], 0.25 - 0.25 * 0.25 / 2 - 0.25 * 0.25),
        (DTLZ1(n_obj=4), [1.0, 2.0, 1.0, 1.0], 2 - 0.5**4 / 24),
        (DTLZ1(), [0.5, 0.5, 0.0], 0.0),
        (DTLZ2(), [1.0, 1.0, 1.0], 1 - math.pi / 6),
        (DTLZ3(n_obj=4), [1.0, 1.0, 1.0, 1.0], 1 - math.pi**2 / 32),
        (DTLZ4(n_obj=2), [1.0, 1.0], 1 - math.pi / 4),
        (DTLZ2(n_obj=2), [0.5, 2.0], 0.5 * 2 - (0.25 * math.sqrt(0.75) + 0.5 * math.asin(0.5))),
        (DTLZ5(n_obj=2), [1.0, 1.0], 1 - math.pi / 4),
        (DTLZ6(), [0.0, 1.0, 1.0], 0.0),
    ],
)  # fmt: skip
def test_optimal_hypervolume_closed_forms(problem, ref, expected):
    assert problem.optimal_hypervolume(ref) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def _mc_dominated_fraction(front_lower_envelope, ref, n, seed):
    Y = np.random.default_rng(seed).random((n, len(ref))) * ref
    return front_lower_envelope(Y).mean() * np.prod(ref)


@pytest.mark.parametrize(
    ("problem", "ref", "dominated"),
    [
        # membership of a point y in the dominated region, from each front's definition
        (DTLZ5(), [1.1, 0.9, 1.2], lambda Y: Y[:, 2] ** 2 >= 1 - 2 * np.minimum(Y[:, 0], Y[:, 1]) ** 2),
        (DTLZ1(), [0.3, 0.4, 0.6], lambda Y: Y.sum(axis=1) >= 0.5),
        (DTLZ2(), [1.2, 1.5, 1.1], lambda Y: (Y**2).sum(axis=1) >= 1),
    ],
)  # fmt: skip
def test_optimal_hypervolume_against_monte_carlo(problem, ref, dominated):
    ref = np.array(ref)
    estimate = _mc_dominated_fraction(dominated, ref, 2_000_000, seed=0)
    sigma = np.prod(ref) * 0.5 / np.sqrt(2_000_000)
    assert abs(problem.optimal_hypervolume(ref) - estimate) < 5 * sigma


@pytest.mark.parametrize(
    ("problem", "ref"),
    [
        (ZDT1(), [1.1, 1.1]), (ZDT3(), [1.1, 1.1]), (ZDT3(), [0.5, 0.3]), (ZDT6(), [1.1, 1.1]), (ZDT6(), [0.5, 0.9]),
        (DTLZ2(n_obj=2), [0.8, 0.9]), (DTLZ7(n_obj=2), [1.1, 4.4]), (DTLZ7(n_obj=2), [0.7, 3.5]),
        (DTLZ1(n_obj=2), [0.3, 0.4]),
    ],
)  # fmt: skip
def test_optimal_hypervolume_is_the_limit_of_dense_fronts_2d(problem, ref):
    """Staircase areas of ever denser fronts approach the exact value from below."""
    ref = np.array(ref)

    def staircase(F):  # exact 2-D hypervolume of a point set, sorted by f1
        F = F[(F < ref).all(axis=1)]
        F = F[np.argsort(F[:, 0])]
        best = np.minimum.accumulate(np.concatenate([[ref[1]], F[:, 1]]))[:-1]
        return float(np.sum((ref[0] - F[:, 0]) * np.maximum(best - F[:, 1], 0)))

    exact = problem.optimal_hypervolume(ref)
    coarse, fine = staircase(problem.pareto_front(2_000)), staircase(problem.pareto_front(200_000))
    assert coarse <= fine <= exact + 1e-12
    assert exact - fine < 1e-4 * exact
    assert exact - fine < 0.02 * (exact - coarse) + 1e-12


@pytest.mark.parametrize("ref", [[1.1, 1.1, 6.6], [0.7, 1.1, 6.6], [0.2, 0.9, 7.0]])
def test_dtlz7_hypervolume_against_monte_carlo(ref):
    # y is dominated iff y_3 >= 6 - Psi(y_1) - Psi(y_2), Psi the running max of t (1 + sin(3 pi t)) on [0, 1]
    t = np.linspace(0, 1, 200_001)
    Psi = np.maximum.accumulate(t * (1 + np.sin(3 * np.pi * t)))

    def dominated(Y):
        return Y[:, 2] >= 6 - np.interp(Y[:, 0], t, Psi) - np.interp(Y[:, 1], t, Psi)

    ref = np.array(ref)
    n = 1_000_000
    estimate = _mc_dominated_fraction(dominated, ref, n, seed=1)
    sigma = np.prod(ref) * 0.5 / np.sqrt(n)
    assert abs(DTLZ7().optimal_hypervolume(ref) - estimate) < 5 * sigma


def test_optimal_hypervolume_against_evonas_hypervolume():
    evonas = pytest.importorskip("evonas")
    p = DTLZ2()
    ref = np.array([1.1, 1.1, 1.1])
    approx = evonas.hypervolume(p.pareto_front(5000), ref)
    exact = p.optimal_hypervolume(ref)
    assert 0.99 * exact < approx < exact


def test_optimal_hypervolume_unsupported_cases():
    with pytest.raises(ValueError, match=r"'ref' must be >= 1 in every objective"):
        DTLZ2().optimal_hypervolume([0.9, 1.1, 1.1])
    with pytest.raises(ValueError, match=r"'ref'\[-1\] must be >= 6"):
        DTLZ7().optimal_hypervolume([1.0, 1.0, 5.0])
    with pytest.raises(NotImplementedError, match="n_obj <= 3"):
        DTLZ5(n_obj=4).optimal_hypervolume([1.0] * 4)
    with pytest.raises(ValueError, match="'ref' must have length 2"):
        ZDT1().optimal_hypervolume([1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="'ref' must be finite"):
        ZDT1().optimal_hypervolume([1.0, np.inf])


# ----------------------------------------------------------------------------
# The Problem interface
# ----------------------------------------------------------------------------


class Constrained(Problem):
    """Minimise (x0, x1) subject to x0 + x1 >= 1."""

    def __init__(self, **kw):
        super().__init__(n_var=2, n_obj=2, n_ieq_constr=1, xl=0.0, xu=[1.0, 2.0], **kw)

    def _evaluate(self, X, out):
        out["F"] = X.copy()
        out["G"] = (1.0 - X.sum(axis=1))[:, None]


class Broken(Problem):
    """Sets whatever outputs it is given, to exercise the output checks."""

    def __init__(self, outputs, n_ieq_constr=0):
        super().__init__(n_var=3, n_obj=2, n_ieq_constr=n_ieq_constr, xl=0.0, xu=1.0)
        self.outputs = outputs

    def _evaluate(self, X, out):
        out.update(self.outputs(len(X)))


def test_user_problem_with_constraints():
    p = Constrained()
    assert p.xl.tolist() == [0.0, 0.0] and p.xu.tolist() == [1.0, 2.0]
    X = np.array([[0.2, 0.3], [0.9, 0.5]])
    F, G = p.evaluate(X)
    np.testing.assert_array_equal(F, X)
    np.testing.assert_allclose(G, [[0.5], [-0.4]])
    assert F.dtype == G.dtype == np.float64


def test_evaluate_does_not_modify_x_and_accepts_any_layout():
    class Mutating(Problem):
        def __init__(self):
            super().__init__(n_var=2, n_obj=1, xl=0.0, xu=1.0)

        def _evaluate(self, X, out):
            X *= 2  # user code that scribbles on its input
            out["F"] = X[:, :1]

    X = np.asfortranarray([[0.1, 0.2], [0.3, 0.4]])
    before = X.copy()
    F, _ = Mutating().evaluate(X)
    np.testing.assert_array_equal(X, before)
    np.testing.assert_allclose(F[:, 0], [0.2, 0.6])
    F, _ = Mutating().evaluate(np.array([[0, 1]], dtype=np.int64))
    assert F.tolist() == [[0.0]]


def test_evaluate_empty_population():
    F, G = Constrained().evaluate(np.empty((0, 2)))
    assert F.shape == (0, 2) and G.shape == (0, 1)


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        (np.zeros((4, 29)), ValueError, r"'X' must have shape \(n, 30\), but it has shape \(4, 29\)"),
        (np.zeros(30), ValueError, r"'X' must have shape \(n, 30\).*X\[None, :\]"),
        (np.zeros((2, 3, 30)), ValueError, r"'X' must have shape \(n, 30\)"),
        ([["a"] * 30], TypeError, r"'X' must hold real numbers"),
    ],
)
def test_evaluate_rejects_bad_x(X, error, match):
    with pytest.raises(error, match=match):
        ZDT1().evaluate(X)


@pytest.mark.parametrize(
    ("outputs", "n_ieq", "error", "match"),
    [
        (lambda n: {}, 0, ValueError, r"Broken._evaluate must set out\['F'\]"),
        (lambda n: {"F": np.zeros((n, 3))}, 0, ValueError, r"out\['F'\] must have shape \(5, 2\).*\(5, 3\)"),
        (lambda n: {"F": np.zeros(n)}, 0, ValueError, r"out\['F'\] must have shape \(5, 2\)"),
        (lambda n: {"F": np.zeros((n + 1, 2))}, 0, ValueError, r"out\['F'\] must have shape \(5, 2\)"),
        (lambda n: {"F": [["a", "b"]] * n}, 0, TypeError, r"out\['F'\] must be a float array"),
        (lambda n: {"F": np.zeros((n, 2)), "G": np.zeros((n, 1))}, 0, ValueError, r"set out\['G'\].*n_ieq_constr=0"),
        (lambda n: {"F": np.zeros((n, 2))}, 2, ValueError, r"must set out\['G'\] \(n_ieq_constr=2\)"),
        (lambda n: {"F": np.zeros((n, 2)), "G": np.zeros((n, 1))}, 2, ValueError, r"out\['G'\] must have shape \(5, 2"),
    ],
)
def test_wrong_outputs_raise(outputs, n_ieq, error, match):
    with pytest.raises(error, match=match):
        Broken(outputs, n_ieq).evaluate(np.zeros((5, 3)))


def test_nan_objectives_pass_through():
    F, _ = Broken(lambda n: {"F": np.full((n, 2), np.nan)}).evaluate(np.zeros((2, 3)))
    assert np.isnan(F).all()


def test_problem_without_evaluate():
    class Lazy(Problem):
        pass

    with pytest.raises(NotImplementedError, match="Lazy must implement _evaluate"):
        Lazy(n_var=1, n_obj=1, xl=0, xu=1).evaluate(np.zeros((1, 1)))
    with pytest.raises(NotImplementedError, match="Pareto front of Lazy is not known"):
        Lazy(n_var=1, n_obj=1, xl=0, xu=1).pareto_front(10)
    with pytest.raises(NotImplementedError, match="optimal hypervolume of Lazy"):
        Lazy(n_var=1, n_obj=1, xl=0, xu=1).optimal_hypervolume([1.0])


def test_problem_over_a_mixed_space():
    space = Space([Real("lr", 1e-3, 1.0, log=True), Integer("depth", 1, 4), Categorical("act", ["a", "b"])])

    class Mixed(Problem):
        def __init__(self):
            super().__init__(n_obj=2, space=space)

        def _evaluate(self, X, out):
            out["F"] = np.column_stack([X[:, 0], X[:, 1] + X[:, 2]])

    p = Mixed()
    assert p.n_var == 3 and p.space is space
    np.testing.assert_array_equal(p.xu, [1.0, 4.0, 1.0])
    F, _ = p.evaluate(space.sample(8, seed=0))
    assert F.shape == (8, 2)


@pytest.mark.parametrize(
    ("kw", "error", "match"),
    [
        ({"n_var": 2, "n_obj": 0, "xl": 0, "xu": 1}, ValueError, r"'n_obj' must be a positive int"),
        ({"n_var": 2, "n_obj": 1.5, "xl": 0, "xu": 1}, TypeError, r"'n_obj' must be a positive int"),
        ({"n_var": 0, "n_obj": 1, "xl": 0, "xu": 1}, ValueError, r"'n_var' must be a positive int"),
        ({"n_var": 2, "n_obj": 1, "n_ieq_constr": -1, "xl": 0, "xu": 1}, ValueError, r"'n_ieq_constr' must be"),
        ({"n_var": 2, "n_obj": 1}, ValueError, r"give 'space', or both bounds"),
        ({"n_var": 2, "n_obj": 1, "xl": 0}, ValueError, r"give 'space', or both bounds"),
        ({"n_obj": 1, "xl": 0, "xu": 1}, TypeError, r"'n_var' is required"),
        ({"n_var": 2, "n_obj": 1, "xl": [0, 0, 0], "xu": 1}, ValueError, r"'xl' must be a scalar or have shape \(2,\)"),
        ({"n_var": 2, "n_obj": 1, "xl": 1, "xu": 0}, ValueError, r"gene 'x0': 'low' must be < 'high'"),
        ({"n_var": 2, "n_obj": 1, "xl": 0, "xu": np.inf}, ValueError, r"gene 'x0': 'high' must be finite"),
        ({"n_obj": 1, "space": [Real("a", 0, 1)]}, TypeError, r"'space' must be an evonas.Space"),
        ({"n_obj": 1, "space": Space.from_bounds([0], [1]), "xl": 0}, ValueError, r"either 'space' or the bounds"),
        ({"n_var": 3, "n_obj": 1, "space": Space.from_bounds([0], [1])}, ValueError, r"'n_var' must equal len"),
    ],
)  # fmt: skip
def test_problem_construction_errors(kw, error, match):
    with pytest.raises(error, match=match):
        Problem(**kw)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: ZDT1(n_var=1), ValueError, r"'n_var' must be >= 2 for ZDT1"),
        (lambda: ZDT1(n_var=2.0), TypeError, r"'n_var' must be a positive int"),
        (lambda: DTLZ2(n_obj=1), ValueError, r"'n_obj' must be >= 2"),
        (lambda: DTLZ2(n_obj=4, n_var=3), ValueError, r"'n_var' must be >= n_obj = 4"),
        (lambda: DTLZ4(alpha=0), ValueError, r"'alpha' must be a positive number"),
        (lambda: DTLZ4(alpha="1"), TypeError, r"'alpha' must be a positive number"),
        (lambda: ZDT1(30), TypeError, r"positional"),
    ],
)
def test_builtin_construction_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_get_problem():
    p = get_problem("DTLZ2", n_obj=5)
    assert isinstance(p, DTLZ2) and (p.n_obj, p.n_var) == (5, 14)
    assert isinstance(get_problem(" zdt6 "), ZDT6)
    with pytest.raises(ValueError, match=r"'name' must be one of \[.*'zdt6'\], but it is 'zdt5'"):
        get_problem("zdt5")
    with pytest.raises(TypeError, match="'name' must be a str"):
        get_problem(3)


@pytest.mark.parametrize(("cls", "kw"), BUILTINS, ids=IDS)
def test_builtins_pickle(cls, kw):
    p = cls(**kw)
    back = pickle.loads(pickle.dumps(p))
    X = random_x(p, 8, seed=0)
    np.testing.assert_array_equal(back.evaluate(X)[0], p.evaluate(X)[0])
    assert repr(back) == repr(p)
