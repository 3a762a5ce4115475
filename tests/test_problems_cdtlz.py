"""Constrained DTLZ problems: against pymoo, their fronts, torch evaluation,
a constrained search reaching the front, and bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

from evonas import NSGA3, das_dennis, igd, minimize
from evonas.problems import C1DTLZ1, C1DTLZ3, C2DTLZ2, C3DTLZ1, C3DTLZ4, DTLZ1, get_problem

CLASSES = (C1DTLZ1, C1DTLZ3, C2DTLZ2, C3DTLZ1, C3DTLZ4)


def _population(problem, n=300, seed=0):
    return np.random.default_rng(seed).random((n, problem.n_var))


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("m", [2, 3, 5])
def test_matches_pymoo(cls, m):
    pymoo_problems = pytest.importorskip("pymoo.problems")
    ours = cls(n_obj=m)
    theirs = pymoo_problems.get_problem(cls.__name__.lower(), n_var=ours.n_var, n_obj=m)
    X = _population(ours, seed=m)
    F, G = ours.evaluate(X)
    want_F, want_G = theirs.evaluate(X, return_values_of=["F", "G"])
    assert G.shape == (len(X), ours.n_ieq_constr) == want_G.shape
    np.testing.assert_allclose(F, want_F, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(G, want_G, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("m", [3, 5])
def test_fronts(m):
    # Type 1: the unconstrained front, all feasible.
    c1 = C1DTLZ1(n_obj=m)
    np.testing.assert_array_equal(c1.pareto_front(50), DTLZ1(n_obj=m).pareto_front(50))
    front = c1.pareto_front(50)
    assert (front[:, -1] / 0.6 + front[:, :-1].sum(axis=1) / 0.5 - 1.0 <= 1e-12).all()
    assert c1.optimal_hypervolume(np.full(m, 1.0)) == DTLZ1(n_obj=m).optimal_hypervolume(np.full(m, 1.0))
    # Type 2: feasible patches of the sphere, near every axis end and the centre.
    c2 = C2DTLZ2(n_obj=m)
    front = c2.pareto_front(500)
    assert 0 < len(front) < len(DTLZ1(n_obj=m).pareto_front(500))
    np.testing.assert_allclose(np.linalg.norm(front, axis=1), 1.0)
    assert (c2._violation(front, np) <= 0).all()
    assert any(np.allclose(row, np.eye(m)[0]) for row in front)
    # Type 3: on the constraint surfaces, every constraint met and one of them tight.
    c3 = C3DTLZ4(n_obj=m)
    front = c3.pareto_front(200)
    square = front**2
    G = 1.0 - square / 4.0 - (square.sum(axis=1, keepdims=True) - square)
    assert (G <= 1e-12).all()
    np.testing.assert_allclose(G.max(axis=1), 0.0, atol=1e-12)
    assert (np.linalg.norm(front, axis=1) >= 1.0 - 1e-12).all()


def test_c2dtlz2_by_hand():
    p = C2DTLZ2()  # r = 0.4
    on_axis, centre, between = np.eye(3)[0], np.full(3, 1 / np.sqrt(3)), np.array([1.0, 1.0, 0.0]) / np.sqrt(2)
    G = p._violation(np.stack([on_axis, centre, between]), np)
    assert G[0] < 0 and G[1] < 0 and G[2] > 0
    assert C2DTLZ2(n_obj=2).r == 0.2 and C2DTLZ2(n_obj=5).r == 0.5 and C2DTLZ2(r=0.3).r == 0.3
    assert C1DTLZ3().r == 9.0 and C1DTLZ3(n_obj=8).r == 12.5 and C1DTLZ3(n_obj=15).r == 15.0


def test_unknown_fronts_say_so():
    with pytest.raises(NotImplementedError):
        C3DTLZ1().pareto_front()
    for p in (C2DTLZ2(), C3DTLZ1(), C3DTLZ4()):
        with pytest.raises(NotImplementedError):
            p.optimal_hypervolume(np.full(3, 2.0))


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_torch_matches_numpy(cls):
    torch = pytest.importorskip("torch")
    p = cls()
    X = _population(p, 100, seed=7)
    F_np, G_np = p.evaluate(X)
    F, G = p.evaluate(torch.from_numpy(X))
    assert isinstance(G, torch.Tensor) and G.shape == (100, p.n_ieq_constr)
    np.testing.assert_allclose(F.numpy(), F_np, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(G.numpy(), G_np, rtol=1e-12, atol=1e-9)


def test_nsga3_finds_the_feasible_patches_of_c2dtlz2():
    p = C2DTLZ2()
    res = minimize(p, NSGA3(das_dennis(3, 12)), ("n_gen", 200), seed=1)
    assert (res.G <= 0).all()
    # Each point within 0.02 of the sphere; IGD to the feasible patches well below their size.
    assert np.abs(np.linalg.norm(res.F, axis=1) - 1.0).max() < 0.02
    assert igd(res.F, p.pareto_front(2000)) < 0.1


def test_get_problem_and_bad_arguments():
    assert isinstance(get_problem("C3DTLZ4", n_obj=4), C3DTLZ4)
    assert C3DTLZ1(n_obj=4).n_ieq_constr == 4 and C1DTLZ1().n_ieq_constr == 1
    with pytest.raises(ValueError, match="'r' must be a positive number"):
        C2DTLZ2(r=-1.0)
    with pytest.raises(TypeError, match="'r' must be a positive number"):
        C1DTLZ3(r="9")
    with pytest.raises(ValueError, match="'n_obj' must be >= 2"):
        C3DTLZ4(n_obj=1)
